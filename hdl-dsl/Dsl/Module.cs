using System.Collections;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>
/// A hardware module: derive from it and describe ports, state and logic in the constructor with
/// ordinary C# (loops, parameters, helper methods). Each object is one instance; structurally
/// identical instances are emitted as one Verilog module. Members are named after their C# names.
/// </summary>
public abstract class Module
{
    private readonly List<Net> ports = [];
    private readonly List<Net> nets = [];
    private readonly List<Statement> body = [];
    private readonly List<MemoryDef> memories = [];
    private readonly List<(Module Child, SourceLocation Location)> children = [];
    private readonly List<ClockDomain> domains = [];
    private readonly Dictionary<ClockDomain, Net> clockPorts = [];
    private readonly List<(object Value, string Name, SourceLocation Location)> localNames = [];
    private readonly List<(object Value, Func<string> Name)> laterNames = [];
    private readonly Dictionary<ClockDomain, Net> resetPorts = [];
    private readonly List<(Net Port, string? Pin, string? IoStandard, SourceLocation Location)> pins = [];
    private readonly List<(Module Instance, IReadOnlyList<string> Ranges, SourceLocation Location)> pblocks = [];
    private List<Statement> scope;
    private List<Expr> conditions = [];
    private readonly SourceLocation location;

    protected Module([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        location = new SourceLocation(file, line);
        scope = body;
    }

    /// <summary>The Verilog module name; the C# class name unless overridden.</summary>
    public virtual string ModuleName => GetType().Name.Split('`')[0];

    /// <summary>The clock domain of registers and memories made from now on in this module.</summary>
    public ClockDomain Domain { get; protected set; } = ClockDomain.Default;

    /// <summary>Where the module was described: its constructor, or failing that its first declaration.</summary>
    public SourceLocation Location => location.IsKnown ? location : ports.Concat(nets).Select(n => n.Location).FirstOrDefault(l => l.IsKnown);

    internal Module? Parent { get; private set; }

    internal string? InstanceName { get; private set; }

    internal bool IsSealed { get; private set; }

    internal IReadOnlyList<Net> Ports => ports;

    internal IReadOnlyList<Net> Nets => nets;

    internal IReadOnlyList<Statement> Body => body;

    internal IReadOnlyList<MemoryDef> Memories => memories;

    internal List<SwitchCoverage> Switches { get; } = [];

    internal IReadOnlyList<(Module Child, SourceLocation Location)> Children => children;

    internal IReadOnlyList<ClockDomain> Domains => domains;

    internal IReadOnlyDictionary<ClockDomain, Net> ClockPorts => clockPorts;

    internal IReadOnlyDictionary<ClockDomain, Net> ResetPorts => resetPorts;

    internal IEnumerable<(Net Port, string? Pin, string? IoStandard, SourceLocation Location)> Pins => pins;

    internal IEnumerable<(Module Instance, IReadOnlyList<string> Ranges, SourceLocation Location)> PblockRequests => pblocks;

    // ---- types and literals, so module code reads like a hardware description ----

    protected static BoolType Bool() => Hw.Bool();

    protected static UIntType UInt(int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => Hw.UInt(width, file, line);

    protected static SIntType SInt(int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => Hw.SInt(width, file, line);

    protected static VecType<T> Vec<T>(int count, HdlType<T> element, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => Hw.Vec(count, element, file, line);

    protected static BundleType<Stream<T>> Stream<T>(HdlType<T> payload) where T : class => Hw.Stream(payload);

    protected static BundleType<T> Bundle<T>(Func<BundleFields, T> make) where T : Bundle => new(make);

    protected static UInt Lit(long value, int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => Hw.Lit(value, width, file, line);

    protected static SInt SLit(long value, int width, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => Hw.SLit(value, width, file, line);

    protected static T Mux<T>(Bool condition, T whenTrue, T whenFalse) where T : Signal => Hw.Mux(condition, whenTrue, whenFalse);

    /// <summary><c>condition ? whenTrue : whenFalse</c> of two members of an enum: <c>Mux(done, State.Done, State.Error)</c>.</summary>
    protected static EnumValue<TEnum> Mux<TEnum>(Bool condition, TEnum whenTrue, TEnum whenFalse, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where TEnum : struct, System.Enum
        => Hw.Mux(condition, whenTrue, whenFalse, file, line);

    /// <summary><c>condition ? whenTrue : whenFalse</c> of an enum value and a member.</summary>
    protected static EnumValue<TEnum> Mux<TEnum>(Bool condition, EnumValue<TEnum> whenTrue, TEnum whenFalse) where TEnum : struct, System.Enum => Hw.Mux(condition, whenTrue, whenFalse);

    /// <summary><c>condition ? whenTrue : whenFalse</c> of a member and an enum value.</summary>
    protected static EnumValue<TEnum> Mux<TEnum>(Bool condition, TEnum whenTrue, EnumValue<TEnum> whenFalse) where TEnum : struct, System.Enum => Hw.Mux(condition, whenTrue, whenFalse);

    protected static UInt Cat(params Signal[] parts) => Hw.Cat(parts);

    protected static UInt Fill(int count, Signal value, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => Hw.Fill(count, value, file, line);

    // ---- declarations ----

    protected T Input<T>(HdlType<T> type, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => Declare(type, NetKind.Input, name, new(file, line));

    protected T Output<T>(HdlType<T> type, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => Declare(type, NetKind.Output, name, new(file, line));

    protected T Wire<T>(HdlType<T> type, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => Declare(type, NetKind.Wire, name, new(file, line));

    /// <summary>
    /// A register in <paramref name="domain"/> (default: <see cref="Domain"/>). With <paramref name="reset"/>
    /// it takes that value on reset; without, it has no reset (best for DSP and SRL inference). It
    /// holds its value on cycles where nothing assigns it. With <paramref name="init"/> it holds that
    /// value from power-up, before any reset (the flip-flop's INIT on the FPGA; the IR simulator,
    /// Verilator and Icarus start it there); without, it starts at 0 in the simulators.
    /// </summary>
    protected T Reg<T>(HdlType<T> type, long? reset = null, Bool? enable = null, ClockDomain? domain = null, string? name = null, long? init = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var value = type.Create(RegisterFactory(reset, enable, domain, new(file, line), init));
        if (name is not null)
            NameValue(value, name);
        else
            RememberLocalName(value, new(file, line));
        return value;
    }

    /// <summary>
    /// A level-sensitive latch, on purpose: assign it inside When blocks; it follows the value while a
    /// condition that assigns it holds and keeps its value otherwise. The latch check accepts it (an
    /// accidental latch stays an error); the Verilog is an <c>always @*</c> block Vivado maps to LDCE.
    /// </summary>
    protected T Latch<T>(GroundType<T> type, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : Signal
    {
        var value = Declare(type, NetKind.Wire, name, new(file, line));
        value.Net!.IsLatch = true;
        return value;
    }

    /// <summary>
    /// A named wire carrying <paramref name="value"/>: <c>var sum = Node(a + b);</c> prints as
    /// <c>wire [8:0] sum; assign sum = a + b;</c>, named by <paramref name="name"/> or else by the C# local
    /// it is assigned to. Use it to give a shared or interesting expression a name in the Verilog and
    /// the waveform.
    /// </summary>
    protected T Node<T>(T value, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : Signal
    {
        var location = new SourceLocation(file, line);
        var wire = (T)value.OnNet(AddNet(NetKind.Wire, value.Shape, location));
        if (name is not null)
            NameValue(wire, name);
        else
            RememberLocalName(wire, location);
        // Outside any When being described: a node always carries its value.
        RecordUnconditional(new Connect(wire.Net!, value.Expr, location));
        return wire;
    }

    /// <summary>
    /// A register that takes <paramref name="next"/> every (enabled) cycle: one pipeline stage. A bundle
    /// (a record of data fields) is registered field by field into a bundle of the same type; one with
    /// flipped fields (a stream's ready) cannot be, since its ready would run against the data.
    /// </summary>
    protected T RegNext<T>(T next, long? reset = null, Bool? enable = null, ClockDomain? domain = null, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : class
    {
        var location = new SourceLocation(file, line);
        object reg;
        switch (next)
        {
            case Signal signal:
                // OnNet keeps the value's type: an enum register stays an enum (named states in the Verilog).
                var net = signal.OnNet(RegisterFactory(reset, enable, domain, location).Net(signal.Shape));
                net.ConnectFrom(signal, location);
                reg = net;
                break;
            case Bundle bundle:
                if (bundle.Ground().FirstOrDefault(g => g.Flipped).Signal is { } flipped)
                    throw new HdlException($"RegNext cannot register a {bundle.GetType().Name.Split('`')[0]} as a whole: it has a flipped field ({flipped.Name}); register its payload instead", location);
                var copy = bundle.Recreate(RegisterFactory(reset, enable, domain, location));
                copy.ConnectFrom(bundle, location);
                reg = copy;
                break;
            default:
                throw new HdlException($"RegNext registers a signal or a bundle, not a {next.GetType().Name}", location);
        }
        if (name is not null)
            NameValue(reg, name);
        else
            RememberLocalName(reg, location);
        return (T)reg;
    }

    /// <summary>
    /// <paramref name="value"/> delayed by <paramref name="stages"/> registers (Chisel's <c>ShiftRegister</c>),
    /// each stage enabled by <paramref name="enable"/>; with a <paramref name="name"/> the stages are
    /// <c>name_0</c> .. <c>name_{stages-1}</c>. Zero stages give <paramref name="value"/> itself.
    /// </summary>
    protected T ShiftRegister<T>(T value, int stages, long? reset = null, Bool? enable = null, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : class
        => stages == 0 ? value : ShiftChain(value, stages, reset, enable, name, file, line)[^1];

    /// <summary>Every stage of <see cref="ShiftRegister{T}"/>: element s is <paramref name="value"/> delayed by s + 1 cycles.</summary>
    protected IReadOnlyList<T> ShiftChain<T>(T value, int stages, long? reset = null, Bool? enable = null, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : class
    {
        if (stages < 0)
            throw new HdlException($"a shift register needs 0 or more stages, not {stages}", new(file, line));
        var chain = new List<T>(stages);
        for (var s = 0; s < stages; s++)
            chain.Add(RegNext(s == 0 ? value : chain[s - 1], reset, enable, null, name is null ? null : $"{name}_{s}", file, line));
        return chain;
    }

    /// <summary>Drives <paramref name="sink"/> from <paramref name="source"/>: a signal of any type, or a bundle field by field (flipped fields the other way).</summary>
    protected void Connect<T>(T sink, T source, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : class
    {
        var location = new SourceLocation(file, line);
        switch (sink, source)
        {
            case (Signal a, Signal b):
                a.ConnectFrom(b, location);
                break;
            case (Bundle a, Bundle b):
                a.ConnectFrom(b, location);
                break;
            default:
                throw new HdlException($"Connect joins signals or bundles, not a {sink.GetType().Name}", location);
        }
    }

    private NetFactory RegisterFactory(long? reset, Bool? enable, ClockDomain? domain, SourceLocation location, long? init = null)
    {
        var clock = domain ?? Domain;
        UseDomain(clock);
        if (reset is not null && clock.Reset == ResetKind.None)
            throw new HdlException($"a reset value is given but clock domain '{clock.Name}' has no reset", location);
        if (reset is not null)
            UseReset(clock);
        return new NetFactory(this, NetKind.Register, location, net =>
        {
            BigInteger? Bits(long? value, string what)
            {
                if (value is not { } v)
                    return null;
                var fits = net.Shape.Signed
                    ? v >= -(BigInteger.One << (net.Width - 1)) && v < BigInteger.One << (net.Width - 1)
                    : v >= 0 && v < BigInteger.One << net.Width;
                return fits ? Hw.Pattern(v, net.Width) : throw new HdlException($"{what} {v} does not fit in {net.Shape}", location);
            }
            net.Register = new RegisterInfo(clock, Bits(reset, "reset value")) { Enable = enable?.Expr, InitialValue = Bits(init, "initial value") };
            return net;
        });
    }

    /// <summary>
    /// A RAM of <paramref name="depth"/> words; <paramref name="byteWidth"/> &gt; 0 gives byte-lane write
    /// enables. Initial contents come from <paramref name="init"/> (written into the Verilog) or from the
    /// hex file <paramref name="initFile"/> (as <c>$readmemh</c> reads it; loaded with <c>$readmemh</c> from
    /// a copy the emitter writes beside the Verilog); words not given start at 0.
    /// </summary>
    protected Memory<T> Mem<T>(GroundType<T> word, int depth, RamStyle style = RamStyle.Auto, int byteWidth = 0, IReadOnlyList<long>? init = null, string? name = null, string? initFile = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : Signal
    {
        var location = new SourceLocation(file, line);
        if (init is not null && initFile is not null)
            throw new HdlException("give the initial contents as init or as initFile, not both", location);
        if (depth < 1)
            throw new HdlException($"a memory needs at least one word, not {depth}", location);
        if (byteWidth < 0 || (byteWidth > 0 && word.Shape.Width % byteWidth != 0))
            throw new HdlException($"byte lanes of {byteWidth} bits do not divide the {word.Shape.Width}-bit word", location);
        if (init is not null && init.Count > depth)
            throw new HdlException($"{init.Count} initial words do not fit in a memory of {depth} words", location);
        var def = new MemoryDef(name ?? $"mem_L{line}", word.Shape, depth, location) { Style = style, ByteWidth = byteWidth, HasName = name is not null };
        if (init is not null)
        {
            var limitLow = word.Shape.Signed ? -(BigInteger.One << (word.Shape.Width - 1)) : BigInteger.Zero;
            var limitHigh = word.Shape.Signed ? (BigInteger.One << (word.Shape.Width - 1)) - 1 : (BigInteger.One << word.Shape.Width) - 1;
            for (var i = 0; i < init.Count; i++)
            {
                if (init[i] < limitLow || init[i] > limitHigh)
                    throw new HdlException($"initial word {i} ({init[i]}) does not fit in {word.Shape}", location);
            }
            def.Init = [.. init.Select(v => Hw.Pattern(v, word.Shape.Width))];
        }
        if (initFile is not null)
        {
            def.Init = MemoryInitFile.Read(initFile, word.Shape, depth, location);
            def.InitFromFile = true;
        }
        memories.Add(def);
        var memory = new Memory<T>(this, word, def);
        if (name is null)
            RememberLocalName(memory, location);
        return memory;
    }

    /// <summary>A ROM: a memory with initial contents and only read ports.</summary>
    protected Memory<T> Rom<T>(GroundType<T> word, IReadOnlyList<long> contents, RamStyle style = RamStyle.Auto, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : Signal
        => Mem(word, contents.Count, style, 0, contents, name, null, file, line);

    /// <summary>Places <paramref name="child"/> inside this module; from now on its ports are this module's to drive and read.</summary>
    protected T Instance<T>(T child, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : Module
    {
        var location = new SourceLocation(file, line);
        if (child.Parent is not null)
            throw new HdlException($"this {child.ModuleName} is already instantiated in {child.Parent.ModuleName}; make a new object for each instance", location);
        if (ReferenceEquals(child, this))
            throw new HdlException($"{ModuleName} cannot instantiate itself", location);
        child.Seal();
        child.Parent = this;
        child.InstanceName = name;
        foreach (var port in child.ports)
        {
            var wire = AddNet(port.Kind == NetKind.Input ? NetKind.InstanceInput : NetKind.InstanceOutput, port.Shape, location);
            wire.ChildPort = port;
            port.ParentView = wire;
        }
        foreach (var domain in child.domains)
            UseDomain(domain);
        foreach (var domain in child.resetPorts.Keys)
            UseReset(domain);
        children.Add((child, location));
        return child;
    }

    /// <summary>
    /// Gives this module one port for every port of <paramref name="child"/> (clocks and resets connect
    /// themselves), named <c>{prefix}{port}</c> and wired straight through: a wrapper's
    /// <c>io &lt;&gt; child.io</c>. Returns nothing to assign; the ports are driven and read already.
    /// </summary>
    protected void ExposePorts(Module child, string prefix, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        if (!ReferenceEquals(child.Parent, this))
            throw new HdlException($"{child.ModuleName} is not an instance in {ModuleName}; pass it through Instance(...) first", location);
        foreach (var port in child.ports)
        {
            if (child.clockPorts.ContainsValue(port) || child.resetPorts.ContainsValue(port))
                continue;
            var outer = AddNet(port.Kind, port.Shape, location);
            outer.Name = prefix + port.Name;
            outer.HasName = true;
            var view = port.ParentView!;
            Record(port.Kind == NetKind.Input ? new Connect(view, new NetRef(outer), location) : new Connect(outer, new NetRef(view), location));
        }
    }

    /// <summary>
    /// Logic that applies only while <paramref name="condition"/> holds. Chain <c>.ElseWhen</c> and
    /// <c>.Otherwise</c>; a later assignment to the same net wins (last-connect semantics).
    /// </summary>
    protected WhenChain When(Bool condition, Action then, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => BeginWhen(condition, then, new(file, line));

    /// <summary>
    /// Dispatches on an enum value: <c>Switch(state).Is(Phase.Idle, () =&gt; ...).Is([Phase.Load, Phase.Run], ...).Default(...)</c>.
    /// A switch that lists every member needs no Default; one that misses a member without a Default is a design error.
    /// </summary>
    protected SwitchChain<TEnum> Switch<TEnum>(EnumValue<TEnum> subject, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where TEnum : struct, System.Enum
    {
        var chain = new SwitchChain<TEnum>(this, subject, new(file, line));
        Switches.Add(chain.Coverage);
        return chain;
    }

    /// <summary>A C# enum as a hardware type, e.g. for a state register: <c>Reg(Enum&lt;Phase&gt;(), Phase.Idle)</c>.</summary>
    protected static EnumType<TEnum> Enum<TEnum>() where TEnum : struct, System.Enum => EnumType<TEnum>.Instance;

    /// <summary>A register of an enum type that resets to <paramref name="reset"/>.</summary>
    protected EnumValue<TEnum> Reg<TEnum>(EnumType<TEnum> type, TEnum reset, Bool? enable = null, ClockDomain? domain = null, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where TEnum : struct, System.Enum
    {
        var value = Reg(type, Convert.ToInt64(reset, System.Globalization.CultureInfo.InvariantCulture), enable, domain, name, null, file, line);
        value.Net!.Register!.ResetName = (NamedConst)EnumValue<TEnum>.Of(reset).Expr;
        return value;
    }

    internal WhenChain BeginWhen(Bool condition, Action then, SourceLocation location)
    {
        var node = new When(condition.Expr, location);
        Record(node);
        var chain = new WhenChain(this, node, [.. conditions]);
        chain.Run(node.Then, [condition.Expr], then);
        return chain;
    }

    /// <summary>
    /// Reads <paramref name="value"/> on purpose without using all of it — the fields of an instruction word
    /// that one decoder does not need, an output a design has no use for — so that Verilator's
    /// UNUSEDSIGNAL lint stays quiet about exactly these bits and keeps reporting every other.
    /// </summary>
    protected void Unused(Signal value, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        var net = AddNet(NetKind.Wire, value.Shape, location);
        net.IsUnusedSink = true;
        net.Name = name ?? "unused";
        net.HasName = true;
        Record(new Connect(net, value.Expr, location));
    }

    /// <summary>This module's clock of <paramref name="domain"/>, e.g. for the CLK pin of a vendor primitive.</summary>
    protected Bool Clock(ClockDomain? domain = null)
    {
        var d = domain ?? Domain;
        UseDomain(d);
        return new Bool(clockPorts[d]);
    }

    /// <summary>This module's reset of <paramref name="domain"/> as a signal, with the domain's polarity.</summary>
    protected Bool Reset(ClockDomain? domain = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var d = domain ?? Domain;
        UseReset(d);
        return resetPorts.TryGetValue(d, out var net) ? new Bool(net) : throw new HdlException($"clock domain '{d.Name}' has no reset", new(file, line));
    }

    /// <summary>
    /// Brings a bit from another clock domain into <paramref name="to"/> through a chain of
    /// <paramref name="stages"/> registers marked ASYNC_REG: the declared synchronizer the crossing check accepts.
    /// </summary>
    protected Bool Synchronize(Bool input, ClockDomain to, int stages = 2, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (stages < 2)
            throw new HdlException($"a synchronizer needs at least 2 stages, not {stages}", new(file, line));
        var current = input;
        for (var i = 0; i < stages; i++)
        {
            var stage = Reg(Bool(), domain: to, name: name is null ? null : $"{name}_sync{i}", file: file, line: line);
            stage.Net!.Register!.IsSynchronizerStage = true;
            stage.Net.Register.IsSynchronizerInput = i == 0;
            stage.Net.Attributes["ASYNC_REG"] = "TRUE";
            stage.ConnectFrom(current, new(file, line));
            current = stage;
        }
        return current;
    }

    /// <summary>Requests a package pin and I/O standard for a top-level port (written to the XDC).</summary>
    protected void Pin(Signal port, string? pin = null, string? ioStandard = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        if (port.Net is not { IsPort: true } net || !ReferenceEquals(net.Owner, this))
            throw new HdlException("Pin needs a port of this module", location);
        if (pin is not null && net.Width > 1)
            throw new HdlException($"one package pin cannot carry the {net.Width}-bit port '{net.Name}'; request a pin per bit of a Vec of Bools", location);
        pins.Add((net, pin, ioStandard, location));
    }

    /// <summary>
    /// Places an instance (this module's, or one below it) in a pblock of the given site ranges, e.g.
    /// <c>CLOCKREGION_X0Y0:CLOCKREGION_X1Y2</c> (written to the XDC: create_pblock, add_cells_to_pblock, resize_pblock).
    /// </summary>
    protected void Pblock(Module instance, IReadOnlyList<string> ranges, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        if (instance.Parent is null)
            throw new HdlException($"{instance.ModuleName} is not instantiated yet; pass it through Instance(...) before placing it", location);
        if (ranges.Count == 0 || ranges.Any(r => string.IsNullOrWhiteSpace(r) || r.Any(char.IsWhiteSpace)))
            throw new HdlException($"a pblock needs site ranges without spaces (such as CLOCKREGION_X0Y0:CLOCKREGION_X1Y2), not [{string.Join(", ", ranges)}]", location);
        pblocks.Add((instance, ranges, location));
    }

    // ---- internals used by signals, memories and elaboration ----

    internal Net AddNet(NetKind kind, Shape shape, SourceLocation location)
    {
        if (IsSealed)
            throw new HdlException($"{ModuleName} is already instantiated or elaborated; declare its hardware in its constructor", location);
        var net = new Net(kind, shape, location) { Owner = this };
        (kind is NetKind.Input or NetKind.Output ? ports : nets).Add(net);
        return net;
    }

    internal void Record(Statement statement)
    {
        if (IsSealed)
            throw new HdlException($"{ModuleName} is already instantiated or elaborated; its logic can no longer change", statement.Location);
        scope.Add(statement);
    }

    /// <summary>Records a statement at the module's top level, outside any When being described.</summary>
    internal void RecordUnconditional(Statement statement)
    {
        if (IsSealed)
            throw new HdlException($"{ModuleName} is already instantiated or elaborated; its logic can no longer change", statement.Location);
        body.Add(statement);
    }

    internal void UseDomain(ClockDomain domain)
    {
        if (domains.Contains(domain))
            return;
        var shared = domains.FirstOrDefault(d => d.ClockPort == domain.ClockPort);
        if (shared is not null && !shared.SharesClockWith(domain))
            throw new HdlException($"clock domains '{shared.Name}' and '{domain.Name}' both use clock port '{domain.ClockPort}' but at {shared.FrequencyMHz} and {domain.FrequencyMHz} MHz; give one its own clockPort", Location);
        domains.Add(domain);
        clockPorts[domain] = shared is null ? new Net(NetKind.Input, Shape.Bit, SourceLocation.Unknown) { Name = domain.ClockPort, HasName = true, ClockOf = domain, Owner = this } : clockPorts[shared];
    }

    /// <summary>Adds the reset port of <paramref name="domain"/>; only modules with reset registers (or such children) get one.</summary>
    internal void UseReset(ClockDomain domain)
    {
        UseDomain(domain);
        if (domain.ResetPort is not { } reset || resetPorts.ContainsKey(domain))
            return;
        // A falling-edge domain that shares a rising one's clock may share its reset port too.
        var shared = resetPorts.FirstOrDefault(r => r.Value.Name == reset).Value;
        if (shared is not null && shared.ResetOf!.Reset != domain.Reset)
            throw new HdlException($"clock domains '{shared.ResetOf.Name}' and '{domain.Name}' both use reset port '{reset}' with different reset kinds ({shared.ResetOf.Reset}, {domain.Reset})", Location);
        resetPorts[domain] = shared ?? new Net(NetKind.Input, Shape.Bit, SourceLocation.Unknown) { Name = reset, HasName = true, ResetOf = domain, Owner = this };
    }

    internal Expr PathCondition(Bool? enable, SourceLocation location)
    {
        var terms = enable is null ? conditions : [.. conditions, enable.Expr];
        return terms.Count == 0 ? new Const(1, Shape.Bit) : terms.Skip(1).Aggregate(terms[0], (a, b) => new BinaryExpr(BinaryOp.And, a, b, Shape.Bit));
    }

    internal Signal WrapNet(Shape shape, Net net) => shape.Signed ? new SInt(net) : shape.Width == 1 ? new Bool(net) : new UInt(net);

    internal void RunScoped(List<Statement> into, List<Expr> pathConditions, Action action)
    {
        var (savedScope, savedConditions) = (scope, conditions);
        (scope, conditions) = (into, pathConditions);
        try
        {
            action();
        }
        finally
        {
            (scope, conditions) = (savedScope, savedConditions);
        }
    }

    private T Declare<T>(HdlType<T> type, NetKind kind, string? name, SourceLocation location)
    {
        var value = type.Create(new NetFactory(this, kind, location));
        if (name is not null)
            NameValue(value, name);
        else if (kind == NetKind.Wire)
            RememberLocalName(value, location);
        return value;
    }

    /// <summary>Keeps the C# local a declaration is assigned to, for values no field or explicit name names (see <see cref="LocalNames"/>).</summary>
    internal void RememberLocalName(object? value, SourceLocation location)
    {
        if (value is null || LocalNames.Of(location) is not { } local)
            return;
        // In "var last = RegNext(mem.ReadAsync(a))" the inner call runs first: the local names the outermost, the last made.
        localNames.RemoveAll(n => n.Location == location);
        localNames.Add((value, local, location));
    }

    /// <summary>A name given at sealing, after fields and locals, for a value neither names (such as a memory's read data, named after the memory's final name).</summary>
    internal void NameLater(object value, Func<string> name) => laterNames.Add((value, name));

    /// <summary>Names every net under <paramref name="value"/> that has no name yet, with <paramref name="prefix"/> and field or index suffixes.</summary>
    internal void NameValue(object? value, string prefix)
    {
        switch (value)
        {
            case Signal { Net: { HasName: false } net } when ReferenceEquals(net.Owner, this):
                net.Name = prefix;
                net.HasName = true;
                break;
            case Bundle bundle:
                foreach (var property in bundle.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (property.GetIndexParameters().Length == 0 && property.DeclaringType != typeof(Bundle))
                        NameValue(property.GetValue(bundle), bundle.FieldPath(prefix, property.Name));
                }
                break;
            case Module child when ReferenceEquals(child.Parent, this) && child.InstanceName is null:
                child.InstanceName = prefix;
                break;
            case IMemoryHandle { Definition: var def }:
                if (!def.HasName)
                {
                    def.Name = prefix;
                    def.HasName = true;
                }
                break;
            case Array array when array.Rank > 1:
                var index = new int[array.Rank];
                foreach (var element in array)
                {
                    NameValue(element, $"{prefix}_{string.Join("_", index)}");
                    for (var d = array.Rank - 1; d >= 0 && ++index[d] == array.GetLength(d); d--)
                        index[d] = 0;
                }
                break;
            case IEnumerable sequence and not string:
                var i = 0;
                foreach (var element in sequence)
                    NameValue(element, $"{prefix}_{i++}");
                break;
        }
    }

    /// <summary>Finishes the module: names members after their C# names, then everything left by kind and line.</summary>
    internal void Seal()
    {
        if (IsSealed)
            return;
        for (var type = GetType(); type is not null && type != typeof(Module) && type != typeof(BlackBox); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                NameValue(field.GetValue(this), MemberName(field.Name));
        }
        foreach (var (value, local, _) in localNames)
            NameValue(value, local);
        foreach (var (value, later) in laterNames)
            NameValue(value, later());
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var net in clockPorts.Values.Concat(resetPorts.Values).Distinct())
            taken.Add(net.Name);
        for (var i = 0; i < children.Count; i++)
        {
            var child = children[i].Child;
            child.InstanceName = Unique(taken, child.InstanceName ?? $"{char.ToLowerInvariant(child.ModuleName[0])}{child.ModuleName[1..]}_{i}");
        }
        foreach (var memory in memories)
            memory.Name = Unique(taken, memory.Name);
        foreach (var net in ports.Concat(nets))
        {
            if (net.ChildPort is { } childPort)
                net.Name = $"{((Module)childPort.Owner!).InstanceName}_{childPort.Name}";
            else if (!net.HasName)
                net.Name = $"{FallbackPrefix(net.Kind)}_L{net.Location.Line}";
            net.Name = Unique(taken, net.Name);
        }
        IsSealed = true;
    }

    private static string MemberName(string fieldName)
        => fieldName.StartsWith('<') && fieldName.IndexOf('>') is var end and > 0 ? fieldName[1..end] : fieldName.TrimStart('_');

    private static string FallbackPrefix(NetKind kind) => kind switch
    {
        NetKind.Register => "reg",
        NetKind.MemoryReadData => "rdata",
        NetKind.Input => "in",
        NetKind.Output => "out",
        _ => "wire",
    };

    private static string Unique(HashSet<string> taken, string name) => VerilogNames.Unique(taken, name);
}

/// <summary>The rest of a When: <c>.ElseWhen(...)</c> and <c>.Otherwise(...)</c>.</summary>
public sealed class WhenChain
{
    private readonly Module module;
    private readonly List<Expr> outer;
    private readonly List<Expr> negated = [];
    private When last;

    internal WhenChain(Module module, When first, List<Expr> outer)
    {
        this.module = module;
        this.outer = outer;
        last = first;
    }

    public WhenChain ElseWhen(Bool condition, Action then, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        negated.Add(new UnaryExpr(UnaryOp.Not, last.Condition, Shape.Bit));
        var node = new When(condition.Expr, new(file, line));
        last.Else.Add(node);
        last = node;
        Run(node.Then, [condition.Expr], then);
        return this;
    }

    public void Otherwise(Action then)
    {
        negated.Add(new UnaryExpr(UnaryOp.Not, last.Condition, Shape.Bit));
        Run(last.Else, [], then);
    }

    internal void Run(List<Statement> into, List<Expr> extra, Action then) => module.RunScoped(into, [.. outer, .. negated, .. extra], then);
}
