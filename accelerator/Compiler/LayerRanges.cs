using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>The layers' instruction ranges once a pass has taken instructions out of the program.</summary>
internal static class LayerRanges
{
    public static IReadOnlyList<CompiledLayer> AfterRemoving(IReadOnlyList<Instruction> program, IReadOnlyList<CompiledLayer> layers, Func<Instruction, bool> removed)
    {
        // Where each instruction lands once the removed ones are gone (one past the end included).
        var landing = new int[program.Count + 1];
        for (var i = 0; i < program.Count; i++)
            landing[i + 1] = landing[i] + (removed(program[i]) ? 0 : 1);
        return [.. layers.Select(l =>
        {
            var first = landing[Math.Min(l.FirstInstruction, program.Count)];
            var end = landing[Math.Min(l.FirstInstruction + l.InstructionCount, program.Count)];
            return l with { FirstInstruction = first, InstructionCount = end - first };
        })];
    }
}
