using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Hdl.Checks;

/// <summary>
/// A deliberate <c>Latch</c> assigned on every path is transparent forever: it is a wire, and the
/// Verilog would read <c>if (1'b1)</c>. Say so at its line instead of printing a latch that never holds.
/// </summary>
public sealed class AlwaysOpenLatchCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            foreach (var (net, (enable, _)) in ModuleLowering.Of(module).Latches)
            {
                if (enable is Const { Value.IsOne: true })
                {
                    yield return new(nameof(AlwaysOpenLatchCheck),
                        $"latch {CheckContext.Describe(net, module)} is assigned on every path, so it never holds a value: make it a Wire, or assign it only under the condition it should follow its input.", net.Location);
                }
            }
        }
    }
}
