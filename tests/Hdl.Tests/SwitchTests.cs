using DiffAcc.Hdl.Checks;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Hdl.Tests;

/// <summary>
/// <c>Switch</c> over an enum: a switch that lists every member is complete (no Default, no latch, a
/// <c>case</c> in the Verilog with several members on one arm), one that misses a member without a
/// Default is a located error, and a Default after every member is a located error.
/// </summary>
public sealed class SwitchTests
{
    public enum Light
    {
        Red,
        RedAmber,
        Green,
        Amber,
    }

    /// <summary>A wire and an output assigned in every case, no Default; a state register stepping through the members.</summary>
    private sealed class TrafficLight : Module
    {
        public TrafficLight()
        {
            Go = Input(Bool());
            Stop = Output(Bool());
            Current = Output(Enum<Light>());
            var state = Reg(Enum<Light>(), Light.Red, name: "state");
            var stop = Wire(Bool(), name: "stop");
            Switch(state)
                .Is(Light.Red, () =>
                {
                    stop.Assign(true);
                    When(Go, () => state.Assign(Light.RedAmber));
                })
                .Is([Light.RedAmber, Light.Amber], () =>
                {
                    stop.Assign(true);
                    When(state == Light.Amber, () => state.Assign(Light.Red)).Otherwise(() => state.Assign(Light.Green));
                })
                .Is(Light.Green, () =>
                {
                    stop.Assign(false);
                    When(!Go, () => state.Assign(Light.Amber));
                });
            Stop.Assign(stop);
            Current.Assign(state);
        }

        public Bool Go { get; }

        public Bool Stop { get; }

        public EnumValue<Light> Current { get; }
    }

    [Fact]
    public void A_switch_over_every_member_needs_no_default_and_prints_as_a_case()
    {
        var flow = HdlFlow.For(() => new TrafficLight()).Run();
        Assert.Empty(flow.Diagnostics);
        var verilog = flow.ThrowIfFailed().Verilog.Single(f => f.Name == "TrafficLight.v").Text;
        Assert.Contains("Light_RedAmber, Light_Amber:", verilog, StringComparison.Ordinal);
        Assert.Contains("case (state)", verilog, StringComparison.Ordinal);
        // A member's arm that keeps the state on some path is an if, as a person writes it, not `state <= Go ? ... : state`.
        Assert.Contains("        Light_Red:\n          if (Go)\n            state <= Light_RedAmber;\n", verilog, StringComparison.Ordinal);
        Assert.Contains("        default:\n          if (~Go)\n            state <= Light_Amber;\n", verilog, StringComparison.Ordinal);
        Assert.DoesNotContain(": state;", verilog, StringComparison.Ordinal);
        // The members in value order, as the enum lists them (by name they would read Amber, Green, Red, RedAmber).
        var members = verilog.Split('\n').Where(l => l.TrimStart().StartsWith("localparam", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^3]).ToList();
        Assert.Equal(["Light_Red", "Light_RedAmber", "Light_Green", "Light_Amber"], members);

        var dut = new TrafficLight();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var trace = new List<(Light, bool)>();
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        foreach (var go in new[] { false, true, true, true, true, false, false, false })
        {
            sim.Poke(dut.Go, go);
            sim.Eval();
            trace.Add(((Light)sim.Peek(dut.Current), sim.Peek(dut.Stop)));
            sim.Tick();
        }
        Assert.Equal([(Light.Red, true), (Light.Red, true), (Light.RedAmber, true), (Light.Green, false), (Light.Green, false), (Light.Green, false), (Light.Amber, true), (Light.Red, true)], trace);
    }

    private sealed class Partial : Module
    {
        public Partial()
        {
            var state = Input(Enum<Light>(), "state");
            var y = Output(UInt(2), "y");
            Switch(state) // @mark partial
                .Is(Light.Red, () => y.Assign(1))
                .Is([Light.Green, Light.Amber], () => y.Assign(2));
        }
    }

    [Fact]
    public void A_switch_that_misses_a_member_without_a_default_is_an_error_at_the_switch()
    {
        var diagnostics = HdlFlow.For(() => new Partial()).Run().Diagnostics;
        var missing = Assert.Single(diagnostics, d => d.Check == nameof(SwitchCoverageCheck));
        Assert.Equal(SourceMarker.Line("partial"), missing.Location.Line);
        Assert.EndsWith("SwitchTests.cs", missing.Location.FilePath, StringComparison.Ordinal);
        Assert.Contains("has no case for RedAmber and no Default", missing.Message, StringComparison.Ordinal);
    }

    private sealed class DefaultAfterEveryMember : Module
    {
        public DefaultAfterEveryMember()
        {
            var state = Input(Enum<Light>(), "state");
            var y = Output(UInt(2), "y");
            Switch(state)
                .Is([Light.Red, Light.RedAmber], () => y.Assign(1))
                .Is([Light.Green, Light.Amber], () => y.Assign(2))
                .Default(() => y.Assign(3)); // @mark default
        }
    }

    [Fact]
    public void A_default_after_every_member_is_an_error_at_its_line()
    {
        var error = Assert.Throws<HdlException>(() => HdlFlow.For(() => new DefaultAfterEveryMember()).Run());
        Assert.Equal(SourceMarker.Line("default"), error.Location.Line);
        Assert.Contains("the Default would never apply", error.Message, StringComparison.Ordinal);
    }

    private sealed class Decoder : Module
    {
        public Decoder()
        {
            var state = Input(Enum<Light>(), "state");
            var y = Output(UInt(2), "y");
            Switch(state)
                .Is([Light.Red, Light.RedAmber], () => y.Assign(1))
                .Is(Light.Green, () => y.Assign(2))
                .Is(Light.Amber, () => y.Assign(3));
        }
    }

    [Fact]
    public void An_output_a_switch_drives_is_a_reg_set_in_an_always_case()
    {
        var verilog = HdlFlow.For(() => new Decoder()).Run().ThrowIfFailed().Verilog.Single(f => f.Name == "Decoder.v").Text;
        Assert.Contains("output reg [1:0] y", verilog, StringComparison.Ordinal);
        Assert.Contains("always @* begin", verilog, StringComparison.Ordinal);
        Assert.Contains("Light_Red, Light_RedAmber: y = 2'd1;", verilog, StringComparison.Ordinal);
        Assert.DoesNotContain("assign y", verilog, StringComparison.Ordinal);
    }
}
