using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.Verilog;

/// <summary>
/// A register's next value as the statements a person writes in its <c>always</c> block: a choice that
/// keeps the register's value on some path becomes <c>if</c>/<c>else</c> (the kept path prints nothing),
/// a chain of comparisons with enum members becomes <c>case</c>, and what is left is one
/// <c>r &lt;= value;</c>. So <c>state &lt;= go ? Busy : state;</c> prints as <c>if (go) state &lt;= Busy;</c>.
/// </summary>
internal static class RegisterStatements
{
    /// <summary>The body's lines, indented from 0 by two spaces a level; one Verilog statement in all.</summary>
    public static IReadOnlyList<string> Lines(Expr value, Net register, VerilogExpression printer)
    {
        var lines = new List<string>();
        Render(Of(value, register, printer, register.Name), register.Name, 0, lines, "");
        return lines;
    }

    private abstract record Statement;

    private sealed record Assign(string Value) : Statement;

    private sealed record If(string Condition, Statement? Then, Statement? Else) : Statement;

    private sealed record Case(string Subject, IReadOnlyList<(string Labels, Statement? Body)> Arms, Statement? Default) : Statement;

    /// <summary>Null where the register keeps its value.</summary>
    private static Statement? Of(Expr value, Net register, VerilogExpression printer, string consumer)
    {
        if (Keeps(value, register))
            return null;
        if (!Holds(value, register))
            return CaseChain.Match(value) is { } whole && whole.Arms.Count > 0 ? AsCase(whole) : new Assign(printer.Top(value, consumer));
        if (CaseChain.Match(value) is { } chain)
            return AsCase(chain);
        var mux = (MuxExpr)value;
        return new If(printer.Top(mux.Condition, consumer), Of(mux.WhenTrue, register, printer, consumer), Of(mux.WhenFalse, register, printer, consumer));

        Case AsCase(CaseChain c) => new(
            printer.Top(c.Subject, consumer),
            [.. c.Arms.Select(a => (string.Join(", ", a.Labels.Select(l => printer.Top(l, consumer))), Of(a.Value, register, printer, consumer)))],
            Of(c.Default, register, printer, consumer));
    }

    private static bool Keeps(Expr e, Net register) => e is NetRef r && ReferenceEquals(r.Net, register);

    /// <summary>Whether some path of the choices in <paramref name="e"/> keeps the register's value.</summary>
    private static bool Holds(Expr e, Net register) => Keeps(e, register)
        || (CaseChain.Match(e) is { } chain && (chain.Arms.Any(a => Holds(a.Value, register)) || Holds(chain.Default, register)))
        || (e is MuxExpr m && (Holds(m.WhenTrue, register) || Holds(m.WhenFalse, register)));

    private static void Render(Statement? statement, string target, int depth, List<string> lines, string prefix)
    {
        var indent = new string(' ', 2 * depth);
        switch (statement)
        {
            case null:
                lines.Add($"{indent}{prefix};");
                break;
            case Assign a:
                lines.Add($"{indent}{prefix}{target} <= {a.Value};");
                break;
            case If { Then: null } i:
                lines.Add($"{indent}{prefix}if ({Not(i.Condition)})");
                Render(i.Else, target, depth + 1, lines, "");
                break;
            case If i:
                lines.Add($"{indent}{prefix}if ({i.Condition})");
                // An inner if that ends without an else would take this one's else: keep it in a block.
                var wrap = i.Else is not null && EndsOpen(i.Then);
                if (wrap)
                {
                    lines[^1] += " begin";
                    Render(i.Then, target, depth + 1, lines, "");
                    lines.Add($"{indent}end");
                }
                else
                {
                    Render(i.Then, target, depth + 1, lines, "");
                }
                if (i.Else is If)
                    Render(i.Else, target, depth, lines, "else ");
                else if (i.Else is not null)
                {
                    lines.Add($"{indent}else");
                    Render(i.Else, target, depth + 1, lines, "");
                }
                break;
            case Case c:
                lines.Add($"{indent}{prefix}case ({c.Subject})");
                foreach (var (labels, body) in c.Arms)
                    Arm(labels, body);
                Arm("default", c.Default);
                lines.Add($"{indent}endcase");
                break;
        }

        void Arm(string labels, Statement? body)
        {
            if (body is null or Assign)
                Render(body, target, depth + 1, lines, $"{labels}: ");
            else
            {
                lines.Add($"{indent}  {labels}:");
                Render(body, target, depth + 2, lines, "");
            }
        }
    }

    /// <summary>Whether <paramref name="s"/> prints an <c>if</c> that a following <c>else</c> would attach to.</summary>
    private static bool EndsOpen(Statement? s) => s is If i && (i.Then is null || i.Else is null || EndsOpen(i.Else));

    private static string Not(string condition)
        => condition.All(c => char.IsLetterOrDigit(c) || c == '_') ? $"!{condition}" : $"!({condition})";
}
