namespace DiffAcc.Hdl.Ir;

/// <summary>An elaborated design: unique module definitions (children before parents) and the top.</summary>
public sealed class Design(ModuleDef top, IReadOnlyList<ModuleDef> modules, IReadOnlyList<ClockDomain> domains, IReadOnlyList<PinConstraint> pins)
{
    public ModuleDef Top { get; } = top;

    /// <summary>Every distinct module definition, children before parents; black boxes included.</summary>
    public IReadOnlyList<ModuleDef> Modules { get; } = modules;

    public IReadOnlyList<ClockDomain> Domains { get; } = domains;

    /// <summary>Package pin and IOSTANDARD requests for top-level ports.</summary>
    public IReadOnlyList<PinConstraint> Pins { get; } = pins;

    /// <summary>Every instance path from the top, with its definition (the top itself has the empty path).</summary>
    public IEnumerable<(string Path, ModuleDef Module)> InstanceTree()
    {
        var stack = new Stack<(string, ModuleDef)>();
        stack.Push(("", Top));
        while (stack.Count > 0)
        {
            var (path, module) = stack.Pop();
            yield return (path, module);
            for (var i = module.Instances.Count - 1; i >= 0; i--)
            {
                var inst = module.Instances[i];
                stack.Push((path.Length == 0 ? inst.Name : $"{path}/{inst.Name}", inst.Definition));
            }
        }
    }
}

/// <summary>A top-level port's package pin and I/O standard, for the XDC.</summary>
public sealed record PinConstraint(string Port, string? Pin, string? IoStandard, SourceLocation Location);
