using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>
/// A register, memory port or read address in one clock domain fed combinationally from state of
/// another domain, without a declared synchronizer (<c>Synchronize(...)</c>) in between.
/// </summary>
public sealed class ClockCrossingCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        var netlist = context.Netlist;
        var reported = new HashSet<(object, Net)>();
        foreach (var (path, module) in context.Design.InstanceTree())
        {
            if (module.IsBlackBox)
                continue;
            var drivers = context.Drivers(module);
            var sinks = new List<(string What, ClockDomain Domain, IEnumerable<Expr> Values, SourceLocation Location, object Key)>();
            foreach (var net in module.Nets)
            {
                if (net.Register is { IsSynchronizerStage: false } reg && drivers.TryGetValue(net, out var driver))
                    sinks.Add(($"register '{net.Name}'", reg.Domain, reg.Enable is null ? [driver.Value] : [driver.Value, reg.Enable], driver.Connects[0].Location, net));
            }
            foreach (var memory in module.Memories)
            {
                foreach (var w in memory.WritePorts)
                    sinks.Add(($"a write port of memory '{memory.Name}'", w.Domain, [w.Address, w.Data, w.Enable], w.Location, w));
                foreach (var r in memory.ReadPorts)
                    sinks.Add(($"a read port of memory '{memory.Name}'", r.Domain, [r.Address, r.Enable], r.Location, r.Data));
            }
            foreach (var (what, domain, values, location, key) in sinks)
            {
                foreach (var source in netlist.StateCone(values.SelectMany(v => netlist.Refs(path, v))))
                {
                    if (netlist.DomainOf(source) is { } from && !from.SharesClockWith(domain) && reported.Add((key, netlist.Nodes[source].Net)))
                    {
                        var node = netlist.Nodes[source];
                        yield return new(nameof(ClockCrossingCheck),
                            $"clock domain crossing: {what} in {module.Name} is clocked by '{domain.Name}' but reads '{node.HierarchicalName}' of domain '{from.Name}' (made at {node.Net.Location}) " +
                            $"without a synchronizer. Pass single bits through Synchronize(..., {domain.Name}) and wider data through a handshake or an asynchronous FIFO.", location);
                    }
                }
            }
        }
    }
}
