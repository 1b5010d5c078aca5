using DiffAcc.Sim;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Hdl.Tests;

/// <summary>A wrapper's ExposePorts: one port per child port, prefixed, wired through.</summary>
public sealed class ExposePortsTests
{
    private sealed class Accumulate : Module
    {
        public Accumulate()
        {
            In = Input(Vec(2, UInt(8)));
            Enable = Input(Bool());
            Total = Output(UInt(9));
            var total = Reg(UInt(9), reset: 0, name: "total");
            When(Enable, () => total.Assign(In[0] + In[1]));
            Total.Assign(total);
        }

        public Vec<UInt> In { get; }

        public Bool Enable { get; }

        public UInt Total { get; }
    }

    private sealed class Wrapper : Module
    {
        public Wrapper()
        {
            ExposePorts(Instance(new Accumulate(), "left"), "Left_");
            ExposePorts(Instance(new Accumulate(), "right"), "Right_");
        }
    }

    private sealed class Stranger : Module
    {
        public Stranger() => ExposePorts(new Accumulate(), "X_"); // @mark stranger
    }

    [Fact]
    public void A_wrapper_gets_prefixed_ports_that_behave_like_the_child()
    {
        var design = HdlFlow.For(() => new Wrapper()).Run().ThrowIfFailed().Design;
        var ports = design.Top.Ports.Where(p => p.ClockOf is null && p.ResetOf is null).Select(p => (p.Name, p.Kind, p.Width)).ToList();
        Assert.Equal(
            [("Left_In_0", Ir.NetKind.Input, 8), ("Left_In_1", Ir.NetKind.Input, 8), ("Left_Enable", Ir.NetKind.Input, 1), ("Left_Total", Ir.NetKind.Output, 9),
             ("Right_In_0", Ir.NetKind.Input, 8), ("Right_In_1", Ir.NetKind.Input, 8), ("Right_Enable", Ir.NetKind.Input, 1), ("Right_Total", Ir.NetKind.Output, 9)],
            ports);
        var simulator = new IrSimulator(design);
        var layout = new PortLayout(design);
        var inputs = new ulong[layout.InputWords];
        var outputs = new ulong[layout.OutputWords];
        inputs[layout.Input("Left_In_0").Offset] = 200;
        inputs[layout.Input("Left_In_1").Offset] = 100;
        inputs[layout.Input("Left_Enable").Offset] = 1;
        inputs[layout.Input("Right_In_0").Offset] = 7;
        simulator.Step(inputs, outputs);
        simulator.Step(inputs, outputs);
        Assert.Equal(300UL, outputs[layout.Output("Left_Total").Offset]);
        Assert.Equal(0UL, outputs[layout.Output("Right_Total").Offset]);
    }

    [Fact]
    public void Exposing_a_module_that_is_not_an_instance_names_the_line()
    {
        var error = Assert.Throws<HdlException>(() => HdlFlow.For(() => new Stranger()).Run());
        Assert.Contains("Accumulate is not an instance in Stranger", error.Message);
        Assert.Equal(SourceMarker.Line("stranger"), error.Location.Line);
    }
}
