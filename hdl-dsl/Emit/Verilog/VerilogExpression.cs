using System.Globalization;
using System.Numerics;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.Verilog;

/// <summary>A temporary wire the layout introduced so an expression prints with exact Verilog semantics.</summary>
public sealed record TemporaryWire(string Name, Shape Shape, string Value, string Locator);

/// <summary>
/// Prints IR expressions as Verilog-2005. Operand widths are already equal (the IR's width rules),
/// so no Verilog context widening happens. Where Verilog would change the meaning of a nested
/// operator (a signed multiply or arithmetic shift inside an unsigned expression, a part-select of
/// an expression) or a shared subexpression would be printed twice, the operator moves to a
/// temporary wire named after the first signal it reads; equal expressions share one.
/// </summary>
internal sealed class VerilogExpression(Func<string, string> uniqueName, IReadOnlyDictionary<Expr, int> uses, IReadOnlyDictionary<Net, PackedElement> packed)
{
    private readonly Dictionary<Expr, string> spilled = new(ReferenceEqualityComparer.Instance);

    public List<TemporaryWire> Temporaries { get; } = [];

    /// <summary>The locator of the statement being printed; its temporaries carry it too.</summary>
    public string Locator { get; set; } = "";

    /// <summary>Counts how often each expression object is used, so shared ones print once.</summary>
    public static void CountUses(Expr e, Dictionary<Expr, int> uses)
    {
        uses[e] = uses.GetValueOrDefault(e) + 1;
        if (uses[e] == 1)
        {
            foreach (var operand in e.Operands)
                CountUses(operand, uses);
        }
    }

    /// <summary>The text of <paramref name="e"/> as the whole right-hand side for <paramref name="consumer"/>.</summary>
    public string Top(Expr e, string consumer)
    {
        var text = Print(e, consumer, nested: false);
        return text.StartsWith('(') && text.EndsWith(')') && Balanced(text[1..^1]) ? text[1..^1] : text;
    }

    /// <summary>The named constants printed so far, by name: the module declares them as localparams.</summary>
    public SortedDictionary<string, NamedConst> NamedConstants { get; } = new(StringComparer.Ordinal);

    private string Print(Expr e, string consumer, bool nested)
    {
        if (spilled.TryGetValue(e, out var name))
            return name;
        if (!IsCheap(e) && uses.GetValueOrDefault(e) > 1 && nested)
            return Spill(e, consumer);
        switch (e)
        {
            case NetRef r when packed.TryGetValue(r.Net, out var element):
                // A part-select is unsigned in Verilog, but no operator here takes its signedness from an
                // operand (the signed ones state theirs), so a signed lane prints as its bits too.
                return element.Text;
            case NetRef r:
                return r.Net.Name;
            case NamedConst n:
                NamedConstants.TryAdd(n.Name, n);
                return n.Name;
            case Const c:
                return Literal(c.Value, c.Width);
            case UnaryExpr u:
                var symbol = u.Op switch { UnaryOp.Not => "~", UnaryOp.ReduceAnd => "&", UnaryOp.ReduceOr => "|", _ => "^" };
                return $"({symbol}{Print(u.Operand, consumer, true)})";
            case BinaryExpr { Op: BinaryOp.Mul or BinaryOp.ShiftLeft or BinaryOp.ShiftRight } b when nested:
                return Spill(b, consumer);
            case BinaryExpr b:
                return Binary(b, consumer);
            case MuxExpr m:
                return $"({Print(m.Condition, consumer, true)} ? {Print(m.WhenTrue, consumer, true)} : {Print(m.WhenFalse, consumer, true)})";
            case ConcatExpr c:
                return $"{{{string.Join(", ", c.Parts.Select(p => Print(p, consumer, true)))}}}";
            case SliceExpr s when s.Operand is Const c:
                return Literal((c.Value >> s.Low) & ((BigInteger.One << s.Width) - 1), s.Width);
            case SliceExpr s:
                return Bits(s.Operand, s.High, s.Low, consumer);
            case ExtendExpr { Operand: Const c } x:
                var negative = c.Shape.Signed && !(c.Value >> (c.Width - 1)).IsZero;
                return Literal(negative ? c.Value | (((BigInteger.One << x.Width) - 1) ^ ((BigInteger.One << c.Width) - 1)) : c.Value, x.Width);
            case ExtendExpr x when !x.Operand.Shape.Signed:
                return $"{{{x.Width - x.Operand.Width}'d0, {Print(x.Operand, consumer, true)}}}";
            case ExtendExpr x:
                var top = x.Operand.Width - 1;
                return $"{{{{{x.Width - x.Operand.Width}{{{Bits(x.Operand, top, top, consumer)}}}}}, {Bits(x.Operand, top, 0, consumer)}}}";
            case MemoryReadExpr m when (m.Memory.Depth & (m.Memory.Depth - 1)) == 0 && m.Address.Width <= m.Memory.AddressWidth:
                return $"{m.Memory.Name}[{Print(m.Address, consumer, true)}]";
            case MemoryReadExpr m:
                // Verilog reads X beyond the last word; the DSL defines 0.
                var at = Print(m.Address, consumer, true);
                return $"(({at} < {m.Memory.Depth}) ? {m.Memory.Name}[{at}] : {Literal(0, m.Width)})";
            case CastExpr c:
                // Operand widths are equal everywhere, so signedness matters only to the operators
                // that wrap their operands explicitly below; a cast itself prints nothing.
                return Print(c.Operand, consumer, nested);
            default:
                throw new InvalidOperationException($"cannot print {e.GetType().Name}: the design has unresolved errors");
        }
    }

    /// <summary>
    /// Bits <paramref name="high"/>..<paramref name="low"/> of <paramref name="e"/>: a part-select of a name
    /// (Verilog-2005 selects only from names). Casts print nothing and slices of slices add up, so both
    /// select from the signal below them instead of a temporary.
    /// </summary>
    private string Bits(Expr e, int high, int low, string consumer)
    {
        while (true)
        {
            if (e is CastExpr cast)
            {
                e = cast.Operand;
            }
            else if (e is SliceExpr inner && !spilled.ContainsKey(e))
            {
                (high, low) = (inner.Low + high, inner.Low + low);
                e = inner.Operand;
            }
            else
            {
                break;
            }
        }
        if (e is Const c)
            return Literal((c.Value >> low) & ((BigInteger.One << (high - low + 1)) - 1), high - low + 1);
        if (e is NetRef r && packed.TryGetValue(r.Net, out var element))
            return element.Bits(high, low);
        var source = Reference(e, consumer);
        return e.Width == 1 ? source : high == low ? $"{source}[{low}]" : high == e.Width - 1 && low == 0 ? source : $"{source}[{high}:{low}]";
    }

    private string Binary(BinaryExpr b, string consumer)
    {
        var signed = b.Left.Shape.Signed;
        var left = Print(b.Left, consumer, true);
        var right = Print(b.Right, consumer, true);
        // Operators whose result depends on signedness state it, unless the operand already is a plain unsigned name.
        string S(string x) => signed ? $"$signed({x})" : AsUnsigned(ReferenceEquals(x, left) ? b.Left : b.Right, x);
        return b.Op switch
        {
            BinaryOp.Add => $"({left} + {right})",
            BinaryOp.Sub => $"({left} - {right})",
            BinaryOp.Mul => $"({S(left)} * {S(right)})",
            BinaryOp.And => $"({left} & {right})",
            BinaryOp.Or => $"({left} | {right})",
            BinaryOp.Xor => $"({left} ^ {right})",
            BinaryOp.Eq => $"({left} == {right})",
            BinaryOp.Ne => $"({left} != {right})",
            BinaryOp.Lt => $"({S(left)} < {S(right)})",
            BinaryOp.Le => $"({S(left)} <= {S(right)})",
            BinaryOp.Gt => $"({S(left)} > {S(right)})",
            BinaryOp.Ge => $"({S(left)} >= {S(right)})",
            BinaryOp.ShiftLeft => $"({left} << {right})",
            BinaryOp.ShiftRight => signed ? $"({S(left)} >>> {right})" : $"({left} >> {right})",
            _ => throw new InvalidOperationException(b.Op.ToString()),
        };
    }

    /// <summary>
    /// <paramref name="e"/> printed so Verilog reads it as unsigned, as array indices must be: casts
    /// print nothing, so a reinterpreted signed net would otherwise index below zero. An index is sized
    /// by itself in Verilog, not by an assignment's target, so it prints as a nested operand: a product,
    /// wider than its operands, moves to a temporary of its own width instead of keeping theirs.
    /// </summary>
    public string Unsigned(Expr e, string consumer)
    {
        var text = Print(e, consumer, nested: true);
        return AsUnsigned(e, text.StartsWith('(') && text.EndsWith(')') && Balanced(text[1..^1]) ? text[1..^1] : text);
    }

    private static string AsUnsigned(Expr e, string text) => e is NetRef { Net.Shape.Signed: false } or Const ? text : $"$unsigned({text})";

    /// <summary>A plain name for <paramref name="e"/>: part-selects need one in Verilog-2005.</summary>
    public string Reference(Expr e, string consumer) => e is NetRef r && !packed.ContainsKey(r.Net) ? r.Net.Name : spilled.GetValueOrDefault(e) ?? Spill(e, consumer);

    private string Spill(Expr e, string consumer)
    {
        var kind = e switch
        {
            BinaryExpr b => b.Op.ToString().ToLowerInvariant(),
            UnaryExpr u => u.Op.ToString().ToLowerInvariant(),
            MuxExpr => "mux",
            ConcatExpr => "cat",
            SliceExpr => "bits",
            ExtendExpr => "ext",
            CastExpr => "cast",
            _ => "value",
        };
        // Named after what it reads (in_not for ~in), so the same operation on the same signal, built
        // twice in C#, reads as one wire and is declared once.
        var basis = $"{FirstNet(e) ?? consumer}_{kind}";
        var text = Top(e, basis);
        if (byText.TryGetValue((e.Shape, text), out var shared))
        {
            spilled[e] = shared;
            return shared;
        }
        var name = uniqueName(basis);
        spilled[e] = name;
        byText[(e.Shape, text)] = name;
        Temporaries.Add(new TemporaryWire(name, e.Shape, text, Locator));
        return name;
    }

    /// <summary>The temporaries by shape and printed value: an equal expression prints the same text, so it reuses the wire.</summary>
    private readonly Dictionary<(Shape, string), string> byText = [];

    /// <summary>The first signal <paramref name="e"/> reads, depth first, or null for constants and memory reads.</summary>
    private static string? FirstNet(Expr e) => e is NetRef r ? r.Net.Name : e.Operands.Select(FirstNet).FirstOrDefault(n => n is not null);

    /// <summary>Leaves as short to print again as to name: not worth a temporary when shared.</summary>
    private static bool IsCheap(Expr e) => e is NetRef or Const || e is SliceExpr { Operand: NetRef } || e is CastExpr c && IsCheap(c.Operand);

    public static string Literal(BigInteger value, int width)
        => width == 1 ? $"1'b{value}" : value < 1024 ? $"{width}'d{value}" : $"{width}'h{value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(1, '0')}";

    private static bool Balanced(string text)
    {
        var depth = 0;
        foreach (var c in text)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0)
                return false;
        }
        return depth == 0;
    }
}
