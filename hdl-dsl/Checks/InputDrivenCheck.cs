using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>A module assigning one of its own input ports, which only its parent may drive.</summary>
public sealed class InputDrivenCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            foreach (var c in StatementWalk.Connects(module.Body))
            {
                if (c.Target.Kind == NetKind.Input)
                {
                    yield return new(nameof(InputDrivenCheck),
                        $"input driven from inside: {module.Name} assigns its own input '{c.Target.Name}'; an input is driven by the parent. " +
                        "Use an output or a wire instead.", c.Location);
                }
            }
        }
    }
}
