using DiffAcc.Hdl;

namespace DiffAcc.Sim;

/// <summary>
/// One cycle's record of a design's inputs or outputs (see <see cref="PortLayout"/>), addressed by
/// the DSL's own port signals: <c>inputs.Set(dut.Valid, true)</c>, <c>outputs.Get(dut.Sum)</c>.
/// Values are bit patterns; signed ports read back sign-extended through <see cref="GetSigned"/>.
/// </summary>
public readonly ref struct PortRecord
{
    private readonly PortLayout layout;
    private readonly IReadOnlyList<SimPort> ports;
    private readonly Span<ulong> words;

    internal PortRecord(PortLayout layout, IReadOnlyList<SimPort> ports, Span<ulong> words)
    {
        this.layout = layout;
        this.ports = ports;
        this.words = words;
    }

    /// <summary>The same record, read-only.</summary>
    public ReadOnlyPortRecord AsReadOnly() => new(layout, ports, words);

    public ulong Get(Signal port) => AsReadOnly().Get(port);

    public bool Get(Bool port) => AsReadOnly().Get(port);

    public long GetSigned(SInt port) => AsReadOnly().GetSigned(port);

    /// <summary>Sets a port of at most 64 bits; bits past its width are dropped.</summary>
    public void Set(Signal port, ulong value)
    {
        var p = layout.Find(ports, port);
        words[p.Offset] = p.Width >= 64 ? value : value & ((1UL << p.Width) - 1);
    }

    public void Set(Bool port, bool value) => Set(port, value ? 1UL : 0UL);

    /// <summary>Sets a signed port from a C# integer (two's complement at the port's width).</summary>
    public void Set(SInt port, long value) => Set((Signal)port, (ulong)value);
}

/// <summary>A read-only <see cref="PortRecord"/>: the inputs a C# model is given, or the outputs an observer sees.</summary>
public readonly ref struct ReadOnlyPortRecord
{
    private readonly PortLayout layout;
    private readonly IReadOnlyList<SimPort> ports;
    private readonly ReadOnlySpan<ulong> words;

    internal ReadOnlyPortRecord(PortLayout layout, IReadOnlyList<SimPort> ports, ReadOnlySpan<ulong> words)
    {
        this.layout = layout;
        this.ports = ports;
        this.words = words;
    }

    public ulong Get(Signal port) => words[layout.Find(ports, port).Offset];

    public bool Get(Bool port) => Get((Signal)port) != 0;

    public long GetSigned(SInt port) => IrSim.IrSimulator.SignExtend(Get((Signal)port), port.Width);
}

/// <summary>Fills one cycle's inputs; values set in earlier cycles hold until set again.</summary>
public delegate void StimulusScript(long cycle, PortRecord inputs);

/// <summary>
/// A stimulus written as C# against the design's own signals, shared by every simulator that takes
/// an <see cref="IStimulus"/> (Verilator co-simulation, Icarus, the IR simulator's <c>Run</c>):
/// <code>new ScriptedStimulus(design, (cycle, inputs) =&gt; inputs.Set(dut.Start, cycle == 3))</code>
/// </summary>
public sealed class ScriptedStimulus : IStimulus
{
    private readonly PortLayout layout;
    private readonly StimulusScript script;
    private readonly ulong[] held;

    public ScriptedStimulus(Hdl.Ir.Design design, StimulusScript script)
    {
        layout = new PortLayout(design);
        this.script = script;
        held = new ulong[layout.InputWords];
    }

    public void Fill(long cycle, Span<ulong> inputs)
    {
        held.CopyTo(inputs);
        script(cycle, layout.InputRecord(inputs));
        inputs[..held.Length].CopyTo(held);
    }
}

/// <summary>Sees one cycle's inputs and outputs, addressed by the design's own signals.</summary>
public delegate void ObserverScript(long cycle, ReadOnlyPortRecord inputs, ReadOnlyPortRecord outputs);

/// <summary>An <see cref="ICycleObserver"/> written as C# against the design's own signals.</summary>
public sealed class ScriptedObserver(Hdl.Ir.Design design, ObserverScript script) : ICycleObserver
{
    private readonly PortLayout layout = new(design);

    public void Observe(long cycle, ReadOnlySpan<ulong> inputs, ReadOnlySpan<ulong> outputs)
        => script(cycle, layout.ReadInputs(inputs), layout.ReadOutputs(outputs));
}
