using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>A single bit; conditions of When and Mux are Bools.</summary>
public sealed class Bool : UInt
{
    internal Bool(Net net) : base(net) { }

    internal Bool(Expr value) : base(value) { }

    internal override Signal Wrap(Expr expr) => new Bool(expr);

    public void Assign(bool literal, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => ConnectFrom(Hw.Lit(literal ? 1 : 0, 1), new(file, line));

    public static Bool operator &(Bool a, Bool b) => new(new BinaryExpr(BinaryOp.And, a.Expr, b.Expr, Shape.Bit));

    public static Bool operator |(Bool a, Bool b) => new(new BinaryExpr(BinaryOp.Or, a.Expr, b.Expr, Shape.Bit));

    public static Bool operator ^(Bool a, Bool b) => new(new BinaryExpr(BinaryOp.Xor, a.Expr, b.Expr, Shape.Bit));

    public static Bool operator !(Bool a) => new(new UnaryExpr(UnaryOp.Not, a.Expr, Shape.Bit));

    /// <summary>Bitwise not of one bit: the same as <c>!</c>, and still a <see cref="Bool"/> (so <c>When(~b, ...)</c> compiles).</summary>
    public static Bool operator ~(Bool a) => !a;

    /// <summary><c>cond ? whenTrue : whenFalse</c>.</summary>
    public T Select<T>(T whenTrue, T whenFalse) where T : Signal => Hw.Mux(this, whenTrue, whenFalse);

    public override bool Equals(object? obj) => base.Equals(obj);

    public override int GetHashCode() => base.GetHashCode();
}
