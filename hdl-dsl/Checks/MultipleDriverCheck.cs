using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>
/// A net with two sources that last-connect cannot resolve: a net the module does not own the
/// driving of (an instance output, memory read data) assigned anyway, or two unconditional
/// assignments in one scope where the second silently discards the first (SpinalHDL's ASSIGNMENT OVERLAP).
/// </summary>
public sealed class MultipleDriverCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            foreach (var c in StatementWalk.Connects(module.Body))
            {
                var other = c.Target.Kind switch
                {
                    NetKind.InstanceOutput => $"the output port '{c.Target.ChildPort!.Name}' of its instance, which drives it",
                    NetKind.MemoryReadData => "the memory read port that produces it",
                    _ => null,
                };
                if (other is not null)
                {
                    yield return new(nameof(MultipleDriverCheck),
                        $"multiple drivers: {CheckContext.Describe(c.Target, module)} is assigned here but is also driven by {other}.", c.Location);
                }
            }
            foreach (var diagnostic in Overlaps(module, module.Body))
                yield return diagnostic;
        }
    }

    private static IEnumerable<Diagnostic> Overlaps(ModuleDef module, List<Statement> scope)
    {
        var first = new Dictionary<Net, Connect>(ReferenceEqualityComparer.Instance);
        foreach (var statement in scope)
        {
            if (statement is When w)
            {
                foreach (var d in Overlaps(module, w.Then).Concat(Overlaps(module, w.Else)))
                    yield return d;
                continue;
            }
            var c = (Connect)statement;
            if (first.TryGetValue(c.Target, out var earlier))
            {
                yield return new(nameof(MultipleDriverCheck),
                    $"multiple drivers: {CheckContext.Describe(c.Target, module)} is assigned here and already at {earlier.Location} in the same scope; the earlier assignment can never take effect. " +
                    "Remove one, or put the override inside a When.", c.Location);
            }
            first[c.Target] = c;
        }
    }
}
