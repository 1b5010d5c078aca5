using DiffAcc.Sim.IrSim;

namespace DiffAcc.Hdl.Tests;

/// <summary><c>Vec.Select</c>: a balanced multiplexer tree, zero beyond the end; <c>~</c> on a Bool stays a Bool.</summary>
public sealed class SelectTests
{
    private sealed class Table : Module
    {
        public Table(int count, int indexBits)
        {
            Index = Input(UInt(indexBits));
            Value = Output(UInt(8));
            var entries = Hw.VecOf([.. Enumerable.Range(0, count).Select(i => Lit(i + 1, 8))]);
            Value.Assign(entries.Select(Index));
            Flag = Input(Bool());
            Inverted = Output(Bool());
            When(~Flag, () => Inverted.Assign(true)).Otherwise(() => Inverted.Assign(false));
        }

        public UInt Index { get; }

        public UInt Value { get; }

        public Bool Flag { get; }

        public Bool Inverted { get; }
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(5, 4)]
    [InlineData(128, 7)]
    [InlineData(128, 9)]
    public void Select_reads_each_element_and_zero_beyond_the_end(int count, int indexBits)
    {
        var design = HdlFlow.For(() => new Table(count, indexBits)).Run().ThrowIfFailed();
        var simulator = new IrSimulator(design.Design);
        for (var index = 0; index < 1 << indexBits; index++)
        {
            simulator.Poke("Index", (ulong)index);
            simulator.Eval();
            Assert.Equal(index < count ? (ulong)(index + 1) : 0UL, simulator.Peek("Value"));
        }
    }

    [Fact]
    public void Select_of_128_entries_is_a_tree_seven_multiplexers_deep()
    {
        var verilog = HdlFlow.For(() => new Table(128, 7)).Run().ThrowIfFailed().Verilog.Single(f => f.Name == "Table.v").Text;
        var line = verilog.Split('\n').Single(l => l.TrimStart().StartsWith("assign Value", StringComparison.Ordinal));
        var depth = 0;
        var deepest = 0;
        foreach (var c in line)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            deepest = Math.Max(deepest, depth);
        }
        Assert.Equal(127, line.Count(c => c == '?'));
        Assert.InRange(deepest, 6, 8);
    }

    [Fact]
    public void Not_of_a_Bool_is_a_Bool()
    {
        var simulator = new IrSimulator(HdlFlow.For(() => new Table(2, 1)).Run().ThrowIfFailed().Design);
        simulator.Poke("Flag", 0);
        simulator.Eval();
        Assert.Equal(1UL, simulator.Peek("Inverted"));
        simulator.Poke("Flag", 1);
        simulator.Eval();
        Assert.Equal(0UL, simulator.Peek("Inverted"));
    }
}
