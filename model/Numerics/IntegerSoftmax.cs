namespace DiffAcc.Model.Numerics;

/// <summary>How an int8 code holds a probability.</summary>
public enum ProbabilityFormat
{
    /// <summary>q / 127, q in [0, 127]: half the int8 codes (the negative ones) never occur.</summary>
    Signed,

    /// <summary>(q + 128) / 255, q in [-128, 127]: every code, steps of 1/255 (zero point -128).</summary>
    Unsigned,
}

/// <summary>
/// Softmax of one row of int32 attention scores into int8 probabilities (scale 1/127, or 1/255 with zero point -128), in integer
/// arithmetic (docs/numerics.md, "Softmax"): subtract the row maximum, turn the difference into a
/// base-2 exponent in Q16 by one requantization multiplier, look up 2^-fraction in a 257-entry
/// table and shift by the integer part, sum, one reciprocal per row, one product per element.
/// </summary>
public static class IntegerSoftmax
{
    /// <summary>The probability 1 in steps of the format: 127 (signed) or 255 (unsigned).</summary>
    public static int ProbabilityOne(ProbabilityFormat format) => format == ProbabilityFormat.Unsigned ? 255 : 127;

    /// <summary>The code of probability 0: 0 (signed) or -128 (unsigned).</summary>
    public static int ZeroPoint(ProbabilityFormat format) => format == ProbabilityFormat.Unsigned ? sbyte.MinValue : 0;

    public const int ExponentFractionBits = 16;

    /// <summary>Bits of the exponent table's index into the fraction.</summary>
    public const int TableIndexBits = 8;

    /// <summary><c>2^15 · 2^(-j/256)</c> rounded, for j = 0 .. 256.</summary>
    public static IReadOnlyList<int> Exponent2Table { get; } =
        [.. Enumerable.Range(0, (1 << TableIndexBits) + 1).Select(j => (int)Math.Floor((32768 * Math.Pow(2, -j / 256.0)) + 0.5))];

    /// <summary>
    /// The multiplier and shift that turn a score difference into a base-2 exponent in Q16:
    /// <c>scoreScale · log2(e) · 2^16</c>, where <c>scoreScale</c> is the real value of one score unit
    /// (<c>s_q · s_k / sqrt(head_dim)</c>).
    /// </summary>
    /// <remarks>
    /// A 16-bit multiplier with shift 0 holds score units up to <see cref="MaxScoreScale"/> (65535 / 2^16 /
    /// log2(e), just below ln 2, where one unit already halves the exponent); a coarser unit is refused,
    /// since no multiplier and shift would give the softmax it asks for.
    /// </remarks>
    public static RequantParameters ExponentScale(double scoreScale)
    {
        if (!double.IsFinite(scoreScale) || scoreScale <= 0 || scoreScale > MaxScoreScale)
            throw new ArgumentOutOfRangeException(nameof(scoreScale), scoreScale, $"a score unit (s_q · s_k / sqrt(head_dim)) must be above 0 and at most {MaxScoreScale:0.######} (65535 / 2^16 / log2 e), not {scoreScale:G6}: the query and key scales are too coarse for the exponent multiplier");
        return RequantParameters.FromScale(scoreScale * Math.Log2(Math.E) * (1 << ExponentFractionBits));
    }

    /// <summary>The largest score unit the exponent multiplier represents.</summary>
    public static double MaxScoreScale => ((1 << RequantParameters.MultiplierBits) - 1) / Math.Log2(Math.E) / (1 << ExponentFractionBits);

    /// <summary>2^-(u / 2^16) in Q15 for u ≥ 0: table entry of the rounded top 8 fraction bits, shifted by the integer part.</summary>
    public static int Exponent2(long u)
    {
        var integer = u >> ExponentFractionBits;
        var index = (int)(((u & 0xFFFF) + (1 << (ExponentFractionBits - TableIndexBits - 1))) >> (ExponentFractionBits - TableIndexBits));
        return integer >= 16 ? 0 : Exponent2Table[index] >> (int)integer;
    }

    /// <summary>The exponent of one score: <c>Exponent2(round_shift((max − a) · M, r))</c>, in Q15.</summary>
    public static int Exponent(long difference, RequantParameters exponentScale)
        => Exponent2(RoundingShift.Apply(difference * exponentScale.Multiplier, exponentScale.Shift));

    /// <summary><c>floor(2^31 / sum)</c>: one reciprocal per row (the maximum contributes 2^15, so it fits 17 bits).</summary>
    public static long Reciprocal(long sum) => (1L << 31) / sum;

    /// <summary>One probability: <c>min(one, round_shift(e · R · one, 31)) + zero point</c> (one = 127 or 255).</summary>
    public static sbyte Probability(int exponent, long reciprocal, ProbabilityFormat format = ProbabilityFormat.Signed)
    {
        var one = ProbabilityOne(format);
        return (sbyte)(Math.Min(one, RoundingShift.Apply(exponent * reciprocal * one, 31)) + ZeroPoint(format));
    }

    public static void Apply(ReadOnlySpan<int> scores, RequantParameters exponentScale, Span<sbyte> probabilities, ProbabilityFormat format = ProbabilityFormat.Signed)
    {
        if (probabilities.Length != scores.Length)
            throw new ArgumentException($"{scores.Length} scores but {probabilities.Length} outputs", nameof(probabilities));
        if (scores.Length == 0)
            return;
        exponentScale.Validate();
        var max = int.MinValue;
        foreach (var s in scores)
            max = Math.Max(max, s);
        Span<int> exponents = scores.Length <= 1024 ? stackalloc int[scores.Length] : new int[scores.Length];
        long sum = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            // The difference of two int32 scores has 33 bits; times the 16-bit multiplier, 49.
            exponents[i] = Exponent((long)max - scores[i], exponentScale);
            sum += exponents[i];
        }
        var reciprocal = Reciprocal(sum);
        for (var i = 0; i < scores.Length; i++)
            probabilities[i] = Probability(exponents[i], reciprocal, format);
    }
}
