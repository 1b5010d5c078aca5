using DiffAcc.Hdl;
using DiffAcc.Hdl.Analysis;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Sim.IrSim;

/// <summary>
/// An in-process, two-state, cycle-based simulator of the hdl-dsl IR with the emitted Verilog's
/// semantics: for fast unit tests and as the second opinion in differential fuzzing. All clock
/// domains tick together; values are at most 64 bits wide.
/// </summary>
public sealed class IrSimulator : ICycleModel
{
    private readonly ulong[] values;
    private readonly (int Slot, Func<ulong[], ulong> Eval)[] combinational;
    private readonly RegisterState[] registers;
    private readonly MemoryState[] memories;
    private readonly int[] inputSlots;
    private readonly int[] outputSlots;
    private readonly ulong[] inputMasks;

    public IrSimulator(Design design)
    {
        Layout = new PortLayout(design);
        var drivers = new Dictionary<ModuleDef, IReadOnlyDictionary<Net, NetDriver>>(ReferenceEqualityComparer.Instance);
        IReadOnlyDictionary<Net, NetDriver> DriversOf(ModuleDef m) => drivers.TryGetValue(m, out var d) ? d : drivers[m] = ExpandWhens.Run(m);
        var netlist = FlatNetlist.Build(design, DriversOf);
        values = new ulong[netlist.Nodes.Count];

        var evaluators = new Dictionary<int, Func<ulong[], ulong>>();
        var regs = new List<RegisterState>();
        var mems = new List<MemoryState>();
        foreach (var (path, module) in design.InstanceTree())
        {
            if (module.IsBlackBox)
                throw new NotSupportedException($"the IR simulator cannot simulate black box {module.Name}; use the Verilator backend with its simulation model");
            int Slot(Net net) => netlist.Id(path, net);
            // Each instance has its own words; asynchronous reads in expressions look them up here.
            var words = new Dictionary<MemoryDef, ulong[]>(ReferenceEqualityComparer.Instance);
            foreach (var memory in module.Memories)
            {
                var contents = words[memory] = new ulong[memory.Depth];
                if (memory.Init is { } init)
                {
                    for (var i = 0; i < init.Count; i++)
                        contents[i] = (ulong)init[i];
                }
            }
            ulong[] Words(MemoryDef memory) => words[memory];
            foreach (var net in module.AllNets)
                ExprCompiler.Check(net.Width);
            var table = DriversOf(module);
            foreach (var (net, driver) in table)
            {
                if (net.IsLatch)
                {
                    // Transparent while enabled; otherwise it keeps the value it holds.
                    var (enable, data) = LatchEnable.Split(driver.Value);
                    var latchSlot = Slot(net);
                    var open = ExprCompiler.CompileTop(enable, Slot, Words);
                    var through = ExprCompiler.CompileTop(data, Slot, Words);
                    evaluators[latchSlot] = v => open(v) != 0 ? through(v) : v[latchSlot];
                }
                else if (net.Register is null)
                {
                    evaluators[Slot(net)] = ExprCompiler.CompileTop(driver.Value, Slot, Words);
                }
            }
            foreach (var net in module.Nets.Where(n => n.Register is not null))
            {
                var info = net.Register!;
                var reset = info.ResetValue is null ? null : module.Ports.FirstOrDefault(p => p.ResetOf == info.Domain);
                regs.Add(new RegisterState(
                    Slot(net),
                    table.TryGetValue(net, out var driver) ? ExprCompiler.CompileTop(driver.Value, Slot, Words) : null,
                    info.Enable is null ? null : ExprCompiler.CompileTop(info.Enable, Slot, Words),
                    reset is null ? -1 : Slot(reset),
                    info.Domain.IsResetActiveLow,
                    info.Domain.IsAsyncReset,
                    (ulong)(info.ResetValue ?? 0)));
            }
            foreach (var memory in module.Memories)
            {
                mems.Add(new MemoryState(
                    words[memory],
                    ExprCompiler.Mask(memory.Word.Width),
                    memory.ByteWidth,
                    [.. memory.WritePorts.Select(w => new WritePortState(ExprCompiler.CompileTop(w.Address, Slot, Words), ExprCompiler.CompileTop(w.Data, Slot, Words), ExprCompiler.CompileTop(w.Enable, Slot, Words), w.ByteEnable is null ? null : ExprCompiler.CompileTop(w.ByteEnable, Slot, Words)))],
                    [.. memory.ReadPorts.Select(r => new ReadPortState(Slot(r.Data), ExprCompiler.CompileTop(r.Address, Slot, Words), ExprCompiler.CompileTop(r.Enable, Slot, Words)))]));
            }
            foreach (var instance in module.Instances)
            {
                var childPath = path.Length == 0 ? instance.Name : $"{path}/{instance.Name}";
                foreach (var (childPort, parentNet) in instance.Bindings)
                {
                    var child = netlist.Id(childPath, childPort);
                    var parent = Slot(parentNet);
                    if (childPort.Kind == NetKind.Input)
                        evaluators[child] = v => v[parent];
                    else
                        evaluators[parent] = v => v[child];
                }
            }
        }
        combinational = [.. TopologicalOrder(netlist).Where(evaluators.ContainsKey).Select(id => (id, evaluators[id]))];
        registers = [.. regs];
        memories = [.. mems];
        inputSlots = [.. Layout.Inputs.Select(p => netlist.Id("", design.Top.Ports.First(n => n.Name == p.Name)))];
        inputMasks = [.. Layout.Inputs.Select(p => ExprCompiler.Mask(p.Width))];
        outputSlots = [.. Layout.Outputs.Select(p => netlist.Id("", design.Top.Ports.First(n => n.Name == p.Name)))];
        Eval();
    }

    public PortLayout Layout { get; }

    public long Cycle { get; private set; }

    public void Poke(string port, ulong value)
    {
        var index = IndexOf(Layout.Inputs, port);
        values[inputSlots[index]] = value & inputMasks[index];
    }

    public ulong Peek(string port) => values[outputSlots[IndexOf(Layout.Outputs, port)]];

    /// <summary>Drives a top-level input given by the DSL's own signal (a port of the module object the design was built from).</summary>
    public void Poke(Signal port, ulong value) => Poke(PortName(port, Layout.Inputs, "input"), value);

    public void Poke(Bool port, bool value) => Poke(port, value ? 1UL : 0UL);

    /// <summary>A top-level output (or input) by its signal: the bit pattern, zero-extended.</summary>
    public ulong Peek(Signal port)
        => Layout.Outputs.Any(p => p.Name == port.Name) ? Peek(PortName(port, Layout.Outputs, "output")) : values[inputSlots[IndexOf(Layout.Inputs, PortName(port, Layout.Inputs, "input"))]];

    public bool Peek(Bool port) => Peek((Signal)port) != 0;

    /// <summary>A signed port's value, sign-extended.</summary>
    public long Peek(SInt port) => ExprCompiler.SignExtend(Peek((Signal)port), port.Width);

    private static string PortName(Signal port, IReadOnlyList<SimPort> ports, string kind)
        => ports.Any(p => p.Name == port.Name && p.Width == port.Width) ? port.Name
            : throw new ArgumentException($"'{port}' is not an {kind} of the simulated top; its {kind}s: {string.Join(", ", ports.Select(p => p.Name))}", nameof(port));

    /// <summary>
    /// Settles combinational logic for the current inputs and state. An asserted asynchronous reset
    /// acts at once; its reset net is itself combinational (it may come through ports), so the
    /// logic settles again when a reset changed a register.
    /// </summary>
    public void Eval()
    {
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var (slot, eval) in combinational)
                values[slot] = eval(values);
            var changed = false;
            foreach (var r in registers)
            {
                if (r.Async && ResetActive(r) && values[r.Slot] != r.ResetValue)
                {
                    values[r.Slot] = r.ResetValue;
                    changed = true;
                }
            }
            if (!changed)
                return;
        }
    }

    /// <summary>One rising edge of every clock, then a settle.</summary>
    public void Tick()
    {
        Span<ulong> next = registers.Length <= 4096 ? stackalloc ulong[registers.Length] : new ulong[registers.Length];
        for (var i = 0; i < registers.Length; i++)
        {
            var r = registers[i];
            next[i] = r.ResetSlot >= 0 && ResetActive(r) ? r.ResetValue
                : r.Next is null || (r.Enable is not null && r.Enable(values) == 0) ? values[r.Slot]
                : r.Next(values);
        }
        var reads = new List<(int Slot, ulong Value)>();
        foreach (var m in memories)
        {
            foreach (var port in m.Reads)
            {
                if (port.Enable(values) != 0)
                    reads.Add((port.Slot, m.Read(port.Address(values))));
            }
        }
        foreach (var m in memories)
        {
            foreach (var port in m.Writes)
            {
                if (port.Enable(values) != 0)
                    m.Write(port.Address(values), port.Data(values), port.ByteEnable?.Invoke(values));
            }
        }
        for (var i = 0; i < registers.Length; i++)
            values[registers[i].Slot] = next[i];
        foreach (var (slot, value) in reads)
            values[slot] = value;
        Cycle++;
        Eval();
    }

    /// <summary>Applies one cycle's inputs, records the outputs before the clock edge, then ticks.</summary>
    public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
    {
        for (var i = 0; i < inputSlots.Length; i++)
            values[inputSlots[i]] = inputs[Layout.Inputs[i].Offset] & inputMasks[i];
        Eval();
        for (var i = 0; i < outputSlots.Length; i++)
            outputs[Layout.Outputs[i].Offset] = values[outputSlots[i]];
        Tick();
    }

    private bool ResetActive(RegisterState r) => r.ResetSlot >= 0 && (values[r.ResetSlot] != 0) != r.ActiveLow;

    private static int IndexOf(IReadOnlyList<SimPort> ports, string name)
    {
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i].Name == name)
                return i;
        }
        throw new ArgumentException($"no such port '{name}'; ports: {string.Join(", ", ports.Select(p => p.Name))}", nameof(name));
    }

    private static IEnumerable<int> TopologicalOrder(FlatNetlist netlist)
    {
        var count = netlist.Nodes.Count;
        var pending = new int[count];
        var users = new List<int>[count];
        for (var i = 0; i < count; i++)
            users[i] = [];
        for (var i = 0; i < count; i++)
        {
            if (netlist.Nodes[i].IsState)
                continue;
            foreach (var source in netlist.FanIn(i).Distinct())
            {
                if (netlist.Nodes[source].IsState)
                    continue;
                pending[i]++;
                users[source].Add(i);
            }
        }
        var ready = new Queue<int>(Enumerable.Range(0, count).Where(i => !netlist.Nodes[i].IsState && pending[i] == 0));
        var emitted = 0;
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            emitted++;
            yield return node;
            foreach (var user in users[node])
            {
                if (--pending[user] == 0)
                    ready.Enqueue(user);
            }
        }
        if (emitted != count - netlist.Nodes.Count(n => n.IsState))
            throw new InvalidOperationException("the design has a combinational loop; run the checks first");
    }

    private sealed record RegisterState(int Slot, Func<ulong[], ulong>? Next, Func<ulong[], ulong>? Enable, int ResetSlot, bool ActiveLow, bool Async, ulong ResetValue);

    private sealed record WritePortState(Func<ulong[], ulong> Address, Func<ulong[], ulong> Data, Func<ulong[], ulong> Enable, Func<ulong[], ulong>? ByteEnable);

    private sealed record ReadPortState(int Slot, Func<ulong[], ulong> Address, Func<ulong[], ulong> Enable);

    private sealed record MemoryState(ulong[] Contents, ulong WordMask, int ByteWidth, WritePortState[] Writes, ReadPortState[] Reads)
    {
        // Out-of-range reads give 0 and out-of-range writes are dropped, as Verilator does.
        public ulong Read(ulong address) => address < (ulong)Contents.Length ? Contents[address] : 0;

        public void Write(ulong address, ulong data, ulong? byteEnable)
        {
            if (address >= (ulong)Contents.Length)
                return;
            if (byteEnable is not { } lanes)
            {
                Contents[address] = data & WordMask;
                return;
            }
            var laneMask = ExprCompiler.Mask(ByteWidth);
            var keep = Contents[address];
            for (var lane = 0; lane * ByteWidth < 64 && (lanes >> lane) != 0; lane++)
            {
                if (((lanes >> lane) & 1) != 0)
                    keep = (keep & ~(laneMask << (lane * ByteWidth))) | (data & (laneMask << (lane * ByteWidth)));
            }
            Contents[address] = keep & WordMask;
        }
    }
}
