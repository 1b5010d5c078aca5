using System.Numerics;
using DiffAcc.Hdl.Analysis;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Sim.IrSim;

/// <summary>The state and evaluation of one flattened design, whatever type holds its values.</summary>
internal abstract class IrEngine
{
    public abstract void Set(int slot, ReadOnlySpan<ulong> words, int width);

    public abstract void Get(int slot, Span<ulong> words);

    public abstract void Eval();

    public abstract void Tick();

    /// <summary>An engine over <see cref="ulong"/> when every value fits, else over <see cref="BigInteger"/>.</summary>
    public static IrEngine For(Design design, FlatNetlist netlist, Func<ModuleDef, ModuleLowering> lowering)
        => design.Modules.SelectMany(m => m.AllNets.Select(n => n.Width).Concat(m.Memories.Select(x => x.Word.Width))).DefaultIfEmpty(1).Max() <= 64
            ? new IrEngine<ulong>(design, netlist, lowering)
            : new IrEngine<BigInteger>(design, netlist, lowering);
}

/// <summary>
/// Two-state, cycle-based evaluation: combinational nets in topological order, then at each clock
/// edge the registers and memory ports of the domains on that edge (rising first, then falling).
/// </summary>
internal sealed class IrEngine<T> : IrEngine where T : struct, IBinaryInteger<T>
{
    private readonly T[] values;
    private readonly (int Slot, Func<T[], T> Eval)[] combinational;
    private readonly RegisterState[] registers;
    private readonly MemoryState[] memories;
    private readonly bool hasFalling;
    private readonly T[] next;
    private readonly List<(int Slot, T Value)> reads = [];

    public IrEngine(Design design, FlatNetlist netlist, Func<ModuleDef, ModuleLowering> lowering)
    {
        values = new T[netlist.Nodes.Count];
        var evaluators = new Dictionary<int, Func<T[], T>>();
        var regs = new List<RegisterState>();
        var mems = new List<MemoryState>();
        foreach (var (path, module) in design.InstanceTree())
        {
            if (module.IsBlackBox)
                throw new NotSupportedException($"the IR simulator cannot simulate black box {module.Name}; use the Verilator backend with its simulation model");
            var lowered = lowering(module);
            int Slot(Net net) => netlist.Id(path, net);
            // Each instance has its own words; asynchronous reads in expressions look them up here.
            var words = new Dictionary<MemoryDef, T[]>(ReferenceEqualityComparer.Instance);
            foreach (var memory in module.Memories)
            {
                var contents = words[memory] = new T[memory.Depth];
                if (memory.Init is { } init)
                {
                    for (var i = 0; i < init.Count; i++)
                        contents[i] = Bits<T>.FromBigInteger(init[i], memory.Word.Width);
                }
            }
            Func<T[], T> Compile(Expr e) => ExprCompiler<T>.Compile(lowered.Lower(e), Slot, m => words[m]);
            foreach (var (net, value) in lowered.Values)
            {
                if (lowered.Latches.TryGetValue(net, out var latch))
                {
                    // Transparent while enabled; otherwise it keeps the value it holds.
                    var latchSlot = Slot(net);
                    var open = Compile(latch.Enable);
                    var through = Compile(latch.Data);
                    evaluators[latchSlot] = v => open(v) != T.Zero ? through(v) : v[latchSlot];
                }
                else if (net.Register is null)
                {
                    evaluators[Slot(net)] = Compile(value);
                }
            }
            foreach (var net in module.Nets.Where(n => n.Register is not null))
            {
                var info = net.Register!;
                var reset = info.ResetValue is null ? null : module.Ports.FirstOrDefault(p => p.ResetOf is not null && p.Name == info.Domain.ResetPort);
                regs.Add(new RegisterState(
                    Slot(net),
                    lowered.Values.TryGetValue(net, out var value) ? Compile(value) : null,
                    info.Enable is null ? null : Compile(info.Enable),
                    reset is null ? -1 : Slot(reset),
                    info.Domain.IsResetActiveLow,
                    info.Domain.IsAsyncReset,
                    info.Domain.Edge == Hdl.ClockEdge.Falling,
                    Bits<T>.FromBigInteger(info.ResetValue ?? 0, net.Width)));
                if (info.InitialValue is { } initial)
                    values[Slot(net)] = Bits<T>.FromBigInteger(initial, net.Width);
            }
            foreach (var memory in module.Memories)
            {
                var clear = memory.ClearDomain is not { } cleared ? null
                    : new ClearState(Slot(module.Ports.First(p => p.ResetOf is not null && p.Name == cleared.ResetPort)), cleared.IsResetActiveLow, cleared.IsAsyncReset, cleared.Edge == Hdl.ClockEdge.Falling, Bits<T>.FromBigInteger(memory.ClearValue, memory.Word.Width));
                mems.Add(new MemoryState(
                    words[memory],
                    clear,
                    Bits<T>.Mask(memory.Word.Width),
                    memory.ByteWidth,
                    memory.Word.Width,
                    [.. memory.WritePorts.Select(w => new WritePortState(Compile(w.Address), Compile(w.Data), Compile(w.Enable), w.ByteEnable is null ? null : Compile(w.ByteEnable), w.Domain.Edge == Hdl.ClockEdge.Falling))],
                    [.. memory.ReadPorts.Select(r => new ReadPortState(Slot(r.Data), Compile(r.Address), Compile(r.Enable), r.Domain.Edge == Hdl.ClockEdge.Falling))]));
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
        next = new T[registers.Length];
        hasFalling = registers.Any(r => r.Falling) || memories.Any(m => m.Writes.Any(w => w.Falling) || m.Reads.Any(r => r.Falling));
    }

    public override void Set(int slot, ReadOnlySpan<ulong> words, int width)
    {
        var value = T.Zero;
        for (var w = words.Length - 1; w >= 0; w--)
            value = (words.Length == 1 ? T.Zero : value << 64) | T.CreateTruncating(words[w]);
        values[slot] = value & Bits<T>.Mask(width);
    }

    public override void Get(int slot, Span<ulong> words)
    {
        var value = values[slot];
        for (var w = 0; w < words.Length; w++)
        {
            words[w] = ulong.CreateTruncating(value);
            value = words.Length == 1 ? T.Zero : value >> 64;
        }
    }

    /// <summary>
    /// Settles combinational logic for the current inputs and state. An asserted asynchronous reset
    /// acts at once; its reset net is itself combinational (it may come through ports), so the
    /// logic settles again when a reset changed a register.
    /// </summary>
    public override void Eval()
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
            foreach (var m in memories)
            {
                if (m.Clear is { Async: true } clear && Asserted(clear) && m.Contents.Any(w => w != clear.Value))
                {
                    Array.Fill(m.Contents, clear.Value);
                    changed = true;
                }
            }
            if (!changed)
                return;
        }
    }

    /// <summary>A rising edge of every clock and a settle; then, if any domain uses it, the falling edge and a settle.</summary>
    public override void Tick()
    {
        Edge(falling: false);
        Eval();
        if (hasFalling)
        {
            Edge(falling: true);
            Eval();
        }
    }

    private void Edge(bool falling)
    {
        for (var i = 0; i < registers.Length; i++)
        {
            var r = registers[i];
            if (r.Falling != falling)
                continue;
            next[i] = r.ResetSlot >= 0 && ResetActive(r) ? r.ResetValue
                : r.Next is null || (r.Enable is not null && r.Enable(values) == T.Zero) ? values[r.Slot]
                : r.Next(values);
        }
        reads.Clear();
        foreach (var m in memories)
        {
            foreach (var port in m.Reads)
            {
                if (port.Falling == falling && port.Enable(values) != T.Zero)
                    reads.Add((port.Slot, m.Read(port.Address(values))));
            }
        }
        foreach (var m in memories)
        {
            // A memory cleared on reset takes no writes while the reset holds it at its clear value.
            if (m.Clear is { } clear && clear.Falling == falling && Asserted(clear))
            {
                Array.Fill(m.Contents, clear.Value);
                continue;
            }
            foreach (var port in m.Writes)
            {
                if (port.Falling == falling && port.Enable(values) != T.Zero)
                    m.Write(port.Address(values), port.Data(values), port.ByteEnable?.Invoke(values));
            }
        }
        for (var i = 0; i < registers.Length; i++)
        {
            if (registers[i].Falling == falling)
                values[registers[i].Slot] = next[i];
        }
        foreach (var (slot, value) in reads)
            values[slot] = value;
    }

    private bool Asserted(ClearState c) => (values[c.ResetSlot] != T.Zero) != c.ActiveLow;

    private bool ResetActive(RegisterState r) => r.ResetSlot >= 0 && (values[r.ResetSlot] != T.Zero) != r.ActiveLow;

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

    private sealed record RegisterState(int Slot, Func<T[], T>? Next, Func<T[], T>? Enable, int ResetSlot, bool ActiveLow, bool Async, bool Falling, T ResetValue);

    private sealed record WritePortState(Func<T[], T> Address, Func<T[], T> Data, Func<T[], T> Enable, Func<T[], T>? ByteEnable, bool Falling);

    private sealed record ReadPortState(int Slot, Func<T[], T> Address, Func<T[], T> Enable, bool Falling);

    private sealed record ClearState(int ResetSlot, bool ActiveLow, bool Async, bool Falling, T Value);

    private sealed record MemoryState(T[] Contents, ClearState? Clear, T WordMask, int ByteWidth, int WordWidth, WritePortState[] Writes, ReadPortState[] Reads)
    {
        private readonly T depth = T.CreateTruncating(Contents.Length);

        // Out-of-range reads give 0 and out-of-range writes are dropped, as Verilator does.
        public T Read(T address) => address < depth ? Contents[int.CreateTruncating(address)] : T.Zero;

        public void Write(T address, T data, T? byteEnable)
        {
            if (address >= depth)
                return;
            var index = int.CreateTruncating(address);
            if (byteEnable is not { } lanes)
            {
                Contents[index] = data & WordMask;
                return;
            }
            var laneMask = Bits<T>.Mask(ByteWidth);
            var keep = Contents[index];
            for (var lane = 0; lane * ByteWidth < WordWidth; lane++)
            {
                if (Bits<T>.Bit(lanes, lane))
                {
                    var at = laneMask << (lane * ByteWidth);
                    keep = (keep & ~at) | (data & at);
                }
            }
            Contents[index] = keep & WordMask;
        }
    }
}
