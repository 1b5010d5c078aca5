using System.Numerics;
using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>Literals, types and combinational helpers; <see cref="Module"/> exposes the same names to module code.</summary>
public static class Hw
{
    public static BoolType Bool() => BoolType.Instance;

    public static UIntType UInt(int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => new(CheckWidth(width, file, line));

    public static SIntType SInt(int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => new(CheckWidth(width, file, line));

    public static VecType<T> Vec<T>(int count, HdlType<T> element, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => count < 1 ? throw new HdlException($"a Vec needs at least one element, not {count}", new(file, line)) : new(count, element);

    public static BundleType<Stream<T>> Stream<T>(HdlType<T> payload) where T : class => new(f => new Stream<T>(f, payload));

    /// <summary>An unsigned literal of the given width; a value that does not fit is an error.</summary>
    public static UInt Lit(long value, int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        CheckWidth(width, file, line);
        if (value < 0 || (width < 63 && value >> width != 0))
            throw new HdlException($"{value} does not fit in UInt<{width}>", new(file, line));
        return width == 1 ? new Bool(new Const(value, Shape.Bit)) : new UInt(new Const(value, Shape.Unsigned(width)));
    }

    /// <summary>A signed literal of the given width; a value that does not fit is an error.</summary>
    public static SInt SLit(long value, int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        CheckWidth(width, file, line);
        if (width < 64 && (value < -(1L << (width - 1)) || value > (1L << (width - 1)) - 1))
            throw new HdlException($"{value} does not fit in SInt<{width}>", new(file, line));
        return new SInt(new Const(Pattern(value, width), Shape.SignedOf(width)));
    }

    public static Bool True => new(new Const(1, Shape.Bit));

    public static Bool False => new(new Const(0, Shape.Bit));

    /// <summary><c>condition ? whenTrue : whenFalse</c>; both sides are widened to the wider one.</summary>
    public static T Mux<T>(Bool condition, T whenTrue, T whenFalse) where T : Signal
    {
        var width = Math.Max(whenTrue.Width, whenFalse.Width);
        var mux = new MuxExpr(condition.Expr, Signal.Fit(whenTrue.Expr, width), Signal.Fit(whenFalse.Expr, width));
        // Of an enum only when both sides are: a member or a raw UInt makes a plain UInt.
        return (T)(whenTrue.GetType() == whenFalse.GetType() ? whenTrue.Wrap(mux) : mux.Shape.Signed ? new SInt(mux) : new UInt(mux));
    }

    /// <summary><c>condition ? whenTrue : whenFalse</c> of two members: a value of their enum.</summary>
    /// <remarks>The caller's location only tells this overload apart from the one for signals, whose parameters are the same.</remarks>
    public static EnumValue<TEnum> Mux<TEnum>(Bool condition, TEnum whenTrue, TEnum whenFalse, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where TEnum : struct, System.Enum
        => Mux(condition, EnumValue<TEnum>.Of(whenTrue), EnumValue<TEnum>.Of(whenFalse));

    /// <summary><c>condition ? whenTrue : whenFalse</c> of an enum value and a member.</summary>
    public static EnumValue<TEnum> Mux<TEnum>(Bool condition, EnumValue<TEnum> whenTrue, TEnum whenFalse) where TEnum : struct, System.Enum
        => Mux(condition, whenTrue, EnumValue<TEnum>.Of(whenFalse));

    /// <summary><c>condition ? whenTrue : whenFalse</c> of a member and an enum value.</summary>
    public static EnumValue<TEnum> Mux<TEnum>(Bool condition, TEnum whenTrue, EnumValue<TEnum> whenFalse) where TEnum : struct, System.Enum
        => Mux(condition, EnumValue<TEnum>.Of(whenTrue), whenFalse);

    /// <summary>Concatenation, most significant part first.</summary>
    public static UInt Cat(params Signal[] parts)
    {
        if (parts.Length == 0)
            throw new HdlException("Cat needs at least one part", SourceLocation.OfCaller());
        return parts.Length == 1 && !parts[0].Shape.Signed ? (UInt)parts[0] : new UInt(new ConcatExpr([.. parts.Select(p => p.Expr)]));
    }

    /// <summary><paramref name="count"/> copies of <paramref name="value"/> side by side (Verilog's <c>{n{x}}</c>).</summary>
    public static UInt Fill(int count, Signal value, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (count < 1)
            throw new HdlException($"Fill needs at least one copy, not {count}", new(file, line));
        return Cat([.. Enumerable.Repeat(value, count)]);
    }

    /// <summary>A read-only Vec of existing values, for run-time selection with <see cref="Vec{T}.Select"/>.</summary>
    public static Vec<T> VecOf<T>(params T[] elements) where T : class => new(elements);

    /// <summary>The number of bits needed to hold values 0 .. <paramref name="count"/>-1 (at least 1).</summary>
    public static int BitsFor(long count) => count <= 2 ? 1 : 64 - BitOperations.LeadingZeroCount((ulong)(count - 1));

    internal static UInt LitFor(long value)
    {
        if (value < 0)
            throw new HdlException($"{value} is negative and cannot be combined with an unsigned value", SourceLocation.OfCaller());
        return Lit(value, Math.Max(1, 64 - BitOperations.LeadingZeroCount((ulong)value)));
    }

    internal static SInt SLitFor(long value)
    {
        var bits = value >= 0 ? 65 - BitOperations.LeadingZeroCount((ulong)value) : 65 - BitOperations.LeadingZeroCount((ulong)~value);
        return SLit(value, Math.Min(64, bits));
    }

    internal static BigInteger Pattern(BigInteger value, int width) => value & global::DiffAcc.Hdl.UInt.Mask(width);

    private static int CheckWidth(int width, string file, int line)
        => width is < 1 or > 65536 ? throw new HdlException($"width {width} is out of range: widths are 1 to 65536 bits (the largest Verilator handles)", new(file, line)) : width;
}
