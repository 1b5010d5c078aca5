using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Datapath;

/// <summary>
/// The combinational forms of model/Numerics' rounding shift and saturation, shared by every block
/// that requantizes (docs/numerics.md, "Rounding shift", "Saturation").
/// </summary>
public static class FixedPointLogic
{
    /// <summary>
    /// <c>round_shift(value, shift)</c>, round half up, same width as <paramref name="value"/>:
    /// <c>floor((floor(2v / 2^s) + 1) / 2)</c>, which is v for s = 0 and needs no shifted constant,
    /// no <c>s − 1</c> and no multiplexer for s = 0 behind the shifter.
    /// </summary>
    public static SInt RoundingShift(SInt value, UInt shift) => RoundingShiftFinish(RoundingShiftHalf(value, shift));

    /// <summary>
    /// The first half of <see cref="RoundingShift(SInt, UInt)"/>, for a pipeline register between the barrel
    /// shifter and the carry chain: <c>floor(2v / 2^s)</c>, one bit wider than <paramref name="value"/>.
    /// </summary>
    public static SInt RoundingShiftHalf(SInt value, UInt shift)
    {
        var wide = value.SignExtend(value.Width + 1);
        return (wide << 1).Truncate(wide.Width) >> shift;
    }

    /// <summary>The second half: <c>floor((h + 1) / 2)</c>, as wide as the value <see cref="RoundingShiftHalf"/> was given.</summary>
    public static SInt RoundingShiftFinish(SInt half) => ((half + 1) >> 1).Truncate(half.Width - 1);

    /// <summary><c>round_shift(value, shift)</c> by a constant shift.</summary>
    public static SInt RoundingShift(SInt value, int shift)
        => shift == 0 ? value : (((value >> (shift - 1)) + 1) >> 1).Truncate(Math.Max(1, value.Width - shift));

    /// <summary>Clamps a signed value to [-128, 127].</summary>
    public static SInt SaturateToInt8(SInt value)
        => value.Width <= 8 ? value.SignExtend(8) : Hw.Mux(value > 127, Hw.SLit(127, 8), Hw.Mux(value < -128, Hw.SLit(-128, 8), value.Truncate(8)));

    /// <summary>The exact sum of signed values by a balanced tree of adders, each one bit wider than its operands.</summary>
    public static SInt Sum(IReadOnlyList<SInt> values)
        => values.Count == 1 ? values[0] : Sum([.. Enumerable.Range(0, (values.Count + 1) / 2).Select(i => (2 * i) + 1 < values.Count ? values[2 * i] + values[(2 * i) + 1] : values[2 * i])]);

    /// <summary>The exact sum of unsigned values by a balanced tree of adders.</summary>
    public static UInt Sum(IReadOnlyList<UInt> values)
        => values.Count == 1 ? values[0] : Sum([.. Enumerable.Range(0, (values.Count + 1) / 2).Select(i => (2 * i) + 1 < values.Count ? values[2 * i] + values[(2 * i) + 1] : values[2 * i])]);
}
