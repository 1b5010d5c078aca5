using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Passes;

/// <summary>
/// A module lowered once for every consumer: the When tree resolved to one driver per net
/// (<see cref="ExpandWhens"/>), truncations narrowed (<see cref="NarrowTruncations"/>) and deliberate
/// latches split into enable and data (<see cref="LatchEnable"/>). The checks read
/// <see cref="Drivers"/>; the Verilog emitter and the IR simulator read the lowered values, so what
/// is printed and what is simulated cannot drift apart.
/// </summary>
public sealed class ModuleLowering
{
    private static readonly ConditionalWeakTable<ModuleDef, ModuleLowering> Cache = [];

    // One narrowing per module keeps shared subexpressions shared across every lowered value.
    private readonly NarrowTruncations narrowing = new();
    private readonly Dictionary<Net, Expr> values = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Net, (Expr Enable, Expr Data)> latches = new(ReferenceEqualityComparer.Instance);

    private ModuleLowering(ModuleDef module)
    {
        Module = module;
        Drivers = ExpandWhens.Run(module);
        foreach (var (net, driver) in Drivers)
        {
            var value = narrowing.Run(driver.Value);
            values[net] = value;
            if (net.IsLatch)
                latches[net] = LatchEnable.Split(value);
        }
    }

    public ModuleDef Module { get; }

    /// <summary>The resolved drivers before narrowing, with every connection (the checks' view).</summary>
    public IReadOnlyDictionary<Net, NetDriver> Drivers { get; }

    /// <summary>Each driven net's value as hardware computes it.</summary>
    public IReadOnlyDictionary<Net, Expr> Values => values;

    /// <summary>Each deliberate latch as the condition it is transparent under and the value it then follows.</summary>
    public IReadOnlyDictionary<Net, (Expr Enable, Expr Data)> Latches => latches;

    /// <summary>The lowering of a module, computed once per module definition.</summary>
    public static ModuleLowering Of(ModuleDef module) => Cache.GetValue(module, m => new ModuleLowering(m));

    /// <summary>Lowers an expression outside the net drivers (register enables, memory port addresses, data and enables).</summary>
    public Expr Lower(Expr e) => narrowing.Run(e);
}
