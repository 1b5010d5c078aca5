using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.Verilog;

/// <summary>
/// A value that is a chain of tests of one subject against named constants (what
/// <c>Switch(state).Is(...)</c> lowers to): <c>s == A ? a : s == B ? b : d</c>. Printed as a
/// <c>case</c> statement, so a state machine reads the same in C# and Verilog.
/// </summary>
internal sealed record CaseChain(Expr Subject, IReadOnlyList<(NamedConst Label, Expr Value)> Arms, Expr Default)
{
    /// <summary>The chain in <paramref name="value"/>, when it tests one subject against at least two distinct members.</summary>
    public static CaseChain? Match(Expr value)
    {
        var arms = new List<(NamedConst Label, Expr Value)>();
        Expr? subject = null;
        var rest = value;
        while (rest is MuxExpr { Condition: BinaryExpr { Op: BinaryOp.Eq, Left: var tested, Right: NamedConst label } } mux
            && (subject is null || Same(subject, tested))
            && !arms.Any(a => a.Label.Value == label.Value))
        {
            subject ??= tested;
            arms.Add((label, mux.WhenTrue));
            rest = mux.WhenFalse;
        }
        return arms.Count >= 2 ? new CaseChain(subject!, arms, rest) : null;
    }

    private static bool Same(Expr a, Expr b) => ReferenceEquals(a, b) || (a is NetRef x && b is NetRef y && ReferenceEquals(x.Net, y.Net));
}
