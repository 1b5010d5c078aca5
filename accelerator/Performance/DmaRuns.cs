using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Machine;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// The AXI bursts a DMA instruction asks for, cut the way <see cref="DmaBursts"/> cuts them: each run
/// from its 16-byte-aligned start in whole beats, at most 256 beats a burst, never across a 4 KB page.
/// </summary>
internal static class DmaRuns
{
    public const int MaxBurstBeats = 256;

    private const int PageBeats = Machine.Bursts.PageBeats;

    /// <summary>The bursts of byte runs, each cut from its 16-byte-aligned start.</summary>
    public static List<int> Bursts(IEnumerable<(long Address, long Bytes)> runs)
    {
        var bursts = new List<int>();
        foreach (var (start, bytes) in runs)
        {
            var beat = start & ~15L;
            var beats = ((start & 15) + bytes + 15) >> 4;
            while (beats > 0)
            {
                var toPage = PageBeats - ((beat >> 4) & (PageBeats - 1));
                var take = (int)Math.Min(beats, Math.Min(toPage, MaxBurstBeats));
                bursts.Add(take);
                beats -= take;
                beat += take * MachineShape.BeatBytes;
            }
        }
        return bursts;
    }

    /// <summary>Bursts of <paramref name="runs"/> runs of <paramref name="runBytes"/> bytes, <paramref name="stride"/> apart.</summary>
    public static List<int> Bursts(long address, long runBytes, int runs, long stride)
        => Bursts(Enumerable.Range(0, runs).Select(r => (address + (r * stride), runBytes)));

    /// <summary>A LOAD's or STORE's bursts: its runs as the engines walk them.</summary>
    public static List<int> Bursts(ActivationTransfer transfer, long address, int tn) => Bursts(transfer.Runs(address, tn));
}
