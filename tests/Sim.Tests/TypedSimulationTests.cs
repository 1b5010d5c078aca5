using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// The IR simulator addressed by the DSL's own signal objects: the module object a design was built
/// from gives its ports, so a test reads like the hardware (<c>sim.Poke(dut.Up, true)</c>), and a
/// signal that is not a port of the simulated top is refused by name.
/// </summary>
public sealed class TypedSimulationTests
{
    private sealed class UpDownCounter : Module
    {
        public UpDownCounter()
        {
            Up = Input(Bool());
            Load = Input(Bool());
            Value = Input(SInt(6));
            Count = Output(SInt(6));
            Zero = Output(Bool());
            var count = Reg(SInt(6), reset: 0, name: "count");
            When(Load, () => count.Assign(Value)).ElseWhen(Up, () => count.Assign(count.AddWrap(1)));
            Count.Assign(count);
            Zero.Assign(count == 0);
            Internal = count;
        }

        public Bool Up { get; }

        public Bool Load { get; }

        public SInt Value { get; }

        public SInt Count { get; }

        public Bool Zero { get; }

        public SInt Internal { get; }
    }

    [Fact]
    public void Ports_are_poked_and_peeked_by_their_signals_with_their_types()
    {
        var dut = new UpDownCounter();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        sim.Poke(dut.Value, unchecked((ulong)-3) & 0x3F);
        sim.Poke(dut.Load, true);
        sim.Tick();
        sim.Poke(dut.Load, false);
        Assert.Equal(-3L, sim.Peek(dut.Count));
        Assert.False(sim.Peek(dut.Zero));
        sim.Poke(dut.Up, true);
        sim.Tick();
        sim.Tick();
        sim.Tick();
        Assert.Equal(0L, sim.Peek(dut.Count));
        Assert.True(sim.Peek(dut.Zero));
        Assert.True(sim.Peek(dut.Up));
    }

    [Fact]
    public void A_signal_that_is_not_a_port_of_the_top_is_refused_by_name()
    {
        var dut = new UpDownCounter();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var e = Assert.Throws<ArgumentException>(() => sim.Peek(dut.Internal));
        Assert.Contains("'count: SInt<6>' is not an input of the simulated top", e.Message, StringComparison.Ordinal);
        var poke = Assert.Throws<ArgumentException>(() => sim.Poke(dut.Count, 1));
        Assert.Contains("is not an input of the simulated top; its inputs: ", poke.Message, StringComparison.Ordinal);
    }

    /// <summary>Loads -3 in cycle 2 and counts up from cycle 4 on (the reset, never set, stays low).</summary>
    private static StimulusScript Script(UpDownCounter dut) => (cycle, inputs) =>
    {
        inputs.Set(dut.Load, cycle == 2);
        inputs.Set(dut.Value, -3L);
        inputs.Set(dut.Up, cycle >= 4);
    };

    [Fact]
    public async Task One_typed_script_drives_Verilator_and_the_IR_simulator_alike()
    {
        var dut = new UpDownCounter();
        var design = HdlFlow.For(() => dut).Run().ThrowIfFailed();
        IStimulus Stimulus() => new ScriptedStimulus(design.Design, (cycle, inputs) => Script(dut)(cycle, inputs));
        var seen = new List<long>();
        var observer = new ScriptedObserver(design.Design, (cycle, inputs, outputs) => seen.Add(outputs.GetSigned(dut.Count)));
        var verilator = await Verilator.VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(verilator).WithStimulus(Stimulus()).WithObserver(observer).WithModel(new IrSimulator(design.Design)).WithCycles(10).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches));
        Assert.Equal([0, 0, 0, -3, -3, -2, -1, 0, 1, 2], seen);
        var ir = new List<long>();
        new IrSimulator(design.Design).Run(Stimulus(), 10, new ScriptedObserver(design.Design, (cycle, inputs, outputs) => ir.Add(outputs.GetSigned(dut.Count))));
        Assert.Equal(seen, ir);
    }

    [Fact]
    public void A_record_refuses_a_signal_that_is_not_one_of_its_ports()
    {
        var dut = new UpDownCounter();
        var layout = new PortLayout(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var e = Assert.Throws<ArgumentException>(() => layout.Input(dut.Count));
        Assert.Contains("'Count' (6 bits) is not a port of the simulated top in this record", e.Message, StringComparison.Ordinal);
    }
}
