using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Passes;

/// <summary>
/// Splits the driver of a deliberate latch (a value with <see cref="UndefinedExpr"/> leaves where
/// nothing assigns it) into the condition under which it is assigned and the value it then takes:
/// <c>c1 ? (c2 ? d : _) : _</c> becomes enable <c>c1 &amp; c2</c>, data <c>d</c>. The latch is
/// transparent while the enable is high and holds otherwise.
/// </summary>
public static class LatchEnable
{
    public static (Expr Enable, Expr Data) Split(Expr value) => (Enable(value), Data(value));

    private static Expr Enable(Expr e) => e switch
    {
        UndefinedExpr => new Const(0, Shape.Bit),
        MuxExpr m when !Undefined(m) => new Const(1, Shape.Bit),
        MuxExpr m => Simplify(m.Condition, Enable(m.WhenTrue), Enable(m.WhenFalse)),
        _ => new Const(1, Shape.Bit),
    };

    // Where one side of a choice is never assigned, the data is simply the other side.
    private static Expr Data(Expr e) => e switch
    {
        MuxExpr { WhenFalse: UndefinedExpr } m => Data(m.WhenTrue),
        MuxExpr { WhenTrue: UndefinedExpr } m => Data(m.WhenFalse),
        MuxExpr m when Undefined(m) => new MuxExpr(m.Condition, Data(m.WhenTrue), Data(m.WhenFalse)),
        UndefinedExpr u => new Const(0, u.Shape),
        _ => e,
    };

    private static bool Undefined(Expr e) => e is UndefinedExpr || e.Operands.Any(Undefined);

    private static Expr Simplify(Expr condition, Expr whenTrue, Expr whenFalse) => (whenTrue, whenFalse) switch
    {
        (Const { Value.IsOne: true }, Const { Value.IsZero: true }) => condition,
        (Const { Value.IsZero: true }, Const { Value.IsOne: true }) => new UnaryExpr(UnaryOp.Not, condition, Shape.Bit),
        (Const { Value.IsOne: true }, _) => new BinaryExpr(BinaryOp.Or, condition, whenFalse, Shape.Bit),
        (_, Const { Value.IsOne: true }) => new BinaryExpr(BinaryOp.Or, new UnaryExpr(UnaryOp.Not, condition, Shape.Bit), whenTrue, Shape.Bit),
        (_, Const { Value.IsZero: true }) => new BinaryExpr(BinaryOp.And, condition, whenTrue, Shape.Bit),
        (Const { Value.IsZero: true }, _) => new BinaryExpr(BinaryOp.And, new UnaryExpr(UnaryOp.Not, condition, Shape.Bit), whenFalse, Shape.Bit),
        _ => new MuxExpr(condition, whenTrue, whenFalse),
    };
}
