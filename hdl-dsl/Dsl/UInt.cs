using System.Numerics;
using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>An unsigned bit vector. <see cref="Bool"/> is a UInt of width 1.</summary>
public class UInt : Signal
{
    internal UInt(Net net) : base(net) { }

    internal UInt(Expr value) : base(value) { }

    internal override Signal Wrap(Expr expr) => new UInt(expr);

    public void Assign(UInt source, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => ConnectFrom(source, new(file, line));

    public void Assign(long literal, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => ConnectFrom(Hw.Lit(literal, Width, file, line), new(file, line));

    // Width rule: + and - grow by one bit so a carry or borrow is never lost.
    public static UInt operator +(UInt a, UInt b) => Arith(BinaryOp.Add, a, b);

    public static UInt operator -(UInt a, UInt b) => Arith(BinaryOp.Sub, a, b);

    public static UInt operator +(UInt a, long b) => a + Hw.LitFor(b);

    public static UInt operator -(UInt a, long b) => a - Hw.LitFor(b);

    public static UInt operator *(UInt a, UInt b) => new(new BinaryExpr(BinaryOp.Mul, a.Expr, b.Expr, Shape.Unsigned(a.Width + b.Width)));

    public static UInt operator &(UInt a, UInt b) => Bitwise(BinaryOp.And, a, b);

    public static UInt operator |(UInt a, UInt b) => Bitwise(BinaryOp.Or, a, b);

    public static UInt operator ^(UInt a, UInt b) => Bitwise(BinaryOp.Xor, a, b);

    public static UInt operator ~(UInt a) => new(new UnaryExpr(UnaryOp.Not, a.Expr, a.Shape));

    /// <summary>Static left shift: the result is <paramref name="n"/> bits wider.</summary>
    public static UInt operator <<(UInt a, int n) => n == 0 ? a : new(new ConcatExpr([a.Expr, new Const(0, Shape.Unsigned(n))]));

    /// <summary>Static right shift: the result is <paramref name="n"/> bits narrower (at least 1 bit).</summary>
    public static UInt operator >>(UInt a, int n) => n == 0 ? a : n >= a.Width ? Hw.Lit(0, 1) : new(new SliceExpr(a.Expr, a.Width - 1, n));

    /// <summary>Dynamic left shift: the result is wide enough for the largest shift amount.</summary>
    public static UInt operator <<(UInt a, UInt amount)
    {
        var width = DynamicShiftWidth(a.Width, amount.Width);
        return new(new BinaryExpr(BinaryOp.ShiftLeft, Fit(a.Expr, width), amount.Expr, Shape.Unsigned(width)));
    }

    /// <summary>Dynamic logical right shift; the width is kept.</summary>
    public static UInt operator >>(UInt a, UInt amount) => new(new BinaryExpr(BinaryOp.ShiftRight, a.Expr, amount.Expr, a.Shape));

    public static Bool operator ==(UInt a, UInt b) => Compare(BinaryOp.Eq, a, b);

    public static Bool operator !=(UInt a, UInt b) => Compare(BinaryOp.Ne, a, b);

    public static Bool operator <(UInt a, UInt b) => Compare(BinaryOp.Lt, a, b);

    public static Bool operator <=(UInt a, UInt b) => Compare(BinaryOp.Le, a, b);

    public static Bool operator >(UInt a, UInt b) => Compare(BinaryOp.Gt, a, b);

    public static Bool operator >=(UInt a, UInt b) => Compare(BinaryOp.Ge, a, b);

    public static Bool operator ==(UInt a, long b) => a == Hw.LitFor(b);

    public static Bool operator !=(UInt a, long b) => a != Hw.LitFor(b);

    public static Bool operator <(UInt a, long b) => a < Hw.LitFor(b);

    public static Bool operator <=(UInt a, long b) => a <= Hw.LitFor(b);

    public static Bool operator >(UInt a, long b) => a > Hw.LitFor(b);

    public static Bool operator >=(UInt a, long b) => a >= Hw.LitFor(b);

    /// <summary>Bits <paramref name="high"/> down to <paramref name="low"/>.</summary>
    public UInt this[int high, int low] => Slice(this, high, low);

    /// <summary>One bit.</summary>
    public Bool this[int bit] => new(Slice(this, bit, bit).Expr);

    /// <summary>One bit chosen at run time.</summary>
    public Bool this[UInt bit] => new(new SliceExpr((this >> bit).Expr, 0, 0));

    /// <summary>Keeps the low <paramref name="width"/> bits: the explicit way to drop bits.</summary>
    public UInt Truncate(int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (width < 1 || width > Width)
            throw new HdlException($"Truncate({width}) of a {Width}-bit value: the width must be between 1 and {Width}", new(file, line));
        return width == Width ? this : new(new SliceExpr(Expr, width - 1, 0));
    }

    /// <summary>
    /// The value at <paramref name="width"/> bits: zero-extended if narrower, its low bits if wider. For
    /// arithmetic whose range the design knows (an address within its buffer); the name says bits may go.
    /// </summary>
    public UInt Resize(int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => width >= Width ? ZeroExtend(width, file, line) : Truncate(width, file, line);

    public UInt ZeroExtend(int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (width < Width)
            throw new HdlException($"ZeroExtend({width}) of a {Width}-bit value would drop bits; use Truncate", new(file, line));
        return width == Width ? this : new(new ExtendExpr(Expr, width));
    }

    /// <summary>a + b kept at the wider operand's width (the carry is dropped on purpose).</summary>
    public UInt AddWrap(UInt b) => (this + b).Truncate(Math.Max(Width, b.Width));

    /// <summary>a - b kept at the wider operand's width (wraps modulo 2^width).</summary>
    public UInt SubWrap(UInt b) => (this - b).Truncate(Math.Max(Width, b.Width));

    /// <summary>a + b for a C# integer, kept at this width: <c>count.AddWrap(1)</c> (b is taken modulo 2^width).</summary>
    public UInt AddWrap(long b) => AddWrap(Hw.Lit(Wrapped(b), Width));

    /// <summary>a - b for a C# integer, kept at this width (b is taken modulo 2^width).</summary>
    public UInt SubWrap(long b) => SubWrap(Hw.Lit(Wrapped(b), Width));

    private long Wrapped(long b) => Width >= 63 ? b : b & ((1L << Width) - 1);

    /// <summary>The same bits read as two's complement.</summary>
    public SInt AsSInt() => new(new CastExpr(Expr, true));

    /// <summary>Zero-extended by one bit and read as signed: the value is unchanged.</summary>
    public SInt ToSInt() => new(new CastExpr(new ExtendExpr(Expr, Width + 1), true));

    public Bool AndReduce() => new(new UnaryExpr(UnaryOp.ReduceAnd, Expr, Shape.Bit));

    public Bool OrReduce() => new(new UnaryExpr(UnaryOp.ReduceOr, Expr, Shape.Bit));

    public Bool XorReduce() => new(new UnaryExpr(UnaryOp.ReduceXor, Expr, Shape.Bit));

    internal static int DynamicShiftWidth(int width, int amountWidth)
    {
        if (amountWidth > 10)
            throw new HdlException($"a dynamic left shift by a {amountWidth}-bit amount would be {width}+2^{amountWidth}-1 bits wide; truncate the amount first", SourceLocation.OfCaller());
        return width + (1 << amountWidth) - 1;
    }

    internal static UInt Slice(Signal a, int high, int low)
    {
        if (low < 0 || high < low || high >= a.Width)
            throw new HdlException($"bits [{high}:{low}] do not exist in a {a.Width}-bit value", SourceLocation.OfCaller());
        return new(new SliceExpr(a.Expr, high, low));
    }

    private static UInt Arith(BinaryOp op, UInt a, UInt b)
    {
        var width = Math.Max(a.Width, b.Width) + 1;
        return new(new BinaryExpr(op, Fit(a.Expr, width), Fit(b.Expr, width), Shape.Unsigned(width)));
    }

    private static UInt Bitwise(BinaryOp op, UInt a, UInt b)
    {
        var width = Math.Max(a.Width, b.Width);
        return new(new BinaryExpr(op, Fit(a.Expr, width), Fit(b.Expr, width), Shape.Unsigned(width)));
    }

    private static Bool Compare(BinaryOp op, UInt a, UInt b)
    {
        var width = Math.Max(a.Width, b.Width);
        return new(new BinaryExpr(op, Fit(a.Expr, width), Fit(b.Expr, width), Shape.Bit));
    }

    public override bool Equals(object? obj) => base.Equals(obj);

    public override int GetHashCode() => base.GetHashCode();

    internal static BigInteger Mask(int width) => (BigInteger.One << width) - 1;
}
