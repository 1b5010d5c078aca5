using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Regression;

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
            var code = Wire(UInt(3), name: "code");
            Switch(state)
                .Is(Phase.Idle, () => code.Assign(Lit(1, 3)))
                .Is(Phase.Load, () => code.Assign(Count[2, 0]))
                .Default(() => code.Assign(Lit(7, 3)));
            Code = Output(UInt(3));
            Code.Assign(code);
            Busy.Assign(state != Phase.Idle);
            Current.Assign(state);
        }

        public Bool Start { get; }

        public Bool Ready { get; }

        public UInt Count { get; }

        public Bool Busy { get; }

        public UInt Code { get; }

        public EnumValue<Phase> Current { get; }
    }

    [Fact]
    public void The_verilog_names_every_state_with_a_localparam_and_dispatches_with_case()
    {
        var verilog = HdlFlow.For(() => new Sequencer()).Run().ThrowIfFailed().Verilog.Single(f => f.Name == "Sequencer.v").Text;
        Assert.Contains("localparam [1:0] Phase_Idle = 2'd0;", verilog, StringComparison.Ordinal);
        Assert.Contains("localparam [1:0] Phase_Drain = 2'd3;", verilog, StringComparison.Ordinal);
        Assert.Contains("""
                  case (state)
                    Phase_Idle:
                      if (Start)
                        state <= Phase_Load;
                    Phase_Load: state <= Phase_Run;
                    Phase_Run:
                      if (left == 4'd0)
                        state <= Phase_Drain;
                    default:
                      if (Ready)
                        state <= Phase_Idle;
                  endcase
            """, verilog, StringComparison.Ordinal);
        Assert.Contains("""
                case (state)
                  Phase_Idle: code = 3'd1;
                  Phase_Load: code = Count[2:0];
                  default: code = 3'd7;
                endcase
            """, verilog, StringComparison.Ordinal);
        Assert.Contains("always @* begin", verilog, StringComparison.Ordinal);
        Assert.Contains("reg [2:0] code;", verilog, StringComparison.Ordinal);
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
    public void GTKWave_shows_the_state_names_through_a_translate_filter()
    {
        var design = HdlFlow.For(() => new Sequencer()).Run().ThrowIfFailed().Design;
        var vcd = Path.Combine(Path.GetTempPath(), "fsm", "run.vcd");
        var filterPath = Path.Combine(Path.GetTempPath(), "fsm", "Phase.gtkw-filter");
        var save = GtkWaveSaveFile.For(design, vcd);
        Assert.Contains($"@2022\n^1 {filterPath}\nTOP.Sequencer.state[1:0]\n@22\n", save, StringComparison.Ordinal);
        Assert.Contains($"^1 {filterPath}\nTOP.Sequencer.Current[1:0]\n", save, StringComparison.Ordinal);
        Assert.Contains("@22\nTOP.Sequencer.left[3:0]\n", save, StringComparison.Ordinal);
        var filter = Assert.Single(GtkWaveSaveFile.TranslateFilters(design, vcd));
        Assert.Equal(filterPath, filter.Key);
        Assert.Equal(["0 Idle", "1 Load", "2 Run", "3 Drain"], filter.Value.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')));
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
