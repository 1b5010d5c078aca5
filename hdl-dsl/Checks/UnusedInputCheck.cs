using System.Collections;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Hdl.Checks;

/// <summary>
/// A warning for input port bits the module never reads, the bits <c>verilator -Wall</c> reports as
/// UNUSEDSIGNAL in the printed Verilog: usually a port wider than the logic behind it, or a field
/// forgotten. Bits read on purpose through <c>Unused(...)</c> count as read.
/// </summary>
public sealed class UnusedInputCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            var inputs = module.Ports.Where(p => p.Kind == NetKind.Input && p.ClockOf is null && p.ResetOf is null).ToList();
            if (inputs.Count == 0)
                continue;
            var read = inputs.ToDictionary(p => p, p => new BitArray(p.Width));
            var lowering = ModuleLowering.Of(module);
            foreach (var root in Roots(module, lowering))
                Mark(root, root.Width - 1, 0, read);
            foreach (var input in inputs)
            {
                var unread = Ranges(read[input]);
                if (unread.Count == 0)
                    continue;
                var what = unread.Count == 1 && unread[0] == (input.Width - 1, 0)
                    ? "is never read"
                    : $"has bits never read: {string.Join(", ", unread.Select(r => r.High == r.Low ? $"[{r.Low}]" : $"[{r.High}:{r.Low}]"))}";
                yield return new Diagnostic(nameof(UnusedInputCheck),
                    $"{CheckContext.Describe(input, module)} {what}. Read it, narrow the port, or mark the bits read on purpose with Unused(...).",
                    input.Location)
                { Severity = DiagnosticSeverity.Warning };
            }
        }
    }

    /// <summary>Every expression the module's logic reads: net values, register enables, memory ports.</summary>
    private static IEnumerable<Expr> Roots(ModuleDef module, ModuleLowering lowering)
    {
        foreach (var (net, value) in lowering.Values)
        {
            if (lowering.Latches.TryGetValue(net, out var latch))
            {
                yield return latch.Enable;
                yield return latch.Data;
            }
            else
            {
                yield return value;
            }
            if (net.Register?.Enable is { } enable)
                yield return lowering.Lower(enable);
        }
        foreach (var memory in module.Memories)
        {
            foreach (var w in memory.WritePorts)
            {
                yield return lowering.Lower(w.Address);
                yield return lowering.Lower(w.Data);
                yield return lowering.Lower(w.Enable);
                if (w.ByteEnable is { } bytes)
                    yield return lowering.Lower(bytes);
            }
            foreach (var r in memory.ReadPorts)
            {
                yield return lowering.Lower(r.Address);
                yield return lowering.Lower(r.Enable);
            }
        }
    }

    /// <summary>Marks bits <paramref name="high"/>..<paramref name="low"/> of <paramref name="e"/> as read, down to the input ports.</summary>
    private static void Mark(Expr e, int high, int low, Dictionary<Net, BitArray> read)
    {
        switch (e)
        {
            case NetRef r:
                if (read.TryGetValue(r.Net, out var bits))
                {
                    for (var i = low; i <= Math.Min(high, r.Net.Width - 1); i++)
                        bits[i] = true;
                }
                break;
            case SliceExpr s:
                Mark(s.Operand, s.Low + high, s.Low + low, read);
                break;
            case CastExpr c:
                Mark(c.Operand, high, low, read);
                break;
            case ConcatExpr c:
                // Most significant part first: walk from the low end.
                var at = 0;
                foreach (var part in c.Parts.Reverse())
                {
                    var (partLow, partHigh) = (at, at + part.Width - 1);
                    if (partHigh >= low && partLow <= high)
                        Mark(part, Math.Min(high, partHigh) - at, Math.Max(low, partLow) - at, read);
                    at += part.Width;
                }
                break;
            default:
                foreach (var operand in e.Operands)
                    Mark(operand, operand.Width - 1, 0, read);
                break;
        }
    }

    private static List<(int High, int Low)> Ranges(BitArray read)
    {
        var ranges = new List<(int High, int Low)>();
        for (var i = read.Length - 1; i >= 0; i--)
        {
            if (read[i])
                continue;
            var high = i;
            while (i > 0 && !read[i - 1])
                i--;
            ranges.Add((high, i));
        }
        return ranges;
    }
}
