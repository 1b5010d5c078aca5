using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Elaboration;

/// <summary>
/// Keeps one definition per structure: 256 identical PE instances become one PE module. Distinct
/// structures that share a name are told apart by a numeric suffix in order of first appearance.
/// </summary>
internal static class Deduplication
{
    public static Design Run(Design design)
    {
        var canonicalIds = new Dictionary<ModuleDef, int>(ReferenceEqualityComparer.Instance);
        var byKey = new Dictionary<string, ModuleDef>(StringComparer.Ordinal);
        var unique = new List<ModuleDef>();
        var canonical = new Dictionary<ModuleDef, ModuleDef>(ReferenceEqualityComparer.Instance);
        foreach (var module in design.Modules)
        {
            foreach (var instance in module.Instances)
                Retarget(instance, canonical[instance.Definition]);
            var key = StructuralKey.Of(module, canonicalIds);
            if (byKey.TryGetValue(key, out var existing))
            {
                canonical[module] = existing;
                continue;
            }
            byKey[key] = module;
            canonical[module] = module;
            canonicalIds[module] = unique.Count;
            unique.Add(module);
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var module in unique.Where(m => !m.IsBlackBox))
        {
            module.Name = VerilogNames.Unique(used, module.Name);
        }
        return new Design(canonical[design.Top], unique, design.Domains, design.Pins, design.Pblocks);
    }

    /// <summary>Points an instance at the kept definition; equal structures list their ports in the same order.</summary>
    private static void Retarget(InstanceDef instance, ModuleDef kept)
    {
        if (ReferenceEquals(instance.Definition, kept))
            return;
        var ports = instance.Definition.Ports.Zip(kept.Ports).ToDictionary(p => p.First, p => p.Second);
        for (var i = 0; i < instance.Bindings.Count; i++)
            instance.Bindings[i] = (ports[instance.Bindings[i].ChildPort], instance.Bindings[i].ParentNet);
        instance.Definition = kept;
    }
}
