namespace DiffAcc.Model.Numerics;

/// <summary>Clamping to the range of a signed integer of a given width (docs/numerics.md, "Saturation").</summary>
public static class Saturation
{
    /// <summary>The value clamped to [-2^(bits-1), 2^(bits-1) - 1].</summary>
    public static long ToSigned(long value, int bits)
    {
        if (bits is < 1 or > 63)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "saturation width must be 1 to 63 bits");
        var max = (1L << (bits - 1)) - 1;
        var min = -(1L << (bits - 1));
        return Math.Clamp(value, min, max);
    }

    /// <summary>The value clamped to the int8 range [-128, 127].</summary>
    public static sbyte ToInt8(long value) => (sbyte)ToSigned(value, 8);
}
