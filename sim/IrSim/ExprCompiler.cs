using System.Numerics;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim.IrSim;

/// <summary>
/// Bit-pattern arithmetic over a value type that holds a whole net: <see cref="ulong"/> for designs
/// of at most 64 bits (the fast path), <see cref="BigInteger"/> (never negative) for wider ones.
/// </summary>
internal static class Bits<T> where T : struct, IBinaryInteger<T>
{
    /// <summary>The widest value <typeparamref name="T"/> holds.</summary>
    public static readonly int Capacity = typeof(T) == typeof(ulong) ? 64 : int.MaxValue;

    public static T Mask(int width) => width >= Capacity ? T.AllBitsSet : (T.One << width) - T.One;

    public static bool Bit(T value, int index) => ((value >> index) & T.One) != T.Zero;

    /// <summary>A <paramref name="from"/>-bit two's complement pattern widened to <paramref name="to"/> bits.</summary>
    public static T SignExtend(T value, int from, int to)
        => to > from && Bit(value, from - 1) ? value | (Mask(to) ^ Mask(from)) : value;

    public static T FromBigInteger(BigInteger value, int width) => T.CreateTruncating(value & ((BigInteger.One << width) - 1));

    /// <summary>A shift amount, saturated: any amount at or past <paramref name="limit"/> acts as <paramref name="limit"/>.</summary>
    public static int Amount(T value, int limit) => value >= T.CreateTruncating(limit) ? limit : int.CreateTruncating(value);
}

/// <summary>
/// Compiles lowered IR expressions (<see cref="Hdl.Passes.ModuleLowering"/>) into closures over a
/// value array, with the emitted Verilog's two-state semantics. Values are bit patterns masked to
/// their width; signed operators sign-extend first.
/// </summary>
internal static class ExprCompiler<T> where T : struct, IBinaryInteger<T>
{
    public static Func<T[], T> Compile(Expr e, Func<Net, int> slot, Func<MemoryDef, T[]> memory)
    {
        Check(e.Width);
        var mask = Bits<T>.Mask(e.Width);
        switch (e)
        {
            case NetRef r:
                var index = slot(r.Net);
                return v => v[index];
            case Const c:
                var value = Bits<T>.FromBigInteger(c.Value, c.Width);
                return _ => value;
            case UnaryExpr u:
                var operand = Compile(u.Operand, slot, memory);
                var operandMask = Bits<T>.Mask(u.Operand.Width);
                return u.Op switch
                {
                    UnaryOp.Not => v => ~operand(v) & mask,
                    UnaryOp.ReduceAnd => v => operand(v) == operandMask ? T.One : T.Zero,
                    UnaryOp.ReduceOr => v => operand(v) != T.Zero ? T.One : T.Zero,
                    _ => v => T.PopCount(operand(v)) & T.One,
                };
            case BinaryExpr b:
                return Binary(b, slot, memory, mask);
            case MuxExpr m:
                var condition = Compile(m.Condition, slot, memory);
                var whenTrue = Compile(m.WhenTrue, slot, memory);
                var whenFalse = Compile(m.WhenFalse, slot, memory);
                return v => condition(v) != T.Zero ? whenTrue(v) : whenFalse(v);
            case ConcatExpr c:
                var parts = c.Parts.Select(p => (Eval: Compile(p, slot, memory), p.Width)).ToArray();
                return v =>
                {
                    var result = T.Zero;
                    foreach (var (eval, width) in parts)
                        result = (width >= Bits<T>.Capacity ? T.Zero : result << width) | eval(v);
                    return result & mask;
                };
            case SliceExpr s:
                var source = Compile(s.Operand, slot, memory);
                var low = s.Low;
                return v => (source(v) >> low) & mask;
            case ExtendExpr x when x.Operand.Shape.Signed:
                var narrow = Compile(x.Operand, slot, memory);
                var (from, to) = (x.Operand.Width, x.Width);
                return v => Bits<T>.SignExtend(narrow(v), from, to) & mask;
            case ExtendExpr x:
                return Compile(x.Operand, slot, memory);
            case CastExpr c:
                return Compile(c.Operand, slot, memory);
            case MemoryReadExpr m:
                var contents = memory(m.Memory);
                var address = Compile(m.Address, slot, memory);
                var depth = T.CreateTruncating(contents.Length);
                return v => address(v) is var a && a < depth ? contents[int.CreateTruncating(a)] : T.Zero;
            default:
                throw new NotSupportedException($"the IR simulator cannot evaluate {e.GetType().Name}");
        }
    }

    private static Func<T[], T> Binary(BinaryExpr b, Func<Net, int> slot, Func<MemoryDef, T[]> memory, T mask)
    {
        var left = Compile(b.Left, slot, memory);
        var right = Compile(b.Right, slot, memory);
        var signed = b.Left.Shape.Signed;
        var (lw, rw, width) = (b.Left.Width, b.Right.Width, b.Width);
        // Signed operands compare as unsigned once widened to a common width with the sign bit flipped.
        var common = Math.Max(lw, rw);
        var flip = T.One << (common - 1);
        T Ordered(T x, int w) => Bits<T>.SignExtend(x, w, common) ^ flip;
        var product = Math.Min(Bits<T>.Capacity, Math.Max(width, common));
        var leftMask = Bits<T>.Mask(lw);
        return b.Op switch
        {
            BinaryOp.Add => v => (left(v) + right(v)) & mask,
            BinaryOp.Sub => v => (left(v) - right(v)) & mask,
            BinaryOp.Mul when signed => v => (Bits<T>.SignExtend(left(v), lw, product) * Bits<T>.SignExtend(right(v), rw, product)) & mask,
            BinaryOp.Mul => v => left(v) * right(v) & mask,
            BinaryOp.And => v => left(v) & right(v),
            BinaryOp.Or => v => left(v) | right(v),
            BinaryOp.Xor => v => left(v) ^ right(v),
            BinaryOp.Eq => v => left(v) == right(v) ? T.One : T.Zero,
            BinaryOp.Ne => v => left(v) != right(v) ? T.One : T.Zero,
            BinaryOp.Lt when signed => v => Ordered(left(v), lw) < Ordered(right(v), rw) ? T.One : T.Zero,
            BinaryOp.Le when signed => v => Ordered(left(v), lw) <= Ordered(right(v), rw) ? T.One : T.Zero,
            BinaryOp.Gt when signed => v => Ordered(left(v), lw) > Ordered(right(v), rw) ? T.One : T.Zero,
            BinaryOp.Ge when signed => v => Ordered(left(v), lw) >= Ordered(right(v), rw) ? T.One : T.Zero,
            BinaryOp.Lt => v => left(v) < right(v) ? T.One : T.Zero,
            BinaryOp.Le => v => left(v) <= right(v) ? T.One : T.Zero,
            BinaryOp.Gt => v => left(v) > right(v) ? T.One : T.Zero,
            BinaryOp.Ge => v => left(v) >= right(v) ? T.One : T.Zero,
            BinaryOp.ShiftLeft => v => Bits<T>.Amount(right(v), width) is var s && s >= width ? T.Zero : (left(v) << s) & mask,
            BinaryOp.ShiftRight when signed => v =>
            {
                var x = left(v);
                var s = Bits<T>.Amount(right(v), lw);
                var negative = Bits<T>.Bit(x, lw - 1);
                if (s >= lw)
                    return negative ? mask : T.Zero;
                var shifted = x >> s;
                return (negative ? shifted | (leftMask ^ (leftMask >> s)) : shifted) & mask;
            }
            ,
            BinaryOp.ShiftRight => v => Bits<T>.Amount(right(v), lw) is var s && s >= lw ? T.Zero : (left(v) >> s) & mask,
            _ => throw new NotSupportedException(b.Op.ToString()),
        };
    }

    public static void Check(int width)
    {
        if (width > Bits<T>.Capacity)
            throw new NotSupportedException($"internal: a {width}-bit value in the {Bits<T>.Capacity}-bit IR simulator");
    }
}
