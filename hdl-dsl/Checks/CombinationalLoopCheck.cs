using DiffAcc.Hdl.Analysis;

namespace DiffAcc.Hdl.Checks;

/// <summary>
/// A combinational cycle anywhere in the flattened design, reported with every signal on it and
/// the line that made each. A loop repeated in many instances of one module is reported once.
/// </summary>
public sealed class CombinationalLoopCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        var netlist = context.Netlist;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var component in StronglyConnected(netlist))
        {
            if (component.Count == 1 && !netlist.FanIn(component[0]).Contains(component[0]))
                continue;
            var cycle = Cycle(netlist, component);
            var key = string.Join(",", cycle.Select(id => $"{netlist.Nodes[id].Module.Name}.{netlist.Nodes[id].Net.Name}").Order(StringComparer.Ordinal));
            if (!reported.Add(key))
                continue;
            var steps = cycle.Append(cycle[0]).Select(id => Step(netlist.Nodes[id]));
            var first = netlist.Nodes[cycle[0]];
            yield return new(nameof(CombinationalLoopCheck),
                $"combinational loop through {cycle.Count} signal(s): {string.Join(" -> ", steps)}. Break it with a register.",
                first.Net.Location);
        }
    }

    private static string Step(FlatNode node) => node.Net.Location.IsKnown ? $"{node.HierarchicalName} ({node.Net.Location})" : node.HierarchicalName;

    /// <summary>A simple cycle inside one strongly connected component, in the direction data flows.</summary>
    private static List<int> Cycle(FlatNetlist netlist, List<int> component)
    {
        var members = component.ToHashSet();
        var start = component.Min();
        var path = new List<int> { start };
        var onPath = new Dictionary<int, int> { [start] = 0 };
        var current = start;
        while (true)
        {
            // Fan-in points against data flow; walking it and reversing gives the flow order.
            var next = netlist.FanIn(current).Where(members.Contains).Min();
            if (onPath.TryGetValue(next, out var at))
            {
                var loop = path.Skip(at).ToList();
                loop.Reverse();
                var first = loop.IndexOf(loop.Min());
                return [.. loop.Skip(first), .. loop.Take(first)];
            }
            onPath[next] = path.Count;
            path.Add(next);
            current = next;
        }
    }

    /// <summary>Tarjan's algorithm, iterative so deep netlists cannot overflow the stack.</summary>
    private static IEnumerable<List<int>> StronglyConnected(FlatNetlist netlist)
    {
        var count = netlist.Nodes.Count;
        var index = new int[count];
        var low = new int[count];
        var onStack = new bool[count];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var next = 0;
        for (var root = 0; root < count; root++)
        {
            if (index[root] >= 0)
                continue;
            var work = new Stack<(int Node, int Edge)>();
            work.Push((root, 0));
            index[root] = low[root] = next++;
            stack.Push(root);
            onStack[root] = true;
            while (work.Count > 0)
            {
                var (node, edge) = work.Pop();
                var edges = netlist.FanIn(node);
                if (edge < edges.Count)
                {
                    work.Push((node, edge + 1));
                    var target = edges[edge];
                    if (index[target] < 0)
                    {
                        index[target] = low[target] = next++;
                        stack.Push(target);
                        onStack[target] = true;
                        work.Push((target, 0));
                    }
                    else if (onStack[target])
                    {
                        low[node] = Math.Min(low[node], index[target]);
                    }
                    continue;
                }
                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }
                if (low[node] == index[node])
                {
                    var component = new List<int>();
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack[member] = false;
                        component.Add(member);
                    }
                    while (member != node);
                    yield return component;
                }
            }
        }
    }
}
