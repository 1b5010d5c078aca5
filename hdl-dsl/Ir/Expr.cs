using System.Numerics;

namespace DiffAcc.Hdl.Ir;

public enum UnaryOp
{
    Not,
    ReduceAnd,
    ReduceOr,
    ReduceXor,
}

public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    And,
    Or,
    Xor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    ShiftLeft,
    ShiftRight,
}

/// <summary>
/// A combinational expression over nets. Operand shapes are normalized when the node is made
/// (see docs/hdl-dsl.md, width rules): arithmetic and bitwise operands already have the result
/// width, comparison operands share one shape. Later passes and printers rely on this.
/// </summary>
public abstract class Expr(Shape shape)
{
    public Shape Shape { get; } = shape;

    public int Width => Shape.Width;

    public abstract IEnumerable<Expr> Operands { get; }
}

public sealed class NetRef(Net net) : Expr(net.Shape)
{
    public Net Net { get; } = net;

    public override IEnumerable<Expr> Operands => [];
}

/// <summary>A literal; <see cref="Value"/> is the two's-complement bit pattern as a non-negative number.</summary>
public class Const(BigInteger value, Shape shape) : Expr(shape)
{
    public BigInteger Value { get; } = value;

    public override IEnumerable<Expr> Operands => [];
}

/// <summary>A constant with a name (a member of a C# enum used as a hardware type): printed as a localparam.</summary>
public sealed class NamedConst(BigInteger value, Shape shape, string name, string family = "") : Const(value, shape)
{
    public string Name { get; } = name;

    /// <summary>The constants declared together (the members of one enum type), listed in value order.</summary>
    public string Family { get; } = family;
}

public sealed class UnaryExpr(UnaryOp op, Expr operand, Shape shape) : Expr(shape)
{
    public UnaryOp Op { get; } = op;

    public Expr Operand { get; } = operand;

    public override IEnumerable<Expr> Operands => [Operand];
}

public sealed class BinaryExpr(BinaryOp op, Expr left, Expr right, Shape shape) : Expr(shape)
{
    public BinaryOp Op { get; } = op;

    public Expr Left { get; } = left;

    public Expr Right { get; } = right;

    public override IEnumerable<Expr> Operands => [Left, Right];
}

public sealed class MuxExpr(Expr condition, Expr whenTrue, Expr whenFalse) : Expr(whenTrue.Shape)
{
    public Expr Condition { get; } = condition;

    public Expr WhenTrue { get; } = whenTrue;

    public Expr WhenFalse { get; } = whenFalse;

    public override IEnumerable<Expr> Operands => [Condition, WhenTrue, WhenFalse];
}

/// <summary>Concatenation, most significant part first.</summary>
public sealed class ConcatExpr(IReadOnlyList<Expr> parts) : Expr(Shape.Unsigned(parts.Sum(p => p.Width)))
{
    public IReadOnlyList<Expr> Parts { get; } = parts;

    public override IEnumerable<Expr> Operands => Parts;
}

/// <summary>Bits <see cref="High"/> down to <see cref="Low"/> of the operand, unsigned.</summary>
public sealed class SliceExpr(Expr operand, int high, int low) : Expr(Shape.Unsigned(high - low + 1))
{
    public Expr Operand { get; } = operand;

    public int High { get; } = high;

    public int Low { get; } = low;

    public override IEnumerable<Expr> Operands => [Operand];
}

/// <summary>Widening by sign extension (signed operand) or zero extension (unsigned operand).</summary>
public sealed class ExtendExpr(Expr operand, int width) : Expr(operand.Shape with { Width = width })
{
    public Expr Operand { get; } = operand;

    public override IEnumerable<Expr> Operands => [Operand];
}

/// <summary>Reinterpretation of the same bits as signed or unsigned.</summary>
public sealed class CastExpr(Expr operand, bool signed) : Expr(operand.Shape with { Signed = signed })
{
    public Expr Operand { get; } = operand;

    public override IEnumerable<Expr> Operands => [Operand];
}

/// <summary>The value of a combinational net on a path where nothing assigns it (made by <c>ExpandWhens</c>).</summary>
/// <summary>
/// An asynchronous (combinational) read of a memory word, as distributed RAM reads: the word at
/// <see cref="Address"/> now. Beyond the last word it reads 0.
/// </summary>
public sealed class MemoryReadExpr(MemoryDef memory, Expr address) : Expr(memory.Word)
{
    public MemoryDef Memory { get; } = memory;

    public Expr Address { get; } = address;

    public override IEnumerable<Expr> Operands => [Address];
}

public sealed class UndefinedExpr(Shape shape) : Expr(shape)
{
    public override IEnumerable<Expr> Operands => [];
}
