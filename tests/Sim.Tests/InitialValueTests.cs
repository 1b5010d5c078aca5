using DiffAcc.Hdl;
using DiffAcc.Sim.Icarus;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// Registers with a power-up value (<c>Reg(..., init: v)</c>) and no reset: a counter that starts at 1
/// and the dual-edge flip-flop that needs both of its registers defined from the start. The IR simulator,
/// Verilator and Icarus start them there and agree cycle for cycle; the Verilog declares the value.
/// </summary>
public sealed class InitialValueTests
{
    private static readonly ClockDomain Falling = new("sys_fall", 300, ResetKind.SyncActiveHigh, clockPort: "clk", resetPort: "rst", edge: ClockEdge.Falling);

    private sealed class PowerUp : Module
    {
        public PowerUp()
        {
            D = Input(Bool());
            Count = Output(UInt(2));
            Q = Output(Bool());
            Pattern = Output(UInt(8));
            var count = Reg(UInt(2), name: "count", init: 1);
            count.Assign(count.AddWrap(1));
            Count.Assign(count);
            var onRise = Reg(Bool(), name: "on_rise", init: 0);
            var onFall = Reg(Bool(), domain: Falling, name: "on_fall", init: 0);
            onRise.Assign(D ^ onFall);
            onFall.Assign(D ^ onRise);
            Q.Assign(onRise ^ onFall);
            var pattern = Reg(UInt(8), name: "pattern", init: 0xA5);
            pattern.Assign(Cat(pattern[6, 0], pattern[7]));
            Pattern.Assign(pattern);
        }

        public Bool D { get; }

        public UInt Count { get; }

        public Bool Q { get; }

        public UInt Pattern { get; }
    }

    [Fact]
    public async Task Every_simulator_starts_the_registers_at_their_power_up_values()
    {
        var dut = new PowerUp();
        var design = HdlFlow.For(() => dut).Run().ThrowIfFailed();
        var verilog = design.Verilog.Single(f => f.Name == "PowerUp.v").Text;
        Assert.Contains("reg [1:0] count = 2'd1;", verilog, StringComparison.Ordinal);
        Assert.Contains("reg [7:0] pattern = 8'd165;", verilog, StringComparison.Ordinal);

        var ir = new IrSimulator(design.Design);
        ir.Eval();
        Assert.Equal(1UL, ir.Peek(dut.Count));
        Assert.Equal(0xA5UL, ir.Peek(dut.Pattern));

        await SimulatorsAgree.OnRandomStimulusAsync(() => new PowerUp(), seed: 3, cycles: 500);
        var icarus = await IcarusSimulation.Of(HdlFlow.For(() => new PowerUp()).Run().ThrowIfFailed()).WithStimulus(new RandomStimulus(design.Design, 3)).WithModel(new IrSimulator(design.Design)).WithCycles(500).RunAsync();
        Assert.True(icarus.Passed && icarus.ComparedWords > 0, string.Join("\n", icarus.Mismatches));
    }

    private sealed class TooWide : Module
    {
        public TooWide()
        {
            var r = Reg(UInt(2), init: 4); // @mark too-wide
            r.Assign(r);
            Output(UInt(2), "q").Assign(r);
        }
    }

    [Fact]
    public void A_power_up_value_that_does_not_fit_is_an_error_at_its_line()
    {
        var error = Assert.Throws<HdlException>(() => HdlFlow.For(() => new TooWide()).Run().ThrowIfFailed());
        Assert.Contains("initial value 4 does not fit in", error.Message, StringComparison.Ordinal);
        Assert.Contains($"InitialValueTests.cs:{SourceMarker.Line("too-wide")}", error.Message, StringComparison.Ordinal);
    }
}
