namespace DiffAcc.Model.Numerics;

/// <summary>
/// The sums one GroupNorm group needs, in exact integers: count, Σx and Σx² of its values, each an int8 q
/// times 2^e (e is 0 but in a concatenation with split scales).
/// </summary>
public readonly record struct GroupStatistics(long Count, long Sum, long SumOfSquares)
{
    /// <summary>The statistics of int8 values that all stand for q · 2^<paramref name="exponent"/> (one channel's).</summary>
    public static GroupStatistics Of(ReadOnlySpan<sbyte> values, int exponent = 0)
    {
        long sum = 0, squares = 0;
        foreach (var v in values)
        {
            sum += v;
            squares += v * v;
        }
        return new GroupStatistics(values.Length, sum << exponent, squares << (2 * exponent));
    }

    /// <summary>Statistics of two parts of one group (the two passes of a streaming unit add their partial sums).</summary>
    public static GroupStatistics operator +(GroupStatistics a, GroupStatistics b)
        => new(a.Count + b.Count, a.Sum + b.Sum, a.SumOfSquares + b.SumOfSquares);

    /// <summary><c>n·Σx² − (Σx)²</c>: n² times the biased variance, exact and never negative.</summary>
    public Int128 ScaledVariance => ((Int128)Count * SumOfSquares) - ((Int128)Sum * Sum);
}

/// <summary>
/// One channel's affine step after normalization, for one layer and step group:
/// <c>y = sat8(round_shift(z · Gain + Offset, Shift))</c> where <c>z</c> is the normalized value in Q16.
/// </summary>
public readonly record struct GroupNormChannel(int Gain, long Offset, int Shift)
{
    /// <summary>Bits of the signed gain (one DSP48E2 multiplier input).</summary>
    public const int GainBits = 16;

    /// <summary>Fraction bits of the normalized value z.</summary>
    public const int NormalizedFractionBits = 16;

    public const int MinShift = NormalizedFractionBits;

    public const int MaxShift = 48;

    /// <summary>The largest offset magnitude, 2^40: the hardware's offset port is 42 bits signed, with room for the gain term.</summary>
    public const long MaxOffset = 1L << 40;

    /// <summary>
    /// The gain and offset of <c>γ/s_out</c> and <c>β/s_out</c> with the largest shift (16..48) that keeps the
    /// gain in 16 signed bits and the offset within ±2^40, both rounded half to even. Only an offset of more
    /// than 2^24 output steps (every output saturated) still needs the clamp at the smallest shift.
    /// </summary>
    public static GroupNormChannel FromScale(double gammaOverScale, double betaOverScale)
    {
        if (!double.IsFinite(gammaOverScale) || !double.IsFinite(betaOverScale))
            throw new ArgumentOutOfRangeException(nameof(gammaOverScale), "GroupNorm gain and offset must be finite");
        var limit = (1 << (GainBits - 1)) - 1;
        double Gain(int shift) => Math.Round(gammaOverScale * Math.Pow(2, shift - NormalizedFractionBits), MidpointRounding.ToEven);
        double Offset(int shift) => Math.Round(betaOverScale * Math.Pow(2, shift), MidpointRounding.ToEven);
        var shift = MaxShift;
        while (shift > MinShift && (Math.Abs(Gain(shift)) > limit || Math.Abs(Offset(shift)) > MaxOffset))
            shift--;
        var gain = (int)Math.Clamp(Gain(shift), -limit, limit);
        var offset = (long)Math.Clamp(Offset(shift), -MaxOffset, MaxOffset);
        return new GroupNormChannel(gain, offset, shift);
    }

    /// <summary>The int8 output for a normalized value z (Q16).</summary>
    public sbyte Apply(long z) => Saturation.ToInt8(RoundingShift.Apply((z * Gain) + Offset, Shift));
}

/// <summary>
/// GroupNorm on int8 activations with integer arithmetic only (docs/numerics.md, "GroupNorm"):
/// exact group sums, 1/sqrt(variance + eps) by normalization to 30 bits and an exact integer square
/// root, the normalized value in Q16, then a per-channel gain, offset and rounding shift to int8.
/// </summary>
public static class IntegerGroupNorm
{
    /// <summary>Bits the variance term is normalized to before the reciprocal square root.</summary>
    public const int NormalizedVarianceBits = 30;

    /// <summary>Fraction bits of the variance term, so that a small eps keeps its precision (even, so its root is a shift).</summary>
    public const int VarianceFractionBits = 16;

    /// <summary>The eps term in the units of the scaled variance with its fraction bits: <c>max(1, round(eps · n² / s_in² · 2^16))</c>, at most 2^62.</summary>
    public static long EpsilonTerm(double eps, long count, double inputScale)
    {
        var value = eps * count * (double)count / (inputScale * inputScale) * (1 << VarianceFractionBits);
        return (long)Math.Clamp(Math.Round(value, MidpointRounding.ToEven), 1, (double)(1L << 62));
    }

    /// <summary>
    /// The reciprocal square root of <c>V = (n·Σx² − (Σx)²)·2^16 + E</c> as <c>Root · 2^-(31 + HalfShift)</c>:
    /// V is shifted right by an even amount 2·HalfShift until it is below 2^30, then
    /// <c>Root = isqrt(floor(2^62 / V'))</c>, which has at least 16 significant bits.
    /// </summary>
    public static (long Root, int HalfShift) ReciprocalSqrt(GroupStatistics statistics, long epsilonTerm)
    {
        if (epsilonTerm <= 0)
            throw new ArgumentOutOfRangeException(nameof(epsilonTerm), epsilonTerm, "the eps term must be positive");
        var v = (statistics.ScaledVariance << VarianceFractionBits) + epsilonTerm;
        var halfShift = 0;
        while ((v >> (2 * halfShift)) >= (Int128)1 << NormalizedVarianceBits)
            halfShift++;
        var reduced = (ulong)(v >> (2 * halfShift));
        return (IntegerSqrt((1UL << 62) / reduced), halfShift);
    }

    /// <summary><c>n·x·2^e − Σx</c>: n times the distance from the mean, exact.</summary>
    public static long Centered(sbyte x, GroupStatistics statistics, int exponent = 0) => (statistics.Count * ((long)x << exponent)) - statistics.Sum;

    /// <summary>
    /// The normalized value <c>(x − mean) / sqrt(var + eps)</c> in Q16:
    /// <c>round_shift((n·x − Σx) · Root, 31 + HalfShift − 8 − 16)</c> (the 8 undoes the variance's fraction bits).
    /// </summary>
    public static long Normalize(long centered, (long Root, int HalfShift) reciprocal)
        => RoundingShift.Apply(centered * reciprocal.Root, NormalizeShift(reciprocal.HalfShift));

    /// <summary>The shift of <see cref="Normalize"/>: <c>7 + HalfShift</c>.</summary>
    public static int NormalizeShift(int halfShift) => 31 - (VarianceFractionBits / 2) - GroupNormChannel.NormalizedFractionBits + halfShift;

    /// <summary>The int8 output of one value (of a channel whose values stand for q · 2^<paramref name="exponent"/>).</summary>
    public static sbyte Apply(sbyte x, GroupStatistics statistics, (long Root, int HalfShift) reciprocal, GroupNormChannel channel, int exponent = 0)
        => channel.Apply(Normalize(Centered(x, statistics, exponent), reciprocal));

    /// <summary>floor(sqrt(v)), exact (digit by digit, as a hardware unit computes it).</summary>
    public static long IntegerSqrt(ulong v)
    {
        ulong root = 0, bit = 1UL << 62;
        while (bit > v)
            bit >>= 2;
        while (bit != 0)
        {
            if (v >= root + bit)
            {
                v -= root + bit;
                root = (root >> 1) + bit;
            }
            else
            {
                root >>= 1;
            }
            bit >>= 2;
        }
        return (long)root;
    }
}
