namespace DiffAcc.Model.Numerics;

/// <summary>
/// The sum of two int8 tensors with different scales into a third scale, with one rounding:
/// <c>y = sat8(round_shift(a · MultiplierA + b · MultiplierB, Shift))</c> (docs/numerics.md, "Residual add").
/// </summary>
public readonly record struct ResidualAdd(int MultiplierA, int MultiplierB, int Shift)
{
    public const int MultiplierBits = 16;

    public const int MaxShift = 40;

    /// <summary>The largest shift at which both <c>s_a/s_y</c> and <c>s_b/s_y</c> fit an unsigned 16-bit multiplier.</summary>
    public static ResidualAdd FromScales(double scaleA, double scaleB, double outputScale)
    {
        if (!(scaleA > 0) || !(scaleB > 0) || !(outputScale > 0))
            throw new ArgumentOutOfRangeException(nameof(outputScale), "scales must be positive");
        double ra = scaleA / outputScale, rb = scaleB / outputScale;
        var limit = (1 << MultiplierBits) - 1;
        var shift = MaxShift;
        while (shift > 0 && Math.Round(Math.Max(ra, rb) * Math.Pow(2, shift), MidpointRounding.ToEven) > limit)
            shift--;
        if (Math.Round(Math.Max(ra, rb) * Math.Pow(2, shift), MidpointRounding.ToEven) > limit)
            throw new ArgumentOutOfRangeException(nameof(outputScale), outputScale, "the output scale is too small for a 16-bit multiplier");
        return new ResidualAdd((int)Math.Round(ra * Math.Pow(2, shift), MidpointRounding.ToEven), (int)Math.Round(rb * Math.Pow(2, shift), MidpointRounding.ToEven), shift);
    }

    /// <summary>
    /// One int8 tensor moved to another scale with the same unit and b = 0:
    /// <c>y = sat8(round_shift(a · MultiplierA, Shift))</c> (docs/numerics.md, "Concat").
    /// </summary>
    public static ResidualAdd Rescale(double inputScale, double outputScale)
        => FromScales(inputScale, inputScale, outputScale) with { MultiplierB = 0 };

    public sbyte Apply(sbyte a, sbyte b)
        => Saturation.ToInt8(RoundingShift.Apply(((long)a * MultiplierA) + ((long)b * MultiplierB), Shift));
}
