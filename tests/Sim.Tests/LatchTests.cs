using DiffAcc.Hdl;
using DiffAcc.Hdl.Checks;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Synthesis;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// Latches on purpose: <c>Latch(...)</c> passes the latch check that still refuses an accidental one,
/// prints as an <c>always @*</c> block, is transparent while its condition holds in both simulators,
/// and Yosys maps it to LDCE.
/// </summary>
public sealed class LatchTests
{
    /// <summary>A D latch with a second, higher-priority load condition, and a register after it.</summary>
    private sealed class GatedLatch : Module
    {
        public GatedLatch(bool deliberate = true)
        {
            Gate = Input(Bool());
            Preset = Input(Bool());
            D = Input(UInt(8));
            Q = Output(UInt(8));
            Later = Output(UInt(8));
            var held = deliberate ? Latch(UInt(8), name: "held") : Wire(UInt(8), name: "held");
            When(Preset, () => held.Assign(0xA5)).ElseWhen(Gate, () => held.Assign(D)); // @mark latch
            Q.Assign(held);
            Later.Assign(RegNext(held, name: "later_reg"));
        }

        public Bool Gate { get; }

        public Bool Preset { get; }

        public UInt D { get; }

        public UInt Q { get; }

        public UInt Later { get; }
    }

    [Fact]
    public void A_deliberate_latch_passes_the_checks_and_an_accidental_one_does_not()
    {
        var result = HdlFlow.For(() => new GatedLatch()).Run().ThrowIfFailed();
        var verilog = result.Verilog.Single(f => f.Name == "GatedLatch.v").Text;
        Assert.Contains("reg [7:0] held;", verilog, StringComparison.Ordinal);
        Assert.Contains("always @* begin", verilog, StringComparison.Ordinal);
        Assert.Contains("if (Preset | Gate)", verilog, StringComparison.Ordinal);
        Assert.Contains("held = Preset ? 8'd165 : D;", verilog, StringComparison.Ordinal);
        var accidental = HdlFlow.For(() => new GatedLatch(deliberate: false)).Run();
        var error = Assert.Single(accidental.Diagnostics, d => d.Check == nameof(LatchCheck));
        Assert.Contains("latch: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(SourceMarker.Line("latch"), error.Location.Line);
    }

    [Fact]
    public void The_latch_is_transparent_while_enabled_and_holds_otherwise()
    {
        var dut = new GatedLatch();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        sim.Poke(dut.D, 7);
        sim.Poke(dut.Gate, true);
        sim.Eval();
        Assert.Equal(7UL, sim.Peek(dut.Q));
        sim.Poke(dut.D, 9);
        sim.Eval();
        Assert.Equal(9UL, sim.Peek(dut.Q));
        sim.Poke(dut.Gate, false);
        sim.Poke(dut.D, 3);
        sim.Tick();
        Assert.Equal(9UL, sim.Peek(dut.Q));
        Assert.Equal(9UL, sim.Peek(dut.Later));
        sim.Poke(dut.Preset, true);
        sim.Eval();
        Assert.Equal(0xA5UL, sim.Peek(dut.Q));
    }

    [Fact]
    public async Task Verilator_and_the_ir_simulator_agree_on_random_stimulus()
        => await SimulatorsAgree.OnRandomStimulusAsync(() => new GatedLatch(), 9, 2000);

    [Fact]
    public async Task Yosys_maps_it_to_LDCE()
    {
        var passes = new List<string>();
        var report = await YosysSynthesis.For(HdlFlow.For(() => new GatedLatch()).Run()).WithProgress(new Recorded(passes)).RunAsync();
        Assert.True(report.Cells.GetValueOrDefault("LDCE") + report.Cells.GetValueOrDefault("LDPE") == 8, string.Join(", ", report.Cells.Select(c => $"{c.Key} {c.Value}")));
        // The status line of a long synthesis follows Yosys's passes, in order.
        Assert.Contains("SYNTH_XILINX pass", passes);
        Assert.True(passes.IndexOf("SYNTH_XILINX pass") < passes.FindIndex(p => p.StartsWith("ABC", StringComparison.Ordinal)), string.Join(" | ", passes.Take(20)));
    }

    private sealed class Recorded(List<string> passes) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (passes)
                passes.Add(value);
        }
    }
}
