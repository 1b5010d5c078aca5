using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Goldens;

/// <summary>The cycle-level golden of <see cref="Vector.ScaleAddUnit"/>: <see cref="ResidualAdd.Apply"/> per lane, delayed by the pipeline.</summary>
public sealed class ScaleAddGolden(int lanes)
{
    private readonly StallPipeline<sbyte[]> pipeline = new(Vector.ScaleAddUnit.Latency, new sbyte[lanes]);

    public bool OutValid => pipeline.OutValid;

    public IReadOnlyList<sbyte> Y => pipeline.Out;

    public void Tick(bool inValid, ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b, ResidualAdd parameters, bool outReady, bool reset)
    {
        var y = new sbyte[lanes];
        for (var lane = 0; lane < lanes; lane++)
            y[lane] = parameters.Apply(a[lane], b[lane]);
        pipeline.Tick(inValid, y, outReady, reset);
    }
}
