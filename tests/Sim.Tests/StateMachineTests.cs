using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// A finite-state machine with a C# enum as its state: <c>Switch</c>/<c>Is</c> in C#, named
/// localparams in the Verilog, the same behaviour under the IR simulator and Verilator, lint-clean.
/// </summary>
public sealed class StateMachineTests
{
    public enum Phase
    {
        Idle,
        Load,
        Run,
        Drain,
    }

    /// <summary>Starts on Start, loads for one cycle, runs Count cycles, drains until Ready, then idles.</summary>
    private sealed class Sequencer : Module
    {
        public Sequencer(bool twice = false)
        {
            Start = Input(Bool());
            Ready = Input(Bool());
            Count = Input(UInt(4));
            Busy = Output(Bool());
            Current = Output(Enum<Phase>());
            var state = Reg(Enum<Phase>(), Phase.Idle, name: "state");
            var left = Reg(UInt(4), reset: 0, name: "left");
            var chain = Switch(state)
                .Is(Phase.Idle, () => When(Start, () => state.Assign(Phase.Load)))
                .Is(Phase.Load, () =>
                {
                    left.Assign(Count);
                    state.Assign(Phase.Run);
                })
                .Is(Phase.Run, () =>
                {
                    left.Assign(left.SubWrap(1));
                    When(left == 0, () => state.Assign(Phase.Drain));
                });
            if (twice)
                chain.Is(Phase.Run, () => { }); // @mark twice
            chain.Default(() => When(Ready, () => state.Assign(Phase.Idle)));
            Busy.Assign(state != Phase.Idle);
            Current.Assign(state);
        }

        public Bool Start { get; }

        public Bool Ready { get; }

        public UInt Count { get; }

        public Bool Busy { get; }

        public EnumValue<Phase> Current { get; }
    }

    [Fact]
    public void The_verilog_names_every_state_with_a_localparam()
    {
        var verilog = HdlFlow.For(() => new Sequencer()).Run().ThrowIfFailed().Verilog.Single(f => f.Name == "Sequencer.v").Text;
        Assert.Contains("localparam [1:0] Phase_Idle = 2'd0;", verilog, StringComparison.Ordinal);
        Assert.Contains("localparam [1:0] Phase_Drain = 2'd3;", verilog, StringComparison.Ordinal);
        Assert.Contains("assign state_eq_2 = state == Phase_Run;", verilog, StringComparison.Ordinal);
        Assert.Contains("state <= Phase_Idle;", verilog, StringComparison.Ordinal);
        Assert.Contains("Phase_Load", verilog, StringComparison.Ordinal);
        Assert.Equal(1, verilog.Split("2'd2").Length - 1);
    }

    [Fact]
    public void It_steps_through_its_states_in_the_ir_simulator()
    {
        var dut = new Sequencer();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var trace = new List<Phase>();
        sim.Poke(dut.Count, 2);
        sim.Poke(dut.Start, true);
        for (var cycle = 0; cycle < 8; cycle++)
        {
            sim.Poke(dut.Ready, cycle == 6);
            sim.Tick();
            trace.Add((Phase)sim.Peek(dut.Current));
            sim.Poke(dut.Start, false);
        }
        Assert.Equal([Phase.Load, Phase.Run, Phase.Run, Phase.Run, Phase.Drain, Phase.Drain, Phase.Idle, Phase.Idle], trace);
    }

    [Fact]
    public async Task Verilator_agrees_and_lints_it_clean()
    {
        var design = await SimulatorsAgree.OnRandomStimulusAsync(() => new Sequencer(), 4, 3000);
        var folder = Directory.CreateTempSubdirectory("diffacc-fsm-").FullName;
        design.WriteTo(folder, folder);
        var lint = await Cli.Wrap("verilator").WithArguments(["--lint-only", "-Wall", "Sequencer.v"]).WithWorkingDirectory(folder).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(lint.ExitCode == 0 && !lint.StandardError.Contains('%'), lint.StandardError);
    }

    [Fact]
    public void A_state_listed_twice_names_the_line()
    {
        var e = Assert.Throws<HdlException>(() => HdlFlow.For(() => new Sequencer(twice: true)).Run());
        Assert.Contains("Phase.Run is already a case of this Switch", e.Message, StringComparison.Ordinal);
        var line = SourceMarker.Line("twice");
        Assert.Contains($"StateMachineTests.cs:{line}:", e.Message, StringComparison.Ordinal);
    }
}
