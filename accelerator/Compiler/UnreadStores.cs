using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// A pass before the layers overlap: a STORE whose DDR bytes no LOAD of the forward reads, and the host
/// does not read either (all but the output's), goes. What it wrote lives only in the buffers, where the
/// layer after it reads it (a convolution's output its GroupNorm normalizes in place; the rows of a
/// GroupNorm's output between the halo rows the next convolution loads); its DDR copy would only take the
/// one data port's write time from the stores the next layers wait for. A tensor the program stored and
/// now stores nothing of leaves the list the comparisons read; one partly stored is compared where it is
/// (<see cref="CompiledUNet.StoredPixels"/>).
/// </summary>
internal static class UnreadStores
{
    public static (IReadOnlyList<Instruction> Program, IReadOnlyList<CompiledLayer> Layers, IReadOnlyDictionary<string, DdrTensor> Tensors) Apply(
        int tn, int batch, IReadOnlyList<Instruction> program, IReadOnlyList<CompiledLayer> layers, IReadOnlyDictionary<string, DdrTensor> tensors, DdrTensor output)
    {
        static bool Overlaps(IEnumerable<(long Address, long Bytes)> runs, long start, long end) => runs.Any(r => r.Address < end && r.Address + r.Bytes > start);
        var loads = program.OfType<Load>().Where(l => l.Base == BaseRegister.Work).SelectMany(l => l.Runs(l.Offset, tn)).ToList();
        var (outputStart, outputEnd) = (output.At(0), output.At(batch - 1) + output.Bytes);
        // Decided by the instruction alone, so equal STOREs go or stay together.
        var dropped = program.OfType<Store>().Where(store => store.Base == BaseRegister.Work
            && store.Runs(store.Offset, tn).ToList() is var runs
            && !Overlaps(runs, outputStart, outputEnd)
            && !runs.Any(r => Overlaps(loads, r.Address, r.Address + r.Bytes))).ToHashSet();
        bool Dropped(Instruction i) => i is Store store && dropped.Contains(store);
        IEnumerable<List<(long Address, long Bytes)>> Stores(IEnumerable<Instruction> instructions) => instructions.OfType<Store>().Where(s => s.Base == BaseRegister.Work).Select(s => s.Runs(s.Offset, tn).ToList());
        bool StoredBy(DdrTensor t, IEnumerable<List<(long Address, long Bytes)>> stores) => stores.Any(runs => Overlaps(runs, t.At(0), t.At(batch - 1) + t.Bytes));

        var kept = program.Where(i => !Dropped(i)).ToList();
        var (before, after) = (Stores(program).ToList(), Stores(kept).ToList());
        // The tensors the host writes (the sample) stay listed; the others while some STORE of them stays.
        var listed = tensors.Where(t => !StoredBy(t.Value, before) || StoredBy(t.Value, after)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        return (kept, LayerRanges.AfterRemoving(program, layers, Dropped), listed);
    }
}
