namespace DiffAcc.Hdl.Ir;

/// <summary>A statement of a module body: a connection or a conditional block.</summary>
public abstract class Statement(SourceLocation location)
{
    public SourceLocation Location { get; } = location;
}

/// <summary><c>Target := Value</c>; with last-connect semantics, a later connection wins.</summary>
public sealed class Connect(Net target, Expr value, SourceLocation location) : Statement(location)
{
    public Net Target { get; } = target;

    public Expr Value { get; } = value;
}

/// <summary><c>When(Condition) { Then } Otherwise { Else }</c>; ElseWhen is a When nested in Else.</summary>
public sealed class When(Expr condition, SourceLocation location) : Statement(location)
{
    public Expr Condition { get; } = condition;

    public List<Statement> Then { get; } = [];

    public List<Statement> Else { get; } = [];
}
