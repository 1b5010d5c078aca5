using DiffAcc.Sim.IrSim;

namespace DiffAcc.Hdl.Tests;

/// <summary>Arithmetic with C# integers that wraps at the signal's width, and replication.</summary>
public sealed class ConvenienceTests
{
    private sealed class Conveniences : Module
    {
        public Conveniences()
        {
            var a = Input(UInt(4), "a");
            var s = Input(SInt(8), "s");
            var pair = Input(UInt(2), "pair");
            Output(UInt(4), "up").Assign(a.AddWrap(1));
            Output(UInt(4), "down").Assign(a.SubWrap(1));
            Output(UInt(4), "far").Assign(a.AddWrap(-3));
            Output(SInt(8), "s_up").Assign(s.AddWrap(1));
            Output(UInt(6), "filled").Assign(Fill(3, pair));
        }
    }

    [Theory]
    [InlineData(15, 127, 2, 0, 14, 12, -128, 0b101010)]
    [InlineData(0, -128, 1, 1, 15, 13, -127, 0b010101)]
    [InlineData(7, 5, 3, 8, 6, 4, 6, 0b111111)]
    public void AddWrap_SubWrap_and_Fill_compute_at_the_signals_width(int a, int s, int pair, int up, int down, int far, int sUp, int filled)
    {
        var simulator = new IrSimulator(HdlFlow.For(() => new Conveniences()).Run().ThrowIfFailed().Design);
        simulator.Poke("a", (ulong)a);
        simulator.Poke("s", (ulong)(byte)(sbyte)s);
        simulator.Poke("pair", (ulong)pair);
        simulator.Eval();
        Assert.Equal((ulong)up, simulator.Peek("up"));
        Assert.Equal((ulong)down, simulator.Peek("down"));
        Assert.Equal((ulong)far, simulator.Peek("far"));
        Assert.Equal((ulong)(byte)(sbyte)sUp, simulator.Peek("s_up"));
        Assert.Equal((ulong)filled, simulator.Peek("filled"));
    }

    [Fact]
    public void Fill_of_no_copies_names_the_line()
    {
        var error = Assert.Throws<HdlException>(() => Hw.Fill(0, Hw.Lit(1, 1)));
        Assert.EndsWith("ConvenienceTests.cs", error.Location.FilePath);
    }
}
