using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim.Synthesis;

/// <summary>A module's deepest register-to-register path over all its instances, with the C# lines of its ends.</summary>
public sealed record ModuleTiming(string Module, int Instances, LogicPath Worst, string WorstInstance, SourceLocation StartLocation, SourceLocation EndLocation, int Endpoints, IReadOnlyList<int> LevelCounts)
{
    /// <summary>Each ending register's deepest path (its bits taken together), deepest first.</summary>
    public IReadOnlyList<LogicPath> ByRegister { get; init; } = [];

    /// <summary>The endpoints of this module deeper than <paramref name="budget"/> levels.</summary>
    public int Over(int budget) => LevelCounts.Skip(budget + 1).Sum();

    /// <summary>
    /// Groups the paths of <see cref="LogicLevels.Analyze"/> by the module definition of the instance
    /// holding each endpoint and names each end by the C# line that declared its register.
    /// </summary>
    public static IReadOnlyList<ModuleTiming> Of(Design design, IReadOnlyList<(string Instance, LogicPath Path)> paths) => Of(design.Top, paths);

    /// <summary>The same for a netlist synthesized with <paramref name="top"/> as its top (out of context).</summary>
    public static IReadOnlyList<ModuleTiming> Of(ModuleDef top, IReadOnlyList<(string Instance, LogicPath Path)> paths)
    {
        var tree = Design.InstanceTree(top).ToList();
        var instances = tree.ToDictionary(t => t.Path.Replace('/', '.'), t => t.Module, StringComparer.Ordinal);
        var counts = tree.GroupBy(t => t.Module.Name).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<ModuleTiming>();
        foreach (var group in paths.GroupBy(p => Owner(instances, p.Instance).Module.Name))
        {
            var (instance, worst) = group.MaxBy(p => p.Path.Levels);
            var histogram = new int[group.Max(p => p.Path.Levels) + 1];
            foreach (var (_, path) in group)
                histogram[path.Levels]++;
            var byRegister = group.Select(p => p.Path).GroupBy(p => Bare(p.End)).Select(g => g.MaxBy(p => p.Levels)!).OrderByDescending(p => p.Levels).ThenBy(p => p.End, StringComparer.Ordinal).ToList();
            result.Add(new ModuleTiming(group.Key, counts.GetValueOrDefault(group.Key, 1), worst, instance, Locate(instances, worst.Start), Locate(instances, worst.End), group.Count(), histogram) { ByRegister = byRegister });
        }
        return [.. result.OrderByDescending(m => m.Worst.Levels).ThenBy(m => m.Module, StringComparer.Ordinal)];
    }

    // Netlist names are instance paths with dots; a name the flattening invented may sit below any real instance, so walk up to one.
    private static (string Path, ModuleDef Module) Owner(Dictionary<string, ModuleDef> instances, string instance)
    {
        for (var path = instance; ; path = path.Contains('.', StringComparison.Ordinal) ? path[..path.LastIndexOf('.')] : "")
        {
            if (instances.TryGetValue(path, out var module))
                return (path, module);
            if (path.Length == 0)
                return ("", instances[""]);
        }
    }

    /// <summary>The C# line of the net a netlist name (<c>compute.group_0.sum_3[7]</c>) refers to, where the IR still has it.</summary>
    private static SourceLocation Locate(Dictionary<string, ModuleDef> instances, string name)
    {
        var bare = Bare(name);
        var dot = bare.LastIndexOf('.');
        var (_, module) = Owner(instances, dot < 0 ? "" : bare[..dot]);
        var local = dot < 0 ? bare : bare[(dot + 1)..];
        return module.Nets.Concat(module.Ports).FirstOrDefault(n => n.Name == local)?.Location ?? default;
    }

    // A netlist name without its escape and bit index: the register it is a bit of.
    private static string Bare(string name)
    {
        var bare = name.TrimStart('\\');
        var bracket = bare.IndexOf('[', StringComparison.Ordinal);
        return bracket > 0 ? bare[..bracket] : bare;
    }
}
