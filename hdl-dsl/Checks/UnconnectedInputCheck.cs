using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>An input port of an instance that its parent never drives.</summary>
public sealed class UnconnectedInputCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            var drivers = context.Drivers(module);
            foreach (var instance in module.Instances)
            {
                foreach (var (childPort, parentNet) in instance.Bindings)
                {
                    if (parentNet.Kind == NetKind.InstanceInput && !drivers.ContainsKey(parentNet))
                    {
                        yield return new(nameof(UnconnectedInputCheck),
                            $"unconnected input: port '{childPort.Name}' of instance '{instance.Name}' ({instance.Definition.Name}) in {module.Name} is never driven. " +
                            $"Assign it after the Instance call, e.g. {instance.Name}.{childPort.Name}.Assign(...).", instance.Location);
                    }
                }
            }
        }
    }
}
