using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>An output, wire or reset-less register that nothing ever assigns (SpinalHDL's NO DRIVER).</summary>
public sealed class UndrivenCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            var drivers = context.Drivers(module);
            foreach (var net in module.AllNets)
            {
                var needsDriver = net.Kind is NetKind.Output or NetKind.Wire || (net.Kind == NetKind.Register && net.Register!.ResetValue is null);
                if (needsDriver && !drivers.ContainsKey(net))
                {
                    yield return new(nameof(UndrivenCheck),
                        $"no driver: {CheckContext.Describe(net, module)} is never assigned, so its value is undefined. Assign it (for example {net.Name}.Assign(...)) or remove it.",
                        net.Location);
                }
            }
        }
    }
}
