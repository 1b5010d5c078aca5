namespace DiffAcc.Accelerator.Goldens;

/// <summary>
/// The cycle-level golden of <see cref="Vector.ActivationTableUnit"/>: a write lands at the end of the
/// cycle after it is offered (a reset cycle drops the write offered in it), tables are read before
/// that, and the looked-up values are delayed by the pipeline. Loaded with
/// <see cref="Model.Numerics.ActivationTable.Entries"/>, it is the SiLU of the int8 model.
/// </summary>
public sealed class ActivationTableGolden(int lanes, int slots)
{
    private readonly sbyte[,] tables = new sbyte[1 << DiffAcc.Hdl.Hw.BitsFor(slots), 256];
    private readonly StallPipeline<sbyte[]> pipeline = new(Vector.ActivationTableUnit.Latency, new sbyte[lanes]);

    private (int Slot, int Index, sbyte Value)? pending;

    public bool OutValid => pipeline.OutValid;

    public IReadOnlyList<sbyte> Y => pipeline.Out;

    public void Tick(bool inValid, ReadOnlySpan<sbyte> x, int slot, (int Slot, int Index, sbyte Value)? write, bool outReady, bool reset)
    {
        var y = new sbyte[lanes];
        for (var lane = 0; lane < lanes; lane++)
            y[lane] = tables[slot, x[lane] + 128];
        pipeline.Tick(inValid, y, outReady, reset);
        if (pending is { } w)
            tables[w.Slot, w.Index] = w.Value;
        pending = reset ? null : write;
    }
}
