namespace DiffAcc.Model.Numerics;

/// <summary>
/// Two int8 x int8 products that share the activation, from one wide multiplication
/// <c>P = ((w1 &lt;&lt; 18) + w2) * x</c>, as one DSP48E2 computes them (docs/numerics.md,
/// "Packed multiplication"). Sums of up to <see cref="MaxTerms"/> packed products can be added
/// before the lanes are separated.
/// </summary>
public static class PackedMultiply
{
    /// <summary>Bit position of the high lane.</summary>
    public const int LaneShift = 18;

    /// <summary>
    /// How many packed products the 18-bit low lane can sum without overflow: each product is at
    /// most 128 * 128 = 16384 in magnitude, and 7 * 16384 = 114688 &lt; 2^17.
    /// </summary>
    public const int MaxTerms = 7;

    /// <summary>The packed weight <c>(w1 &lt;&lt; 18) + w2</c> (27 bits signed).</summary>
    public static long Pack(sbyte high, sbyte low) => ((long)high << LaneShift) + low;

    /// <summary>The packed product as the DSP forms it.</summary>
    public static long Product(sbyte high, sbyte low, sbyte activation) => Pack(high, low) * activation;

    /// <summary>
    /// Splits a sum of packed products into its two lane sums: the low lane is the low 18 bits read
    /// as signed; the high lane is the rest, corrected by the low lane's sign (a negative low lane
    /// borrowed one from it).
    /// </summary>
    public static (int High, int Low) Split(long packedSum)
    {
        var low = (int)((packedSum << (64 - LaneShift)) >> (64 - LaneShift));
        var high = (int)((packedSum >> LaneShift) + (low < 0 ? 1 : 0));
        return (high, low);
    }

    /// <summary>Sums the packed products of up to <see cref="MaxTerms"/> (w1, w2, x) triples and splits the lanes.</summary>
    public static (int High, int Low) SumOfProducts(ReadOnlySpan<(sbyte High, sbyte Low, sbyte Activation)> terms)
    {
        if (terms.Length > MaxTerms)
            throw new ArgumentOutOfRangeException(nameof(terms), terms.Length, $"the low lane holds at most {MaxTerms} products");
        long sum = 0;
        foreach (var (high, low, activation) in terms)
            sum += Product(high, low, activation);
        return Split(sum);
    }
}
