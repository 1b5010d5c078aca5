namespace DiffAcc.Model.Numerics;

/// <summary>How the two parts of a skip concatenation are scaled: one scale for both, or each its own.</summary>
public enum ConcatScales
{
    /// <summary>Both parts rescaled to the concatenation's scale.</summary>
    Shared,

    /// <summary>Each part at its own power-of-two step of the concatenation's scale (<see cref="SplitConcat"/>).</summary>
    Split,
}

/// <summary>
/// Split scales of a channel concatenation (docs/numerics.md, "Concat"). With S the concatenation's scale,
/// each part takes the finest scale S / 2^k (k = 0 .. <see cref="MaxSteps"/>) that still holds its own
/// calibrated range: k = floor(log2(S / s_part)). The tensor then has one unit, S / 2^(max k), and an
/// exponent per part, e = max k − k: a channel's value is q · 2^e · unit. Powers of two keep every consumer
/// exact in integers: GroupNorm sums q · 2^e (a shift), a convolution adds one part's partial sum shifted.
/// </summary>
public readonly record struct SplitConcat(double Unit, int ExponentA, int ExponentB)
{
    /// <summary>The most halvings of S a part may take (a part 16 x finer than the other).</summary>
    public const int MaxSteps = 4;

    /// <summary>Bits of an exponent (0 .. <see cref="MaxSteps"/>) in the hardware's tables and registers.</summary>
    public const int ExponentBits = 3;

    public static SplitConcat FromScales(double concatScale, double scaleA, double scaleB)
    {
        if (!(concatScale > 0) || !(scaleA > 0) || !(scaleB > 0))
            throw new ArgumentOutOfRangeException(nameof(concatScale), "scales must be positive");
        int Steps(double part) => Math.Clamp((int)Math.Floor(Math.Log2(concatScale / part)), 0, MaxSteps);
        var (a, b) = (Steps(scaleA), Steps(scaleB));
        var finest = Math.Max(a, b);
        return new SplitConcat(concatScale / (1 << finest), finest - a, finest - b);
    }

    /// <summary>The parts' scales as <paramref name="scales"/> asks: split, or both the concatenation's (exponents 0).</summary>
    public static SplitConcat For(ConcatScales scales, double concatScale, double scaleA, double scaleB)
        => scales == ConcatScales.Split ? FromScales(concatScale, scaleA, scaleB) : new SplitConcat(concatScale, 0, 0);

    /// <summary>The scale part A is stored with: 2^ExponentA units.</summary>
    public double ScaleA => Unit * (1 << ExponentA);

    /// <summary>The scale part B is stored with: 2^ExponentB units.</summary>
    public double ScaleB => Unit * (1 << ExponentB);
}
