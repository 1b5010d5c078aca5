namespace DiffAcc.Model.Numerics;

/// <summary>
/// The parameters that turn an int32 accumulator into an int8 activation for one output channel
/// and one step group: <c>q = sat8(round_shift((acc + Bias) * Multiplier, Shift))</c>.
/// </summary>
public readonly record struct RequantParameters(int Bias, int Multiplier, int Shift)
{
    /// <summary>Bits of the unsigned multiplier: one 17x17 or 18x27 DSP product keeps the precision a real scale needs.</summary>
    public const int MultiplierBits = 16;

    /// <summary>Bits of the shift amount.</summary>
    public const int ShiftBits = 6;

    /// <summary>Largest shift: the 49-bit product shifted by more would always be 0 or -1.</summary>
    public const int MaxShift = 48;

    public void Validate()
    {
        if (Multiplier is < 0 or >= 1 << MultiplierBits)
            throw new ArgumentOutOfRangeException(nameof(Multiplier), Multiplier, $"the multiplier is an unsigned {MultiplierBits}-bit integer");
        if (Shift is < 0 or > MaxShift)
            throw new ArgumentOutOfRangeException(nameof(Shift), Shift, $"the shift is 0 to {MaxShift}");
    }

    /// <summary>
    /// The multiplier and shift closest to a real scale (<c>scale ≈ Multiplier / 2^Shift</c>) with the
    /// multiplier normalized into [2^15, 2^16) where the shift range allows.
    /// </summary>
    public static RequantParameters FromScale(double scale, int bias = 0)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "a requantization scale must be positive and finite");
        var shift = 0;
        while (shift < MaxShift && scale * Math.Pow(2, shift + 1) < (1 << MultiplierBits) - 0.5)
            shift++;
        var multiplier = (int)Math.Round(scale * Math.Pow(2, shift), MidpointRounding.ToEven);
        if (multiplier >= 1 << MultiplierBits)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "the scale is too large for a 16-bit multiplier with shift 0");
        return new RequantParameters(bias, multiplier, shift);
    }
}

/// <summary>The integer requantization every hardware block and the int8 model use (docs/numerics.md, "Requantization").</summary>
public static class Requantization
{
    /// <summary>
    /// <c>sat8(round_shift((acc + bias) * multiplier, shift))</c> with exact intermediates: the sum
    /// is 33 bits, the product 49 bits; nothing wraps before the final saturation.
    /// </summary>
    public static sbyte Apply(int accumulator, RequantParameters p)
    {
        p.Validate();
        return ApplyValidated(accumulator, p);
    }

    /// <summary><see cref="Apply"/> for parameters already validated (a tensor's channels, checked once, not per value).</summary>
    internal static sbyte ApplyValidated(int accumulator, RequantParameters p)
    {
        var sum = (long)accumulator + p.Bias;
        var product = sum * p.Multiplier;
        return Saturation.ToInt8(RoundingShift.Apply(product, p.Shift));
    }
}
