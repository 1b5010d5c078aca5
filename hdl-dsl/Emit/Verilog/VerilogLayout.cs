using System.Globalization;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Hdl.Emit.Verilog;

/// <summary>
/// Decides how one module looks in Verilog: declaration order, temporaries, register enables,
/// memory port blocks, instance connections. The result is printed by module.sbn.
/// </summary>
internal static class VerilogLayout
{
    public static ModuleView Build(ModuleLowering lowering, bool isTop)
    {
        var module = lowering.Module;
        var drivers = lowering.Drivers;
        var taken = new HashSet<string>(module.AllNets.Select(n => n.Name).Concat(module.Memories.Select(m => m.Name)).Concat(module.Instances.Select(i => i.Name)), StringComparer.Ordinal);
        string Unique(string name) => VerilogNames.Unique(taken, name);

        var values = lowering.Values;
        // A deliberate latch prints as its enable and data, not as a value with holes.
        var latchParts = lowering.Latches;
        var uses = new Dictionary<Expr, int>(ReferenceEqualityComparer.Instance);
        foreach (var (net, value) in values)
        {
            if (latchParts.TryGetValue(net, out var parts))
            {
                VerilogExpression.CountUses(parts.Enable, uses);
                VerilogExpression.CountUses(parts.Data, uses);
            }
            else
            {
                VerilogExpression.CountUses(value, uses);
            }
        }
        var packed = PackedVectors.Of(module, isTop, Unique, out var packedPorts, out var instanceWires, out var childPorts);
        var printer = new VerilogExpression(Unique, uses, packed);
        // A packed vector is declared where its element 0 would be; its other elements print nothing of their own.
        var packedAt = packedPorts.Concat(instanceWires).ToDictionary(v => v.Elements[0]);

        var ports = module.Ports.Where(p => !packed.ContainsKey(p) || packedAt.ContainsKey(p)).Select(p => packedAt.TryGetValue(p, out var vector)
            ? new PortView("", p.Kind == NetKind.Input ? "input" : "output", false, Range(vector.Width), vector.Name, Locator(p.Location))
            : new PortView(Attributes(p.Attributes), p.Kind == NetKind.Input ? "input" : "output", p.Shape.Signed, Range(p.Width), p.Name, Locator(p.Location))).ToList();
        var copies = WholeCopies(packedPorts.Concat(instanceWires), packed, values, drivers, latchParts);

        var assigns = new List<AssignView>();
        var registers = new List<RegisterView>();
        var latches = new List<LatchView>();
        var cases = new List<CombinationalCaseView>();
        CaseView? Case(Expr value, string consumer)
            => CaseChain.Match(value) is not { } chain ? null
                : new CaseView(printer.Top(chain.Subject, consumer), [.. chain.Arms.Select(a => new CaseArmView(string.Join(", ", a.Labels.Select(l => printer.Top(l, consumer))), printer.Top(a.Value, consumer)))], printer.Top(chain.Default, consumer));
        foreach (var net in module.AllNets)
        {
            if (!drivers.TryGetValue(net, out var driver))
                continue;
            var value = values[net];
            var locator = printer.Locator = Locator(driver.Connects.Select(c => c.Location));
            if (latchParts.TryGetValue(net, out var latch))
            {
                latches.Add(new LatchView(net.Name, printer.Top(latch.Enable, net.Name), printer.Top(latch.Data, net.Name), locator));
            }
            else if (net.Register is { } reg)
            {
                string? enable = reg.Enable is null ? null : printer.Top(lowering.Lower(reg.Enable), net.Name);
                if (value is MuxExpr { WhenFalse: NetRef hold } mux && ReferenceEquals(hold.Net, net))
                {
                    // A register updated only under a condition: the condition becomes the clock enable.
                    var condition = printer.Top(mux.Condition, net.Name);
                    enable = enable is null ? condition : $"({enable}) && ({condition})";
                    value = mux.WhenTrue;
                }
                var domain = reg.Domain;
                var resetName = domain.ResetPort ?? "";
                registers.Add(new RegisterView(
                    net.Name,
                    ClockEvent(domain),
                    reg.ResetValue is not null && domain.IsAsyncReset ? $"{(domain.IsResetActiveLow ? "negedge" : "posedge")} {resetName}" : "",
                    domain.IsResetActiveLow ? $"!{resetName}" : resetName,
                    reg.ResetName is { } named ? printer.Top(named, net.Name) : reg.ResetValue is { } r ? VerilogExpression.Literal(r, net.Width) : null,
                    enable,
                    RegisterStatements.Lines(value, net, printer),
                    locator));
            }
            else if (packed.TryGetValue(net, out var element))
            {
                if (element.Low == 0 && copies.TryGetValue(element.Vector, out var source))
                    assigns.Add(new AssignView(element.Vector, source, locator));
                else if (!copies.ContainsKey(element.Vector))
                    assigns.Add(new AssignView(element.Text, printer.Top(value, net.Name), locator));
            }
            else if (net.Kind is NetKind.Wire or NetKind.Output && Case(value, net.Name) is { } valueCase)
            {
                cases.Add(new CombinationalCaseView(net.Name, valueCase, locator));
            }
            else
            {
                assigns.Add(new AssignView(net.Name, printer.Top(value, net.Name), locator));
            }
        }

        // An output a case drives is assigned in an always block, so it is declared reg.
        ports = [.. ports.Select(p => cases.Any(c => c.Name == p.Name) ? p with { Kind = "reg" } : p)];

        var memories = new List<MemoryView>();
        var writes = new List<MemoryWriteView>();
        var reads = new List<MemoryReadView>();
        foreach (var memory in module.Memories)
        {
            var attributes = memory.Style == RamStyle.Auto ? "" : $"(* ram_style = \"{RamStyleName(memory.Style)}\" *)";
            var clearIndex = memory.ClearDomain is null ? null : Unique($"{memory.Name}_word");
            var clear = memory.ClearDomain is not { } cleared || clearIndex is null ? null : new MemoryClearView(
                cleared.IsAsyncReset ? $"{(cleared.IsResetActiveLow ? "negedge" : "posedge")} {cleared.ResetPort}" : "",
                cleared.IsResetActiveLow ? $"!{cleared.ResetPort}" : cleared.ResetPort!,
                clearIndex,
                memory.Depth,
                VerilogExpression.Literal(memory.ClearValue, memory.Word.Width));
            memories.Add(new MemoryView(attributes, memory.Word.Signed, Range(memory.Word.Width), memory.Name, memory.Depth, Locator(memory.Location),
                memory.Init is null || memory.InitFromFile ? [] : [.. memory.Init.Select((v, i) => new MemoryInitView(i, VerilogExpression.Literal(v, memory.Word.Width)))],
                memory.InitFromFile ? InitFileName(module, memory) : null,
                clearIndex));
            foreach (var w in memory.WritePorts)
            {
                var lanes = memory.ByteWidth == 0 || w.ByteEnable is null
                    ? []
                    : Enumerable.Range(0, memory.Word.Width / memory.ByteWidth).Select(i => new ByteLaneView(i, $"[{((i + 1) * memory.ByteWidth) - 1}:{i * memory.ByteWidth}]")).ToList();
                var data = lowering.Lower(w.Data);
                printer.Locator = Locator(w.Location);
                writes.Add(new MemoryWriteView(ClockEvent(w.Domain), memory.Name, printer.Top(lowering.Lower(w.Enable), memory.Name), printer.Unsigned(lowering.Lower(w.Address), memory.Name), lanes.Count > 0 ? printer.Reference(data, memory.Name) : printer.Top(data, memory.Name),
                    lanes, w.ByteEnable is null ? null : printer.Reference(lowering.Lower(w.ByteEnable), memory.Name), clear, Locator(w.Location)));
            }
            foreach (var r in memory.ReadPorts)
            {
                printer.Locator = Locator(r.Location);
                reads.Add(new MemoryReadView(ClockEvent(r.Domain), memory.Name, printer.Top(lowering.Lower(r.Enable), r.Data.Name), printer.Unsigned(lowering.Lower(r.Address), r.Data.Name), r.Data.Name, printer.Locator));
            }
        }

        var instances = module.Instances.Select(i => new InstanceView(
            i.Definition.Name,
            i.Name,
            [.. i.Definition.Parameters.Select(p => new ParameterView(p.Key, Parameter(p.Value)))],
            Connections(i, childPorts[i.Definition], packed),
            Locator(i.Location))).ToList();

        // An enum's members as a person lists them: in value order, one enum after another.
        var localparams = printer.NamedConstants.Values.OrderBy(c => c.Family, StringComparer.Ordinal).ThenBy(c => c.Value).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => new LocalparamView(Range(c.Width), c.Name, VerilogExpression.Literal(c.Value, c.Width))).ToList();
        var declarations = module.Nets.Where(n => !n.IsUnusedSink && (!packed.ContainsKey(n) || packedAt.ContainsKey(n))).Select(n => packedAt.TryGetValue(n, out var vector)
            ? new DeclarationView("", "wire", false, Range(vector.Width), vector.Name, Locator(n.Location))
            : new DeclarationView(Attributes(n.Attributes), n.Kind is NetKind.Register or NetKind.MemoryReadData || n.IsLatch || cases.Any(c => c.Name == n.Name) ? "reg" : "wire", n.Shape.Signed, Range(n.Width), n.Name, Locator(n.Location),
            // The power-up value as a declaration initializer: Vivado takes it as the flip-flop's INIT, and every simulator starts there.
            n.Register?.InitialValue is { } initial ? VerilogExpression.Literal(initial, n.Width) : "")).ToList();
        var unused = module.Nets.Where(n => n.IsUnusedSink).Select(n => new DeclarationView("", "wire", n.Shape.Signed, Range(n.Width), n.Name, Locator(n.Location))).ToList();
        var temporaries = printer.Temporaries.Select(t => new DeclarationView("", "wire", t.Shape.Signed, Range(t.Shape.Width), t.Name, t.Locator)).ToList();
        assigns.InsertRange(0, printer.Temporaries.Select(t => new AssignView(t.Name, t.Value, t.Locator)));

        return new ModuleView(module.Name, $"{module.ClassName} ({module.Location})", ports, localparams, declarations, unused, temporaries, memories, assigns, registers, cases, latches, writes, reads, instances);
    }

    /// <summary>An instance's port connections: one per packed vector, else one per port.</summary>
    private static List<ConnectionView> Connections(InstanceDef instance, IReadOnlyList<PackedVector> childVectors, Dictionary<Net, PackedElement> packed)
    {
        var vectorOf = childVectors.SelectMany(v => v.Elements.Select(e => (e, v))).ToDictionary(p => p.e, p => p.v);
        var connections = new List<ConnectionView>();
        foreach (var (child, parent) in instance.Bindings)
        {
            if (!vectorOf.TryGetValue(child, out var vector))
                connections.Add(new ConnectionView(child.Name, parent.Name));
            else if (ReferenceEquals(vector.Elements[0], child))
                connections.Add(new ConnectionView(vector.Name, packed[parent].Vector));
        }
        return connections;
    }

    /// <summary>
    /// The packed vectors driven element by element from the same elements of one other packed vector
    /// of the same width: each prints as one <c>assign target = source;</c>. By target name, the source name.
    /// </summary>
    private static Dictionary<string, string> WholeCopies(IEnumerable<PackedVector> vectors, Dictionary<Net, PackedElement> packed, IReadOnlyDictionary<Net, Expr> values, IReadOnlyDictionary<Net, NetDriver> drivers, IReadOnlyDictionary<Net, (Expr Enable, Expr Data)> latches)
    {
        var all = vectors.ToList();
        var widths = all.ToDictionary(v => v.Name, v => v.Width, StringComparer.Ordinal);
        var copies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var vector in all)
        {
            string? source = null;
            foreach (var net in vector.Elements)
            {
                var value = drivers.ContainsKey(net) && !latches.ContainsKey(net) ? values[net] : null;
                while (value is CastExpr cast)
                    value = cast.Operand;
                if (value is not NetRef r || !packed.TryGetValue(r.Net, out var from) || from.Low != packed[net].Low || from.Width != net.Width || (source ??= from.Vector) != from.Vector)
                {
                    source = null;
                    break;
                }
            }
            if (source is not null && source != vector.Name && widths[source] == vector.Width)
                copies[vector.Name] = source;
        }
        return copies;
    }

    private static string ClockEvent(ClockDomain domain) => $"{(domain.Edge == ClockEdge.Falling ? "negedge" : "posedge")} {domain.ClockPort}";

    private static string Range(int width) => width == 1 ? "" : $"[{width - 1}:0]";

    private static string Locator(SourceLocation location) => location.IsKnown ? $"// @[{location}]" : "";

    private static string Locator(IEnumerable<SourceLocation> locations)
    {
        var known = locations.Where(l => l.IsKnown).Select(l => l.ToString()).Distinct().ToList();
        return known.Count == 0 ? "" : $"// @[{string.Join(", ", known)}]";
    }

    private static string Attributes(SortedDictionary<string, string> attributes)
        => attributes.Count == 0 ? "" : $"(* {string.Join(", ", attributes.Select(a => $"{a.Key} = \"{a.Value}\""))} *)";

    /// <summary>The file a memory's initial contents are loaded from: one per module definition and memory.</summary>
    public static string InitFileName(ModuleDef module, MemoryDef memory) => $"{module.Name}_{memory.Name}.mem";

    private static string RamStyleName(RamStyle style) => style switch
    {
        RamStyle.Block => "block",
        RamStyle.Distributed => "distributed",
        _ => "registers",
    };

    private static string Parameter(ParameterValue value) => value switch
    {
        IntParameter i => i.Value.ToString(CultureInfo.InvariantCulture),
        StringParameter s => $"\"{s.Value}\"",
        BitsParameter b => $"{b.Width}'h{b.Value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(1, '0')}",
        _ => throw new InvalidOperationException(value.GetType().Name),
    };
}
