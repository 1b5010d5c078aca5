using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Passes;

/// <summary>
/// Pushes "keep the low w bits" into arithmetic whose low bits depend only on the operands' low
/// bits (+, -, bitwise, mux, extension), so <c>(acc + x).Truncate(32)</c> becomes a 32-bit adder
/// instead of a 33-bit one with an unused carry bit.
/// </summary>
public sealed class NarrowTruncations
{
    // Shared subexpressions stay shared: each input node maps to one output node.
    private readonly Dictionary<Expr, Expr> done = new(ReferenceEqualityComparer.Instance);

    /// <summary>Narrows one expression; use one instance per module so shared subexpressions stay shared.</summary>
    public Expr Run(Expr e)
    {
        if (done.TryGetValue(e, out var result))
            return result;
        result = e switch
        {
            SliceExpr { Low: 0 } s => LowBits(Run(s.Operand), s.Width),
            SliceExpr s => Same(e, [s.Operand], o => new SliceExpr(o[0], s.High, s.Low)),
            NetRef or Const or UndefinedExpr => e,
            UnaryExpr u => Same(e, [u.Operand], o => new UnaryExpr(u.Op, o[0], u.Shape)),
            BinaryExpr b => Same(e, [b.Left, b.Right], o => new BinaryExpr(b.Op, o[0], o[1], b.Shape)),
            MuxExpr m => Same(e, [m.Condition, m.WhenTrue, m.WhenFalse], o => new MuxExpr(o[0], o[1], o[2])),
            ConcatExpr c => Same(e, c.Parts, o => new ConcatExpr(o)),
            ExtendExpr x => Same(e, [x.Operand], o => new ExtendExpr(o[0], x.Width)),
            CastExpr c => Same(e, [c.Operand], o => new CastExpr(o[0], c.Shape.Signed)),
            MemoryReadExpr m => Same(e, [m.Address], o => new MemoryReadExpr(m.Memory, o[0])),
            _ => e,
        };
        done[e] = result;
        return result;
    }

    /// <summary>The node itself when no operand changed, else a copy over the narrowed operands.</summary>
    private Expr Same(Expr e, IReadOnlyList<Expr> operands, Func<Expr[], Expr> rebuild)
    {
        var narrowed = operands.Select(Run).ToArray();
        return narrowed.Where((o, i) => !ReferenceEquals(o, operands[i])).Any() ? rebuild(narrowed) : e;
    }

    /// <summary>The low <paramref name="width"/> bits of <paramref name="e"/>, unsigned.</summary>
    private static Expr LowBits(Expr e, int width)
    {
        if (width == e.Width)
            return e.Shape.Signed ? new CastExpr(e, false) : e;
        var unsigned = Shape.Unsigned(width);
        switch (e)
        {
            case BinaryExpr { Op: BinaryOp.Add or BinaryOp.Sub or BinaryOp.And or BinaryOp.Or or BinaryOp.Xor } b:
                return new BinaryExpr(b.Op, LowBits(b.Left, width), LowBits(b.Right, width), unsigned);
            case UnaryExpr { Op: UnaryOp.Not } u:
                return new UnaryExpr(UnaryOp.Not, LowBits(u.Operand, width), unsigned);
            case MuxExpr m:
                return new MuxExpr(m.Condition, LowBits(m.WhenTrue, width), LowBits(m.WhenFalse, width));
            case ExtendExpr x when width <= x.Operand.Width:
                return LowBits(x.Operand, width);
            case ExtendExpr x:
                var extended = new ExtendExpr(x.Operand, width);
                return x.Shape.Signed ? new CastExpr(extended, false) : extended;
            case CastExpr c:
                return LowBits(c.Operand, width);
            case Const c:
                return new Const(c.Value & ((System.Numerics.BigInteger.One << width) - 1), unsigned);
            case SliceExpr s:
                return new SliceExpr(s.Operand, s.Low + width - 1, s.Low);
            default:
                return new SliceExpr(e, width - 1, 0);
        }
    }
}
