using DiffAcc.Hdl.Analysis;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Hdl.Checks;

/// <summary>The design plus analyses shared by the checks, each computed once on first use.</summary>
public sealed class CheckContext(Design design)
{
    private FlatNetlist? netlist;

    public Design Design { get; } = design;

    /// <summary>Modules that carry logic of their own (black boxes are opaque).</summary>
    public IEnumerable<ModuleDef> Modules => Design.Modules.Where(m => !m.IsBlackBox);

    public IReadOnlyDictionary<Net, NetDriver> Drivers(ModuleDef module) => ModuleLowering.Of(module).Drivers;

    public FlatNetlist Netlist => netlist ??= FlatNetlist.Build(Design, Drivers);

    /// <summary>Describes a net for a message: kind, name, module and the line that made it.</summary>
    public static string Describe(Net net, ModuleDef module)
    {
        var kind = net.Kind switch
        {
            NetKind.Input => "input",
            NetKind.Output => "output",
            NetKind.Register => "register",
            NetKind.MemoryReadData => "memory read data",
            NetKind.InstanceInput => "instance input",
            NetKind.InstanceOutput => "instance output",
            _ => "wire",
        };
        return net.Location.IsKnown ? $"{kind} '{net.Name}' of {module.Name} (made at {net.Location})" : $"{kind} '{net.Name}' of {module.Name}";
    }
}
