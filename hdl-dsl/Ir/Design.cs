namespace DiffAcc.Hdl.Ir;

/// <summary>An elaborated design: unique module definitions (children before parents) and the top.</summary>
public sealed class Design(ModuleDef top, IReadOnlyList<ModuleDef> modules, IReadOnlyList<ClockDomain> domains, IReadOnlyList<PinConstraint> pins, IReadOnlyList<PblockConstraint>? pblocks = null)
{
    public ModuleDef Top { get; } = top;

    /// <summary>Every distinct module definition, children before parents; black boxes included.</summary>
    public IReadOnlyList<ModuleDef> Modules { get; } = modules;

    public IReadOnlyList<ClockDomain> Domains { get; } = domains;

    /// <summary>Package pin and IOSTANDARD requests for top-level ports.</summary>
    public IReadOnlyList<PinConstraint> Pins { get; } = pins;

    /// <summary>Placement regions requested for instances (written to the XDC as pblocks).</summary>
    public IReadOnlyList<PblockConstraint> Pblocks { get; } = pblocks ?? [];

    /// <summary>Every instance path from the top, with its definition (the top itself has the empty path).</summary>
    public IEnumerable<(string Path, ModuleDef Module)> InstanceTree() => InstanceTree(Top);

    /// <summary>Every instance path below <paramref name="root"/> (which has the empty path), with its definition.</summary>
    public static IEnumerable<(string Path, ModuleDef Module)> InstanceTree(ModuleDef root)
    {
        var stack = new Stack<(string, ModuleDef)>();
        stack.Push(("", root));
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

/// <summary>
/// A pblock: the instance at <paramref name="InstancePath"/> (slash-separated from the top) placed in
/// <paramref name="Ranges"/> (Vivado site ranges such as <c>CLOCKREGION_X0Y0:CLOCKREGION_X1Y2</c>).
/// </summary>
public sealed record PblockConstraint(string Name, string InstancePath, IReadOnlyList<string> Ranges, SourceLocation Location);
