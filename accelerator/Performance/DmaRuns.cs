using DiffAcc.Accelerator.Isa;
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

    /// <summary>Bursts of <paramref name="runs"/> runs of <paramref name="runBytes"/> bytes, <paramref name="stride"/> apart.</summary>
    public static List<int> Bursts(long address, long runBytes, int runs, long stride)
    {
        var bursts = new List<int>();
        for (var r = 0; r < runs; r++)
        {
            var start = address + (r * stride);
            var beat = start & ~15L;
            var beats = ((start & 15) + runBytes + 15) >> 4;
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

    /// <summary>A LOAD's or STORE's runs: one when its chunks lie back to back, else one per chunk.</summary>
    public static List<int> Bursts(ActivationTransfer transfer, long address, int tn)
    {
        long chunkBytes = (long)transfer.Rows * tn;
        var contiguous = transfer.DdrStride == chunkBytes || transfer.Chunks == 1;
        return contiguous ? Bursts(address, chunkBytes * transfer.Chunks, 1, 0) : Bursts(address, chunkBytes, transfer.Chunks, transfer.DdrStride);
    }
}
