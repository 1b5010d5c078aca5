namespace DiffAcc.Model.Numerics;

/// <summary>
/// Division by a power of two with the project's one rounding rule: round half up (ties toward
/// plus infinity), computed as <c>(v + 2^(s-1)) &gt;&gt; s</c> with an arithmetic shift. It costs one
/// adder in hardware. See docs/numerics.md, "Rounding shift".
/// </summary>
public static class RoundingShift
{
    public const int MaxShift = 62;

    public static long Apply(long value, int shift)
    {
        if (shift is < 0 or > MaxShift)
            throw new ArgumentOutOfRangeException(nameof(shift), shift, $"shift must be 0 to {MaxShift}");
        return shift == 0 ? value : (value + (1L << (shift - 1))) >> shift;
    }
}
