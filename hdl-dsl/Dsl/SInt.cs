using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>A two's-complement signed value.</summary>
public sealed class SInt : Signal
{
    internal SInt(Net net) : base(net) { }

    internal SInt(Expr value) : base(value) { }

    internal override Signal Wrap(Expr expr) => new SInt(expr);

    public void Assign(SInt source, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => ConnectFrom(source, new(file, line));

    public void Assign(long literal, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => ConnectFrom(Hw.SLit(literal, Width, file, line), new(file, line));

    public static SInt operator +(SInt a, SInt b) => Arith(BinaryOp.Add, a, b);

    public static SInt operator -(SInt a, SInt b) => Arith(BinaryOp.Sub, a, b);

    public static SInt operator +(SInt a, long b) => a + Hw.SLitFor(b);

    public static SInt operator -(SInt a, long b) => a - Hw.SLitFor(b);

    /// <summary>Negation; one bit wider so that -min fits.</summary>
    public static SInt operator -(SInt a) => Hw.SLit(0, 1) - a;

    public static SInt operator *(SInt a, SInt b) => new(new BinaryExpr(BinaryOp.Mul, a.Expr, b.Expr, Shape.SignedOf(a.Width + b.Width)));

    public static SInt operator &(SInt a, SInt b) => Bitwise(BinaryOp.And, a, b);

    public static SInt operator |(SInt a, SInt b) => Bitwise(BinaryOp.Or, a, b);

    public static SInt operator ^(SInt a, SInt b) => Bitwise(BinaryOp.Xor, a, b);

    public static SInt operator ~(SInt a) => new(new UnaryExpr(UnaryOp.Not, a.Expr, a.Shape));

    public static SInt operator <<(SInt a, int n) => n == 0 ? a : new(new CastExpr(new ConcatExpr([a.Expr, new Const(0, Shape.Unsigned(n))]), true));

    /// <summary>Static arithmetic right shift: the result is <paramref name="n"/> bits narrower (at least 1 bit).</summary>
    public static SInt operator >>(SInt a, int n) => n == 0 ? a : new(new CastExpr(new SliceExpr(a.Expr, a.Width - 1, Math.Min(n, a.Width - 1)), true));

    public static SInt operator <<(SInt a, UInt amount)
    {
        var width = UInt.DynamicShiftWidth(a.Width, amount.Width);
        return new(new BinaryExpr(BinaryOp.ShiftLeft, Fit(a.Expr, width), amount.Expr, Shape.SignedOf(width)));
    }

    /// <summary>Dynamic arithmetic right shift; the width is kept.</summary>
    public static SInt operator >>(SInt a, UInt amount) => new(new BinaryExpr(BinaryOp.ShiftRight, a.Expr, amount.Expr, a.Shape));

    public static Bool operator ==(SInt a, SInt b) => Compare(BinaryOp.Eq, a, b);

    public static Bool operator !=(SInt a, SInt b) => Compare(BinaryOp.Ne, a, b);

    public static Bool operator <(SInt a, SInt b) => Compare(BinaryOp.Lt, a, b);

    public static Bool operator <=(SInt a, SInt b) => Compare(BinaryOp.Le, a, b);

    public static Bool operator >(SInt a, SInt b) => Compare(BinaryOp.Gt, a, b);

    public static Bool operator >=(SInt a, SInt b) => Compare(BinaryOp.Ge, a, b);

    public static Bool operator ==(SInt a, long b) => a == Hw.SLitFor(b);

    public static Bool operator !=(SInt a, long b) => a != Hw.SLitFor(b);

    public static Bool operator <(SInt a, long b) => a < Hw.SLitFor(b);

    public static Bool operator <=(SInt a, long b) => a <= Hw.SLitFor(b);

    public static Bool operator >(SInt a, long b) => a > Hw.SLitFor(b);

    public static Bool operator >=(SInt a, long b) => a >= Hw.SLitFor(b);

    public UInt this[int high, int low] => UInt.Slice(this, high, low);

    public Bool this[int bit] => new(UInt.Slice(this, bit, bit).Expr);

    public Bool Sign => this[Width - 1];

    /// <summary>Keeps the low <paramref name="width"/> bits, still signed: the explicit way to drop bits.</summary>
    public SInt Truncate(int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (width < 1 || width > Width)
            throw new HdlException($"Truncate({width}) of a {Width}-bit value: the width must be between 1 and {Width}", new(file, line));
        return width == Width ? this : new(new CastExpr(new SliceExpr(Expr, width - 1, 0), true));
    }

    public SInt SignExtend(int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (width < Width)
            throw new HdlException($"SignExtend({width}) of a {Width}-bit value would drop bits; use Truncate", new(file, line));
        return width == Width ? this : new(new ExtendExpr(Expr, width));
    }

    public SInt AddWrap(SInt b) => (this + b).Truncate(Math.Max(Width, b.Width));

    public SInt SubWrap(SInt b) => (this - b).Truncate(Math.Max(Width, b.Width));

    /// <summary>a + b for a C# integer, kept at this width (b is taken modulo 2^width, as two's complement).</summary>
    public SInt AddWrap(long b) => (AsUInt().AddWrap(b)).AsSInt();

    /// <summary>a - b for a C# integer, kept at this width.</summary>
    public SInt SubWrap(long b) => (AsUInt().SubWrap(b)).AsSInt();

    /// <summary>The same bits read as unsigned.</summary>
    public UInt AsUInt() => new(new CastExpr(Expr, false));

    private static SInt Arith(BinaryOp op, SInt a, SInt b)
    {
        var width = Math.Max(a.Width, b.Width) + 1;
        return new(new BinaryExpr(op, Fit(a.Expr, width), Fit(b.Expr, width), Shape.SignedOf(width)));
    }

    private static SInt Bitwise(BinaryOp op, SInt a, SInt b)
    {
        var width = Math.Max(a.Width, b.Width);
        return new(new BinaryExpr(op, Fit(a.Expr, width), Fit(b.Expr, width), Shape.SignedOf(width)));
    }

    private static Bool Compare(BinaryOp op, SInt a, SInt b)
    {
        var width = Math.Max(a.Width, b.Width);
        return new(new BinaryExpr(op, Fit(a.Expr, width), Fit(b.Expr, width), Shape.Bit));
    }

    public override bool Equals(object? obj) => base.Equals(obj);

    public override int GetHashCode() => base.GetHashCode();
}
