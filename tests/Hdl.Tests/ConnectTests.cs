using DiffAcc.Sim.IrSim;

namespace DiffAcc.Hdl.Tests;

/// <summary>Bulk connects (Vec to Vec, bundles with Vec fields) and Resize.</summary>
public sealed class ConnectTests
{
    private sealed class Row : Bundle
    {
        public Row(BundleFields f)
        {
            Valid = f.Field(Hw.Bool());
            Bytes = f.Field(Hw.Vec(3, Hw.UInt(8)));
            Ready = f.Flipped(Hw.Bool());
        }

        public Bool Valid { get; }

        public Vec<UInt> Bytes { get; }

        public Bool Ready { get; }
    }

    private sealed class Child : Module
    {
        public Child()
        {
            In = Input(Bundle(f => new Row(f)));
            Out = Output(Vec(3, UInt(8)));
            In.Ready.Assign(In.Valid);
            Out.ConnectFrom(In.Bytes);
        }

        public Row In { get; }

        public Vec<UInt> Out { get; }
    }

    private sealed class Parent : Module
    {
        public Parent()
        {
            In = Input(Bundle(f => new Row(f)));
            Out = Output(Vec(3, UInt(8)));
            Narrow = Output(UInt(4));
            Wide = Output(UInt(12));
            var child = Instance(new Child(), "child");
            child.In.ConnectFrom(In);
            Out.ConnectFrom(child.Out);
            Narrow.Assign(In.Bytes[0].Resize(4));
            Wide.Assign(In.Bytes[1].Resize(12));
        }

        public Row In { get; }

        public Vec<UInt> Out { get; }

        public UInt Narrow { get; }

        public UInt Wide { get; }
    }

    [Fact]
    public void A_bundle_with_a_Vec_field_and_a_Vec_connect_element_by_element_and_Resize_cuts_or_extends()
    {
        var simulator = new IrSimulator(HdlFlow.For(() => new Parent()).Run().ThrowIfFailed().Design);
        simulator.Poke("In_Valid", 1);
        simulator.Poke("In_Bytes_0", 0xAB);
        simulator.Poke("In_Bytes_1", 0xCD);
        simulator.Poke("In_Bytes_2", 0xEF);
        simulator.Eval();
        Assert.Equal(1UL, simulator.Peek("In_Ready"));
        Assert.Equal([0xABUL, 0xCDUL, 0xEFUL], [simulator.Peek("Out_0"), simulator.Peek("Out_1"), simulator.Peek("Out_2")]);
        Assert.Equal(0xBUL, simulator.Peek("Narrow"));
        Assert.Equal(0xCDUL, simulator.Peek("Wide"));
    }

    [Fact]
    public void Vecs_of_different_lengths_do_not_connect()
    {
        var error = Assert.Throws<HdlException>(() => HdlFlow.For(() => new Mismatched()).Run());
        Assert.Contains("cannot connect a Vec of 2 elements to one of 3", error.Message);
    }

    private sealed class Mismatched : Module
    {
        public Mismatched()
        {
            var a = Input(Vec(2, UInt(8)), name: "a");
            var b = Output(Vec(3, UInt(8)), name: "b");
            b.ConnectFrom(a);
        }
    }
}
