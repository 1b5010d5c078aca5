using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// The last pass: layers overlap. The lowering closes every layer (and some phases inside one) with a
/// SYNC, which waits for every engine; this pass drops them and lets <see cref="TokenPlacement"/> order
/// exactly what depends on what (buffer rows, accumulator rows, tables, DDR lines), so the next layer's
/// loads and weight fetches run under this layer's convolutions and stores. The layers' instruction
/// ranges follow the instructions.
/// </summary>
public static class OverlappedLayers
{
    public static (IReadOnlyList<Instruction> Program, IReadOnlyList<CompiledLayer> Layers) Apply(AcceleratorConfig config, IReadOnlyList<Instruction> program, IReadOnlyList<CompiledLayer> layers)
    {
        // Where each instruction lands once the SYNCs are gone (one past the end included).
        var landing = new int[program.Count + 1];
        for (var i = 0; i < program.Count; i++)
            landing[i + 1] = landing[i] + (program[i] is Sync ? 0 : 1);
        var moved = layers.Select(l =>
        {
            var first = landing[Math.Min(l.FirstInstruction, program.Count)];
            var end = landing[Math.Min(l.FirstInstruction + l.InstructionCount, program.Count)];
            return l with { FirstInstruction = first, InstructionCount = end - first };
        }).ToList();
        return (TokenPlacement.Place(config, [.. program.Where(i => i is not Sync)]), moved);
    }
}
