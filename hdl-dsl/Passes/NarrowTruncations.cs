using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Passes;

/// <summary>
/// Pushes "keep the low w bits" into arithmetic whose low bits depend only on the operands' low
/// bits (+, -, bitwise, mux, extension), so <c>(acc + x).Truncate(32)</c> becomes a 32-bit adder
/// instead of a 33-bit one with an unused carry bit.
/// </summary>
public static class NarrowTruncations
{
    public static Expr Run(Expr e) => e switch
    {
        SliceExpr { Low: 0 } s => LowBits(Run(s.Operand), s.Width),
        SliceExpr s => new SliceExpr(Run(s.Operand), s.High, s.Low),
        NetRef or Const or UndefinedExpr => e,
        UnaryExpr u => new UnaryExpr(u.Op, Run(u.Operand), u.Shape),
        BinaryExpr b => new BinaryExpr(b.Op, Run(b.Left), Run(b.Right), b.Shape),
        MuxExpr m => new MuxExpr(Run(m.Condition), Run(m.WhenTrue), Run(m.WhenFalse)),
        ConcatExpr c => new ConcatExpr([.. c.Parts.Select(Run)]),
        ExtendExpr x => new ExtendExpr(Run(x.Operand), x.Width),
        CastExpr c => new CastExpr(Run(c.Operand), c.Shape.Signed),
        _ => e,
    };

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
