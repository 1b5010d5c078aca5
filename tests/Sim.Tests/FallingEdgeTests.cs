using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// Falling-edge domains sharing the rising domain's clock and reset: half-cycle paths both ways, a
/// memory written on the falling edge, a counter of both edges and the dual-edge flip-flop built
/// from one register per edge. The IR simulator and Verilator agree; the Verilog uses negedge.
/// </summary>
public sealed class FallingEdgeTests
{
    private static readonly ClockDomain Falling = new("sys_fall", 300, ResetKind.SyncActiveHigh, clockPort: "clk", resetPort: "rst", edge: ClockEdge.Falling);

    private sealed class HalfCycle : Module
    {
        public HalfCycle()
        {
            In = Input(UInt(8));
            D = Input(Bool());
            Address = Input(UInt(3));
            Back = Output(UInt(8));
            Edges = Output(UInt(8));
            Q = Output(Bool());
            Word = Output(UInt(8));
            var rise = Reg(UInt(8), reset: 0, name: "rise");
            rise.Assign(In);
            // Takes the value the rising edge of the same cycle gave rise.
            var fall = Reg(UInt(8), reset: 0, domain: Falling, name: "fall");
            fall.Assign(rise.AddWrap(1));
            var back = Reg(UInt(8), reset: 0, name: "back");
            back.Assign(fall);
            Back.Assign(back);
            var up = Reg(UInt(8), reset: 0, name: "up");
            up.Assign(up.AddWrap(1));
            var down = Reg(UInt(8), reset: 0, domain: Falling, name: "down");
            down.Assign(down.AddWrap(1));
            Edges.Assign(up.AddWrap(down));
            // The dual-edge flip-flop: each edge's register stores D relative to the other, their XOR is D.
            var onRise = Reg(Bool(), name: "on_rise");
            var onFall = Reg(Bool(), domain: Falling, name: "on_fall");
            onRise.Assign(D ^ onFall);
            onFall.Assign(D ^ onRise);
            Q.Assign(onRise ^ onFall);
            var words = Mem(UInt(8), 8, name: "words");
            words.Write(Address, fall, domain: Falling);
            Word.Assign(words.ReadAsync(Address, name: "word"));
        }

        public UInt In { get; }

        public Bool D { get; }

        public UInt Address { get; }

        public UInt Back { get; }

        public UInt Edges { get; }

        public Bool Q { get; }

        public UInt Word { get; }
    }

    private sealed class TwoFrequencies : Module
    {
        public TwoFrequencies()
        {
            var q = Output(UInt(4), name: "q");
            var r = Reg(UInt(4), domain: new ClockDomain("slow", 100, ResetKind.None, clockPort: "clk", edge: ClockEdge.Falling), name: "r");
            r.Assign(r.AddWrap(1));
            var s = Reg(UInt(4), name: "s");
            s.Assign(s.AddWrap(1));
            q.Assign(r ^ s);
        }
    }

    [Fact]
    public async Task Verilator_agrees_and_the_verilog_uses_negedge()
    {
        var design = await SimulatorsAgree.OnRandomStimulusAsync(() => new HalfCycle(), 21, 3000);
        var verilog = design.Verilog.Single(f => f.Name == "HalfCycle.v").Text;
        Assert.Contains("always @(negedge clk) begin", verilog, StringComparison.Ordinal);
        Assert.Contains("always @(posedge clk) begin", verilog, StringComparison.Ordinal);
        Assert.Single(design.Design.Top.Ports, p => p.Name == "clk");
        Assert.Single(design.Design.Top.Ports, p => p.Name == "rst");
    }

    [Fact]
    public void Both_edges_count_and_the_falling_edge_sees_the_rising_edges_value()
    {
        var dut = new HalfCycle();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        sim.Poke(dut.In, 41);
        sim.Poke(dut.D, true);
        sim.Tick();
        Assert.Equal(2UL, sim.Peek(dut.Edges));
        Assert.True(sim.Peek(dut.Q));
        sim.Tick();
        Assert.Equal(42UL, sim.Peek(dut.Back));
        Assert.Equal(4UL, sim.Peek(dut.Edges));
        sim.Poke(dut.D, false);
        sim.Tick();
        Assert.False(sim.Peek(dut.Q));
    }

    [Fact]
    public void Domains_on_one_clock_port_at_two_frequencies_name_the_port()
    {
        var e = Assert.Throws<HdlException>(() => HdlFlow.For(() => new TwoFrequencies()).Run());
        Assert.Contains("both use clock port 'clk' but at 100 and 300 MHz", e.Message, StringComparison.Ordinal);
    }
}
