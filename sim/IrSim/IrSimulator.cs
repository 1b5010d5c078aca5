using System.Numerics;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Analysis;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Sim.IrSim;

/// <summary>
/// An in-process, two-state, cycle-based simulator of the hdl-dsl IR with the emitted Verilog's
/// semantics: for fast unit tests and as the second opinion in differential fuzzing. It reads the
/// same lowering the Verilog emitter prints (<see cref="ModuleLowering"/>). All clocks tick
/// together: rising-edge domains first, then falling-edge ones half a cycle later. Values of any
/// width: designs of at most 64 bits run on machine words, wider ones on big integers.
/// </summary>
public sealed class IrSimulator : ICycleModel
{
    private readonly IrEngine engine;
    private readonly int[] inputSlots;
    private readonly int[] outputSlots;

    public IrSimulator(Design design)
    {
        Layout = new PortLayout(design);
        var netlist = FlatNetlist.Build(design, m => ModuleLowering.Of(m).Drivers);
        engine = IrEngine.For(design, netlist, ModuleLowering.Of);
        inputSlots = [.. Layout.Inputs.Select(p => netlist.Id("", design.Top.Ports.First(n => n.Name == p.Name)))];
        outputSlots = [.. Layout.Outputs.Select(p => netlist.Id("", design.Top.Ports.First(n => n.Name == p.Name)))];
        engine.Eval();
    }

    public PortLayout Layout { get; }

    public long Cycle { get; private set; }

    /// <summary>Drives a top-level input with a bit pattern (bits past the port's width are dropped).</summary>
    public void Poke(string port, ulong value)
    {
        var index = IndexOf(Layout.Inputs, port);
        Span<ulong> words = stackalloc ulong[Layout.Inputs[index].Words];
        words[0] = value;
        engine.Set(inputSlots[index], words, Layout.Inputs[index].Width);
    }

    /// <summary>Drives a top-level input of any width; a negative value is taken as two's complement.</summary>
    public void Poke(string port, BigInteger value)
    {
        var index = IndexOf(Layout.Inputs, port);
        engine.Set(inputSlots[index], ToWords(value, Layout.Inputs[index].Words), Layout.Inputs[index].Width);
    }

    /// <summary>A top-level output's low 64 bits.</summary>
    public ulong Peek(string port)
    {
        var index = IndexOf(Layout.Outputs, port);
        Span<ulong> words = stackalloc ulong[Layout.Outputs[index].Words];
        engine.Get(outputSlots[index], words);
        return words[0];
    }

    /// <summary>A top-level output of any width, as its unsigned bit pattern.</summary>
    public BigInteger PeekWide(string port)
    {
        var index = IndexOf(Layout.Outputs, port);
        var words = new ulong[Layout.Outputs[index].Words];
        engine.Get(outputSlots[index], words);
        return FromWords(words);
    }

    /// <summary>Drives a top-level input given by the DSL's own signal (a port of the module object the design was built from).</summary>
    public void Poke(Signal port, ulong value) => Poke(PortName(port, Layout.Inputs, "input"), value);

    public void Poke(Signal port, BigInteger value) => Poke(PortName(port, Layout.Inputs, "input"), value);

    public void Poke(Bool port, bool value) => Poke(port, value ? 1UL : 0UL);

    /// <summary>A top-level output (or input) by its signal: the bit pattern, zero-extended.</summary>
    public ulong Peek(Signal port)
        => Layout.Outputs.Any(p => p.Name == port.Name) ? Peek(PortName(port, Layout.Outputs, "output")) : (ulong)(PeekWide(port) & ulong.MaxValue);

    /// <summary>A top-level output (or input) of any width by its signal, as its unsigned bit pattern.</summary>
    public BigInteger PeekWide(Signal port)
    {
        if (Layout.Outputs.Any(p => p.Name == port.Name))
            return PeekWide(PortName(port, Layout.Outputs, "output"));
        var index = IndexOf(Layout.Inputs, PortName(port, Layout.Inputs, "input"));
        var words = new ulong[Layout.Inputs[index].Words];
        engine.Get(inputSlots[index], words);
        return FromWords(words);
    }

    public bool Peek(Bool port) => Peek((Signal)port) != 0;

    /// <summary>A signed port's value, sign-extended (ports of at most 64 bits).</summary>
    public long Peek(SInt port) => port.Width > 64
        ? throw new ArgumentException($"'{port}' is {port.Width} bits wide; read it with PeekSigned", nameof(port))
        : SignExtend(Peek((Signal)port), port.Width);

    /// <summary>A signed port of any width, sign-extended.</summary>
    public BigInteger PeekSigned(SInt port)
    {
        var bits = PeekWide(port);
        return bits >= BigInteger.One << (port.Width - 1) ? bits - (BigInteger.One << port.Width) : bits;
    }

    /// <summary>Settles combinational logic for the current inputs and state (asynchronous resets act at once).</summary>
    public void Eval() => engine.Eval();

    /// <summary>One edge of every clock (rising, then falling where a domain uses it), then a settle.</summary>
    public void Tick()
    {
        engine.Tick();
        Cycle++;
    }

    /// <summary>Applies one cycle's inputs, records the outputs before the clock edge, then ticks.</summary>
    public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
    {
        for (var i = 0; i < inputSlots.Length; i++)
        {
            var port = Layout.Inputs[i];
            engine.Set(inputSlots[i], inputs.Slice(port.Offset, port.Words), port.Width);
        }
        engine.Eval();
        for (var i = 0; i < outputSlots.Length; i++)
        {
            var port = Layout.Outputs[i];
            engine.Get(outputSlots[i], outputs.Slice(port.Offset, port.Words));
        }
        Tick();
    }

    /// <summary>Runs <paramref name="cycles"/> cycles of <paramref name="stimulus"/> (from this simulator's current cycle), showing each cycle's outputs to <paramref name="observer"/>.</summary>
    public void Run(IStimulus stimulus, long cycles, ICycleObserver? observer = null)
    {
        var inputs = new ulong[Layout.InputWords];
        var outputs = new ulong[Layout.OutputWords];
        for (long i = 0; i < cycles; i++)
        {
            var cycle = Cycle;
            stimulus.Fill(cycle, inputs);
            Step(inputs, outputs);
            observer?.Observe(cycle, inputs, outputs);
        }
    }

    internal static long SignExtend(ulong value, int width) => width >= 64 ? (long)value : (long)(value << (64 - width)) >> (64 - width);

    private static ulong[] ToWords(BigInteger value, int count)
    {
        var words = new ulong[count];
        for (var w = 0; w < count; w++)
        {
            words[w] = (ulong)(value & ulong.MaxValue);
            value >>= 64;
        }
        return words;
    }

    private static BigInteger FromWords(ReadOnlySpan<ulong> words)
    {
        var value = BigInteger.Zero;
        for (var w = words.Length - 1; w >= 0; w--)
            value = (value << 64) | words[w];
        return value;
    }

    private static string PortName(Signal port, IReadOnlyList<SimPort> ports, string kind)
        => ports.Any(p => p.Name == port.Name && p.Width == port.Width) ? port.Name
            : throw new ArgumentException($"'{port}' is not an {kind} of the simulated top; its {kind}s: {string.Join(", ", ports.Select(p => p.Name))}", nameof(port));

    private static int IndexOf(IReadOnlyList<SimPort> ports, string name)
    {
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i].Name == name)
                return i;
        }
        throw new ArgumentException($"no such port '{name}'; ports: {string.Join(", ", ports.Select(p => p.Name))}", nameof(name));
    }
}
