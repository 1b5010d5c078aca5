using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.Verilog;

/// <summary>
/// A value that is a chain of tests of one subject against named constants (what
/// <c>Switch(state).Is(...)</c> lowers to): <c>s == A ? a : s == B ? b : d</c>. Printed as a
/// <c>case</c> statement, so a state machine reads the same in C# and Verilog.
/// </summary>
internal sealed record CaseChain(Expr Subject, IReadOnlyList<(IReadOnlyList<NamedConst> Labels, Expr Value)> Arms, Expr Default)
{
    /// <summary>The chain in <paramref name="value"/>, when it tests one subject against at least two distinct members.</summary>
    public static CaseChain? Match(Expr value)
    {
        var arms = new List<(IReadOnlyList<NamedConst> Labels, Expr Value)>();
        Expr? subject = null;
        var rest = value;
        while (rest is MuxExpr mux && Labels(mux.Condition, subject) is { } tested
            && !arms.Any(a => a.Labels.Any(l => tested.Labels.Any(t => t.Value == l.Value))))
        {
            subject ??= tested.Subject;
            arms.Add((tested.Labels, mux.WhenTrue));
            rest = mux.WhenFalse;
        }
        return arms.Sum(a => a.Labels.Count) >= 2 ? new CaseChain(subject!, arms, rest) : null;
    }

    /// <summary>The members a condition tests its subject against: <c>s == A</c>, or <c>s == A | s == B | ...</c> (<c>Is([A, B])</c>).</summary>
    private static (Expr Subject, IReadOnlyList<NamedConst> Labels)? Labels(Expr condition, Expr? subject)
    {
        switch (condition)
        {
            case BinaryExpr { Op: BinaryOp.Eq, Left: var tested, Right: NamedConst label } when subject is null || Same(subject, tested):
                return (tested, [label]);
            case BinaryExpr { Op: BinaryOp.Or } or:
                if (Labels(or.Left, subject) is not { } left || Labels(or.Right, left.Subject) is not { } right)
                    return null;
                return (left.Subject, [.. left.Labels, .. right.Labels]);
            default:
                return null;
        }
    }

    private static bool Same(Expr a, Expr b) => ReferenceEquals(a, b) || (a is NetRef x && b is NetRef y && ReferenceEquals(x.Net, y.Net));
}
