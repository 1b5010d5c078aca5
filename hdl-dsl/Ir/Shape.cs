namespace DiffAcc.Hdl.Ir;

/// <summary>The width and signedness of a ground signal. <c>Bool</c> is an unsigned shape of width 1.</summary>
public readonly record struct Shape(int Width, bool Signed)
{
    public static Shape Unsigned(int width) => new(width, false);

    public static Shape SignedOf(int width) => new(width, true);

    public static readonly Shape Bit = new(1, false);

    public override string ToString() => Signed ? $"SInt<{Width}>" : (Width == 1 ? "Bool" : $"UInt<{Width}>");
}
