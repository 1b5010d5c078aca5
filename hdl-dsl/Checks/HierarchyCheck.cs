using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>A signal used in a module that neither owns it nor sees it through an instance port.</summary>
public sealed class HierarchyCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            var own = new HashSet<Net>(module.AllNets, ReferenceEqualityComparer.Instance);
            var reported = new HashSet<Net>(ReferenceEqualityComparer.Instance);
            foreach (var (value, location) in StatementWalk.Expressions(module))
            {
                foreach (var net in Refs(value).Where(n => !own.Contains(n) && reported.Add(n)))
                {
                    var owner = net.Owner is Module m ? m.ModuleName : "another module";
                    yield return new(nameof(HierarchyCheck),
                        $"out of scope: '{net.Name}' belongs to {owner} but is used in {module.Name}. " +
                        "Signals cross module boundaries only through ports: instantiate the module here (Instance(...)) or pass the value through a port.", location);
                }
            }
        }
    }

    private static IEnumerable<Net> Refs(Expr e)
        => e is NetRef r ? [r.Net] : e.Operands.SelectMany(Refs);
}
