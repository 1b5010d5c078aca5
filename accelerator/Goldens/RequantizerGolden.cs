using DiffAcc.Accelerator.Configuration;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Goldens;

/// <summary>
/// The cycle-level golden of <see cref="Datapath.Requantizer"/>: per-lane tables read before they
/// are written in the same cycle, then <see cref="Requantization.Apply"/> from model/, delayed by
/// the pipeline's latency.
/// </summary>
public sealed class RequantizerGolden
{
    private readonly AcceleratorConfig config;
    private readonly RequantParameters[][] tables;
    private readonly ValidPipeline<sbyte[]> pending;
    private readonly int blockBits;

    public RequantizerGolden(AcceleratorConfig config)
    {
        this.config = config;
        blockBits = DiffAcc.Hdl.Hw.BitsFor(config.ChannelsPerLane);
        var depth = 1 << (config.RequantizerSlotBits + blockBits);
        tables = [.. Enumerable.Range(0, config.Tm).Select(_ => new RequantParameters[depth])];
        pending = new ValidPipeline<sbyte[]>(Datapath.Requantizer.Latency - 1, new sbyte[config.Tm]);
        Quantized = new sbyte[config.Tm];
    }

    public sbyte[] Quantized { get; private set; }

    public bool OutValid { get; private set; }

    /// <summary>One clock edge: the outputs before it are <see cref="Quantized"/> and <see cref="OutValid"/>.</summary>
    public void Tick(bool valid, ReadOnlySpan<int> accumulators, int channelBlock, int slot, (int Lane, int Slot, int ChannelBlock, RequantParameters Entry)? write, bool reset)
    {
        var address = (slot << blockBits) | channelBlock;
        var values = new sbyte[config.Tm];
        for (var lane = 0; lane < config.Tm; lane++)
            values[lane] = Requantization.Apply(accumulators[lane], tables[lane][address]);
        if (write is { } w && w.Lane < config.Tm)
            tables[w.Lane][(w.Slot << blockBits) | w.ChannelBlock] = w.Entry;

        var (arrivingValid, arrivingValues) = pending.Tick(valid, values, reset);
        Quantized = arrivingValues;
        OutValid = arrivingValid && !reset;
    }
}
