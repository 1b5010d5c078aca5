using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>
/// A combinational net assigned on some paths through When blocks but not all: it would be a latch.
/// Latches made on purpose with <c>Latch(...)</c> are accepted.
/// </summary>
public sealed class LatchCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            foreach (var (net, driver) in context.Drivers(module))
            {
                if (net.Kind != NetKind.Register && !net.IsLatch && !driver.IsComplete)
                {
                    var lines = string.Join(", ", driver.Connects.Select(c => c.Location.ToString()).Distinct());
                    yield return new(nameof(LatchCheck),
                        $"latch: {CheckContext.Describe(net, module)} is assigned only under some conditions (at {lines}) and would keep its old value otherwise. " +
                        "Give it a default before the When or assign it in an Otherwise.", driver.Connects[0].Location);
                }
            }
        }
    }
}
