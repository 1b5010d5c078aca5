using DiffAcc.Accelerator.Configuration;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Goldens;

/// <summary>
/// The cycle-level golden of <see cref="Datapath.PeGroup"/>: the dot products come from the one
/// packed-multiply implementation in model/ (or plain products without packing), delayed by the
/// group's latency, accumulated with 32-bit wraparound.
/// </summary>
public sealed class PeGroupGolden
{
    private readonly AcceleratorConfig config;
    private readonly ValidPipeline<(bool Clear, long[] Dots)> pending;
    private readonly long[] acc;
    private bool outValid;

    public PeGroupGolden(AcceleratorConfig config, int latency)
    {
        this.config = config;
        acc = new long[config.Tm];
        pending = new ValidPipeline<(bool, long[])>(latency - 1, (false, []));
    }

    public IReadOnlyList<long> Acc => acc;

    public bool OutValid => outValid;

    /// <summary>One clock edge with these inputs (outputs before it are <see cref="Acc"/> and <see cref="OutValid"/>).</summary>
    public void Tick(ReadOnlySpan<sbyte> weights, ReadOnlySpan<sbyte> acts, bool valid, bool clear, bool reset)
    {
        var (arrivingValid, (arrivingClear, dots)) = pending.Tick(valid, (clear, Dots(weights, acts)), reset);
        if (arrivingValid)
        {
            for (var m = 0; m < config.Tm; m++)
                acc[m] = Wrap(arrivingClear ? dots[m] : acc[m] + dots[m]);
        }
        outValid = arrivingValid && !reset;
    }

    private long[] Dots(ReadOnlySpan<sbyte> w, ReadOnlySpan<sbyte> x)
    {
        int tm = config.Tm, tn = config.Tn;
        var dots = new long[tm];
        if (!config.DspPacking)
        {
            for (var m = 0; m < tm; m++)
            {
                for (var n = 0; n < tn; n++)
                    dots[m] += w[(m * tn) + n] * x[n];
            }
            return dots;
        }
        var terms = new (sbyte, sbyte, sbyte)[PackedMultiply.MaxTerms];
        for (var pair = 0; pair < tm / 2; pair++)
        {
            for (var start = 0; start < tn; start += PackedMultiply.MaxTerms)
            {
                var count = Math.Min(PackedMultiply.MaxTerms, tn - start);
                for (var k = 0; k < count; k++)
                    terms[k] = (w[(2 * pair * tn) + start + k], w[(((2 * pair) + 1) * tn) + start + k], x[start + k]);
                var (high, low) = PackedMultiply.SumOfProducts(terms.AsSpan(0, count));
                dots[2 * pair] += high;
                dots[(2 * pair) + 1] += low;
            }
        }
        return dots;
    }

    private long Wrap(long value)
    {
        var bits = config.AccumulatorWidth;
        return (value << (64 - bits)) >> (64 - bits);
    }
}
