using System.Numerics;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Sim.IrSim;

/// <summary>
/// Compiles IR expressions into closures over a value array, with the emitted Verilog's two-state
/// semantics. Values are bit patterns masked to their width; signed operators sign-extend first.
/// </summary>
internal static class ExprCompiler
{
    /// <summary>Compiles a whole driver or port expression after the same truncation narrowing the Verilog emitter applies.</summary>
    public static Func<ulong[], ulong> CompileTop(Expr e, Func<Net, int> slot, Func<MemoryDef, ulong[]>? memory = null) => Compile(new NarrowTruncations().Run(e), slot, memory);

    private static Func<ulong[], ulong> Compile(Expr e, Func<Net, int> slot, Func<MemoryDef, ulong[]>? memory)
    {
        Check(e.Width);
        var mask = Mask(e.Width);
        switch (e)
        {
            case NetRef r:
                var index = slot(r.Net);
                return v => v[index];
            case Const c:
                var value = (ulong)(c.Value & ulong.MaxValue);
                return _ => value;
            case UnaryExpr u:
                var operand = Compile(u.Operand, slot, memory);
                var operandMask = Mask(u.Operand.Width);
                return u.Op switch
                {
                    UnaryOp.Not => v => ~operand(v) & mask,
                    UnaryOp.ReduceAnd => v => operand(v) == operandMask ? 1UL : 0UL,
                    UnaryOp.ReduceOr => v => operand(v) != 0 ? 1UL : 0UL,
                    _ => v => (ulong)BitOperations.PopCount(operand(v)) & 1UL,
                };
            case BinaryExpr b:
                return Binary(b, slot, memory, mask);
            case MuxExpr m:
                var condition = Compile(m.Condition, slot, memory);
                var whenTrue = Compile(m.WhenTrue, slot, memory);
                var whenFalse = Compile(m.WhenFalse, slot, memory);
                return v => condition(v) != 0 ? whenTrue(v) : whenFalse(v);
            case ConcatExpr c:
                var parts = c.Parts.Select(p => (Eval: Compile(p, slot, memory), p.Width)).ToArray();
                return v =>
                {
                    ulong result = 0;
                    foreach (var (eval, width) in parts)
                        result = (width == 64 ? 0 : result << width) | eval(v);
                    return result & mask;
                };
            case SliceExpr s:
                var source = Compile(s.Operand, slot, memory);
                var low = s.Low;
                return v => (source(v) >> low) & mask;
            case ExtendExpr x when x.Operand.Shape.Signed:
                var narrow = Compile(x.Operand, slot, memory);
                var from = x.Operand.Width;
                return v => (ulong)SignExtend(narrow(v), from) & mask;
            case ExtendExpr x:
                return Compile(x.Operand, slot, memory);
            case CastExpr c:
                return Compile(c.Operand, slot, memory);
            case MemoryReadExpr m:
                var contents = memory?.Invoke(m.Memory) ?? throw new NotSupportedException($"memory '{m.Memory.Name}' is read asynchronously but no memory state was given");
                var address = Compile(m.Address, slot, memory);
                return v => address(v) is var a && a < (ulong)contents.Length ? contents[a] : 0;
            default:
                throw new NotSupportedException($"the IR simulator cannot evaluate {e.GetType().Name}");
        }
    }

    private static Func<ulong[], ulong> Binary(BinaryExpr b, Func<Net, int> slot, Func<MemoryDef, ulong[]>? memory, ulong mask)
    {
        var left = Compile(b.Left, slot, memory);
        var right = Compile(b.Right, slot, memory);
        var signed = b.Left.Shape.Signed;
        var lw = b.Left.Width;
        var rw = b.Right.Width;
        return b.Op switch
        {
            BinaryOp.Add => v => (left(v) + right(v)) & mask,
            BinaryOp.Sub => v => (left(v) - right(v)) & mask,
            BinaryOp.Mul when signed => v => (ulong)(SignExtend(left(v), lw) * SignExtend(right(v), rw)) & mask,
            BinaryOp.Mul => v => left(v) * right(v) & mask,
            BinaryOp.And => v => left(v) & right(v),
            BinaryOp.Or => v => left(v) | right(v),
            BinaryOp.Xor => v => left(v) ^ right(v),
            BinaryOp.Eq => v => left(v) == right(v) ? 1UL : 0UL,
            BinaryOp.Ne => v => left(v) != right(v) ? 1UL : 0UL,
            BinaryOp.Lt when signed => v => SignExtend(left(v), lw) < SignExtend(right(v), rw) ? 1UL : 0UL,
            BinaryOp.Le when signed => v => SignExtend(left(v), lw) <= SignExtend(right(v), rw) ? 1UL : 0UL,
            BinaryOp.Gt when signed => v => SignExtend(left(v), lw) > SignExtend(right(v), rw) ? 1UL : 0UL,
            BinaryOp.Ge when signed => v => SignExtend(left(v), lw) >= SignExtend(right(v), rw) ? 1UL : 0UL,
            BinaryOp.Lt => v => left(v) < right(v) ? 1UL : 0UL,
            BinaryOp.Le => v => left(v) <= right(v) ? 1UL : 0UL,
            BinaryOp.Gt => v => left(v) > right(v) ? 1UL : 0UL,
            BinaryOp.Ge => v => left(v) >= right(v) ? 1UL : 0UL,
            BinaryOp.ShiftLeft => v => right(v) >= 64 ? 0 : (left(v) << (int)right(v)) & mask,
            BinaryOp.ShiftRight when signed => v => (ulong)(SignExtend(left(v), lw) >> (int)Math.Min(right(v), 63)) & mask,
            BinaryOp.ShiftRight => v => right(v) >= 64 ? 0 : left(v) >> (int)right(v),
            _ => throw new NotSupportedException(b.Op.ToString()),
        };
    }

    public static ulong Mask(int width) => width >= 64 ? ulong.MaxValue : (1UL << width) - 1;

    public static long SignExtend(ulong value, int width) => width >= 64 ? (long)value : (long)(value << (64 - width)) >> (64 - width);

    public static void Check(int width)
    {
        if (width > 64)
            throw new NotSupportedException($"the IR simulator handles values up to 64 bits; this design has a {width}-bit value (use the Verilator backend)");
    }
}
