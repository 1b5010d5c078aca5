using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// A pass before the layers overlap: the STOREs of a tensor no LOAD of the forward reads and the host does
/// not read either (every one but the output) go. Such a tensor lives only in the buffers, where the layer
/// after it reads it (a convolution's output its GroupNorm normalizes in place); its DDR copy would only
/// take the one data port's write time from the halo rows the next convolution waits for. The tensor
/// leaves the list the comparisons read, so every tensor listed is still written whole.
/// </summary>
internal static class UnreadTensors
{
    public static (IReadOnlyList<Instruction> Program, IReadOnlyList<CompiledLayer> Layers, IReadOnlyDictionary<string, DdrTensor> Tensors) Apply(
        int tn, int batch, IReadOnlyList<Instruction> program, IReadOnlyList<CompiledLayer> layers, IReadOnlyDictionary<string, DdrTensor> tensors, DdrTensor output)
    {
        static bool Overlaps(IEnumerable<(long Address, long Bytes)> runs, long start, long end) => runs.Any(r => r.Address < end && r.Address + r.Bytes > start);
        var loads = program.OfType<Load>().Where(l => l.Base == BaseRegister.Work).Select(l => l.Runs(l.Offset, tn).ToList()).ToList();
        var unread = tensors.Values
            .Where(t => !ReferenceEquals(t, output) && t.Point != output.Point)
            .Select(t => (Tensor: t, Start: t.At(0), End: t.At(batch - 1) + t.Bytes))
            .Where(t => !loads.Any(runs => Overlaps(runs, t.Start, t.End)))
            .ToList();
        bool Dropped(Instruction i) => i is Store { Base: BaseRegister.Work } s && unread.Any(t => Overlaps(s.Runs(s.Offset, tn), t.Start, t.End));

        var moved = LayerRanges.AfterRemoving(program, layers, Dropped);
        var kept = tensors.Where(t => !unread.Any(u => ReferenceEquals(u.Tensor, t.Value))).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        return ([.. program.Where(i => !Dropped(i))], moved, kept);
    }
}
