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

    /// <summary>
    /// The layers once a pass has put the program in <paramref name="order"/> (original indices): each layer keeps its
    /// own instructions, so one whose instructions no longer lie together (work moved under an earlier layer's) is
    /// a piece per run of them, each named as the layer (the first piece has its MACs), in program order.
    /// </summary>
    public static IReadOnlyList<CompiledLayer> AfterReordering(IReadOnlyList<CompiledLayer> layers, IReadOnlyList<int> order)
    {
        var layerOf = Enumerable.Repeat(-1, order.Count).ToArray();
        for (var l = 0; l < layers.Count; l++)
        {
            for (var i = layers[l].FirstInstruction; i < Math.Min(order.Count, layers[l].FirstInstruction + layers[l].InstructionCount); i++)
                layerOf[i] = l;
        }
        var position = new int[order.Count + 1];
        position[order.Count] = order.Count;
        for (var k = 0; k < order.Count; k++)
            position[order[k]] = k;
        var pieces = new List<(int Layer, CompiledLayer Piece)>();
        for (var l = 0; l < layers.Count; l++)
        {
            // A layer of no instructions stays where its range began.
            if (layers[l].InstructionCount == 0)
                pieces.Add((l, layers[l] with { FirstInstruction = position[Math.Min(layers[l].FirstInstruction, order.Count)] }));
        }
        var pieced = new HashSet<int>();
        for (var k = 0; k < order.Count; k++)
        {
            var l = layerOf[order[k]];
            if (l < 0 || (k > 0 && layerOf[order[k - 1]] == l))
                continue;
            var end = k + 1;
            while (end < order.Count && layerOf[order[end]] == l)
                end++;
            pieces.Add((l, layers[l] with { FirstInstruction = k, InstructionCount = end - k, Macs = pieced.Add(l) ? layers[l].Macs : 0 }));
        }
        return [.. pieces.OrderBy(p => p.Piece.FirstInstruction).ThenBy(p => p.Layer).Select(p => p.Piece)];
    }
}
