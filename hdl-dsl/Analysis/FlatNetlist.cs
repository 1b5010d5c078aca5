using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Hdl.Analysis;

/// <summary>One net of one instance in the flattened design.</summary>
public sealed record FlatNode(int Id, string Path, ModuleDef Module, Net Net)
{
    public bool IsState => Net.Kind is NetKind.Register or NetKind.MemoryReadData;

    public string HierarchicalName => Path.Length == 0 ? Net.Name : $"{Path}/{Net.Name}";
}

/// <summary>
/// The design flattened to instance nets with their combinational fan-in, across module
/// boundaries. Registers and memory read data end combinational paths. Hierarchy-wide checks
/// (loops, clock crossings) read it.
/// </summary>
public sealed class FlatNetlist
{
    private readonly List<FlatNode> nodes = [];
    private readonly List<List<int>> fanIn = [];
    private readonly Dictionary<(string, Net), int> ids = [];
    private readonly Dictionary<int, ClockDomain> stateDomains = [];

    private FlatNetlist() { }

    public IReadOnlyList<FlatNode> Nodes => nodes;

    /// <summary>The nodes whose values feed <paramref name="node"/> combinationally.</summary>
    public IReadOnlyList<int> FanIn(int node) => fanIn[node];

    /// <summary>The clock domain of a register or memory read data node.</summary>
    public ClockDomain? DomainOf(int node) => stateDomains.GetValueOrDefault(node);

    public int Id(string path, Net net) => ids[(path, net)];

    /// <summary>The nets that <paramref name="value"/>, read in the instance at <paramref name="path"/>, depends on directly.</summary>
    public IEnumerable<int> Refs(string path, Expr value)
    {
        var stack = new Stack<Expr>();
        stack.Push(value);
        while (stack.Count > 0)
        {
            var e = stack.Pop();
            if (e is NetRef r && ids.TryGetValue((path, r.Net), out var id))
                yield return id;
            foreach (var operand in e.Operands)
                stack.Push(operand);
        }
    }

    /// <summary>Every state node and top-level input reached backwards from <paramref name="start"/> through combinational logic.</summary>
    public IEnumerable<int> StateCone(IEnumerable<int> start)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>(start);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (!seen.Add(id))
                continue;
            if (nodes[id].IsState)
            {
                yield return id;
                continue;
            }
            foreach (var source in fanIn[id])
                stack.Push(source);
        }
    }

    public static FlatNetlist Build(Design design, Func<ModuleDef, IReadOnlyDictionary<Net, NetDriver>> drivers)
    {
        var netlist = new FlatNetlist();
        var tree = design.InstanceTree().ToList();
        foreach (var (path, module) in tree)
        {
            foreach (var net in module.AllNets)
                netlist.Add(path, module, net);
        }
        foreach (var (path, module) in tree)
        {
            if (module.IsBlackBox)
                continue;
            foreach (var (net, driver) in drivers(module))
            {
                if (net.Kind == NetKind.Register)
                    continue;
                var id = netlist.ids[(path, net)];
                netlist.fanIn[id].AddRange(netlist.Refs(path, driver.Value));
            }
            foreach (var net in module.Nets.Where(n => n.Register is not null))
                netlist.stateDomains[netlist.ids[(path, net)]] = net.Register!.Domain;
            foreach (var port in module.Memories.SelectMany(m => m.ReadPorts))
                netlist.stateDomains[netlist.ids[(path, port.Data)]] = port.Domain;
            foreach (var instance in module.Instances)
            {
                var childPath = path.Length == 0 ? instance.Name : $"{path}/{instance.Name}";
                foreach (var (childPort, parentNet) in instance.Bindings)
                {
                    if (childPort.ClockOf is not null || childPort.ResetOf is not null)
                        continue;
                    var child = netlist.ids[(childPath, childPort)];
                    var parent = netlist.ids[(path, parentNet)];
                    if (childPort.Kind == NetKind.Input)
                        netlist.fanIn[child].Add(parent);
                    else
                        netlist.fanIn[parent].Add(child);
                }
            }
        }
        return netlist;
    }

    private void Add(string path, ModuleDef module, Net net)
    {
        ids[(path, net)] = nodes.Count;
        nodes.Add(new FlatNode(nodes.Count, path, module, net));
        fanIn.Add([]);
    }
}
