using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Elaboration;

/// <summary>Turns a tree of <see cref="Module"/> objects into the IR: one <see cref="ModuleDef"/> per object, children first.</summary>
internal static class Elaborator
{
    public static Design Elaborate(Module top)
    {
        if (top.Parent is not null)
            throw new HdlException($"{top.ModuleName} is instantiated inside {top.Parent.ModuleName}; elaborate the top module", top.Location);
        top.Seal();
        var definitions = new Dictionary<Module, ModuleDef>(ReferenceEqualityComparer.Instance);
        var order = new List<ModuleDef>();
        Build(top, definitions, order);
        var pins = top.Pins.Select(p => new PinConstraint(p.Port.Name, p.Pin, p.IoStandard, p.Location)).ToList();
        var domains = order.SelectMany(d => d.Domains).Distinct().ToList();
        var pblocks = new List<PblockConstraint>();
        CollectPblocks(top, "", pblocks);
        var duplicate = pblocks.GroupBy(p => p.InstancePath).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new HdlException($"instance {duplicate.Key} is placed in two pblocks", duplicate.Last().Location);
        return Deduplication.Run(new Design(definitions[top], order, domains, pins, pblocks));
    }

    // Paths come from the module objects (one per instance), so a pblock names exactly the instance it was asked for.
    private static void CollectPblocks(Module module, string path, List<PblockConstraint> pblocks)
    {
        foreach (var (instance, ranges, location) in module.PblockRequests)
        {
            var relative = new List<string>();
            for (var m = instance; !ReferenceEquals(m, module); m = m.Parent)
            {
                if (m?.Parent is null)
                    throw new HdlException($"{instance.ModuleName} is not inside {module.ModuleName}; a pblock can only place its own instances", location);
                relative.Insert(0, m.InstanceName!);
            }
            var full = string.Join("/", path.Length == 0 ? relative : [path, .. relative]);
            pblocks.Add(new PblockConstraint($"pblock_{full.Replace('/', '_')}", full, ranges, location));
        }
        foreach (var (child, _) in module.Children)
            CollectPblocks(child, path.Length == 0 ? child.InstanceName! : $"{path}/{child.InstanceName}", pblocks);
    }

    private static void Build(Module module, Dictionary<Module, ModuleDef> definitions, List<ModuleDef> order)
    {
        foreach (var (child, _) in module.Children)
            Build(child, definitions, order);

        var def = new ModuleDef(module.ModuleName, module.GetType().Name, module.Location);
        def.Domains.AddRange(module.Domains);
        // Domains on opposite edges of one clock share its port.
        foreach (var domain in module.Domains)
        {
            if (!def.Ports.Contains(module.ClockPorts[domain]))
                def.Ports.Add(module.ClockPorts[domain]);
            if (module.ResetPorts.TryGetValue(domain, out var reset) && !def.Ports.Contains(reset))
                def.Ports.Add(reset);
        }
        def.Ports.AddRange(module.Ports);
        def.Nets.AddRange(module.Nets);
        def.Body.AddRange(module.Body);
        def.Memories.AddRange(module.Memories);
        def.Switches.AddRange(module.Switches);
        if (module is BlackBox blackBox)
        {
            def.BlackBoxName = blackBox.ModuleName;
            foreach (var (name, value) in blackBox.Parameters)
                def.Parameters[name] = value;
        }
        foreach (var (child, location) in module.Children)
        {
            var instance = new InstanceDef(child.InstanceName!, definitions[child], location);
            foreach (var domain in child.Domains)
            {
                if (!instance.Bindings.Any(b => b.ChildPort == child.ClockPorts[domain]))
                    instance.Bindings.Add((child.ClockPorts[domain], module.ClockPorts[domain]));
                if (child.ResetPorts.TryGetValue(domain, out var reset) && !instance.Bindings.Any(b => b.ChildPort == reset))
                    instance.Bindings.Add((reset, module.ResetPorts[domain]));
            }
            foreach (var port in child.Ports)
                instance.Bindings.Add((port, port.ParentView!));
            def.Instances.Add(instance);
        }
        definitions[module] = def;
        order.Add(def);
    }
}
