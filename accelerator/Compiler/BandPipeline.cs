using DiffAcc.Accelerator.Machine;
using DiffAcc.Accelerator.Performance;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// A first-order estimate of a convolution's bands, for choosing the band height. The double buffers
/// overlap a band's load, its convolution and the store of the band before, and the weight banks the
/// next weight set with the current one, so a band costs the slowest of its load, store, terms and (with
/// several sets, which every band loads again) weights; before the first band comes its load and the
/// first set's weights, after the last its store. Loads and stores go over the data port's read and
/// write sides, a beat of <see cref="MachineShape.BeatBytes"/> bytes a cycle after a DDR round trip; the
/// weights over every weights port, at most as fast as the DDR controller; the array computes one term a cycle in every group at once.
/// </summary>
/// <param name="Groups">Groups the band's rows are loaded into and stored from (each a DMA transfer).</param>
/// <param name="Tn">Bytes per buffer row.</param>
/// <param name="TermsPerRow">PE terms per output row: columns x output blocks x taps x input blocks.</param>
/// <param name="WeightBytes">Bytes of every weight set.</param>
/// <param name="Sets">Weight sets: with one, the weights load once for every band.</param>
/// <param name="WeightPorts">AXI ports the weights share.</param>
internal sealed record BandPipeline(int Groups, int Tn, long TermsPerRow, long WeightBytes, int Sets, int WeightPorts)
{
    /// <summary>A band choice this much slower than the fastest estimate counts as as fast.</summary>
    public const double Tolerance = 1.03;

    public double Cycles(int bands, long inputRows, int outputRows, long outputBufferRows)
    {
        double load = Transfer(Groups * inputRows * Tn, 1);
        var store = Store(outputBufferRows);
        double weights = Transfer(WeightBytes, WeightPorts);
        var compute = Compute(outputRows);
        var firstWeights = Sets == 1 ? weights : Transfer(WeightBytes / Sets, WeightPorts);
        var band = Math.Max(compute, Math.Max(load, store));
        if (Sets > 1)
            band = Math.Max(band, weights);
        return Math.Max(load, firstWeights) + (bands * band) + store;
    }

    /// <summary>Whether a band of <paramref name="outputRows"/> rows takes longer to store its output than to compute it.</summary>
    public bool StoreBound(int outputRows, long outputBufferRows) => Store(outputBufferRows) >= Compute(outputRows);

    // A band's store from every group over the data port's write side, and its terms on the array.
    private double Store(long outputBufferRows) => Transfer(Groups * outputBufferRows * Tn, 1);

    private double Compute(int outputRows) => outputRows * (double)TermsPerRow;

    // A DMA transfer's address to its first beat is the board's DDR latency (a ZCU102 HP port, about 500 ns);
    // several ports together move at most what the board's DDR controller does.
    private static double Transfer(long bytes, int ports) => DdrTiming.Board.MeanLatency + (bytes / (MachineShape.BeatBytes * Math.Min(ports, DdrTiming.Board.TotalBeatsPerCycle)));
}
