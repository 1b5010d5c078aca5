namespace DiffAcc.Model.Quantization;

/// <summary>
/// Counts of |x| in bins of 1/32 octave from 2^-24 to 2^16 (the float's exponent and top five mantissa
/// bits, so binning costs no logarithm), plus one bin for everything smaller. Histograms of the same
/// point merge by adding counts, which is how step groups combine their steps.
/// </summary>
public sealed class ActivationHistogram
{
    public const int BinsPerOctave = 32;

    public const int MinExponent = -24;

    public const int MaxExponent = 16;

    /// <summary>Bin 0 holds |x| &lt; 2^-24; the last bin also holds everything ≥ 2^16.</summary>
    public const int BinCount = 1 + ((MaxExponent - MinExponent) * BinsPerOctave);

    public long[] Counts { get; } = new long[BinCount];

    public void Add(ReadOnlySpan<float> values)
    {
        const int first = (127 + MinExponent) << 5;
        foreach (var v in values)
        {
            // Exponent and top 5 mantissa bits of |v|: 32 linear sub-bins per octave.
            var bits = (BitConverter.SingleToInt32Bits(v) & 0x7FFFFFFF) >> 18;
            Counts[Math.Clamp(bits - first + 1, 0, BinCount - 1)]++;
        }
    }

    public void Add(ActivationHistogram other)
    {
        for (var i = 0; i < BinCount; i++)
            Counts[i] += other.Counts[i];
    }

    /// <summary>The lower edge of a bin (0 for bin 0).</summary>
    public static double LowerEdge(int bin)
        => bin == 0 ? 0 : Math.Pow(2, MinExponent + ((bin - 1) / BinsPerOctave)) * (1 + ((bin - 1) % BinsPerOctave / (double)BinsPerOctave));

    /// <summary>The middle of a bin, the value that stands for its members.</summary>
    public static double Center(int bin) => bin == 0 ? 0 : (LowerEdge(bin) + LowerEdge(bin + 1)) / 2;
}
