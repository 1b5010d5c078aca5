using DiffAcc.Hdl;
using DiffAcc.Sim.Fuzz;
using DiffAcc.Sim.Icarus;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Sim.Tests;

public sealed class FuzzTests
{
    [Fact]
    public async Task Sixty_random_designs_agree_between_the_IR_simulator_and_Verilator()
    {
        var report = await DifferentialFuzz.Create().WithSeed(1000).WithDesigns(60).WithBatchSize(30).WithCycles(3000).RunAsync();
        Assert.True(report.Errors.Count == 0, string.Join("\n", report.Errors));
        Assert.True(report.Disagreements.Count == 0, string.Join("\n", report.Disagreements.Take(10)));
        Assert.Equal(2 * 3000, report.Cycles);
    }

    [Fact]
    public async Task Twenty_random_designs_agree_between_the_IR_simulator_and_Icarus()
    {
        var report = await DifferentialFuzz.Create().WithSeed(2000).WithDesigns(20).WithBatchSize(20).WithCycles(2000).WithSimulators(FuzzSimulator.Ir, FuzzSimulator.Icarus).RunAsync();
        Assert.True(report.Errors.Count == 0, string.Join("\n", report.Errors));
        Assert.True(report.Disagreements.Count == 0, string.Join("\n", report.Disagreements.Take(10)));
        Assert.Equal(2000, report.Cycles);
    }

    [Fact]
    public async Task Wide_and_falling_edge_designs_agree_under_all_three_simulators()
    {
        var report = await DifferentialFuzz.Create().WithSeed(3000).WithDesigns(16).WithBatchSize(16).WithCycles(1500).WithMaxWidth(128).WithFallingEdges()
            .WithSimulators(FuzzSimulator.Ir, FuzzSimulator.Verilator, FuzzSimulator.Icarus).RunAsync();
        Assert.True(report.Errors.Count == 0, string.Join("\n", report.Errors));
        Assert.True(report.Disagreements.Count == 0, string.Join("\n", report.Disagreements.Take(10)));
        Assert.Equal(2 * 1500, report.Cycles);
    }

    [Fact]
    public async Task Icarus_reports_the_words_a_wrong_model_gets_wrong()
    {
        var design = HdlFlow.For(() => new FuzzBatch(8, 1)).Run().ThrowIfFailed();
        var result = await IcarusSimulation.Of(design).WithStimulus(new RandomStimulus(design.Design, 8)).WithModel(new FirstBitFlipped(new IrSimulator(design.Design))).WithCycles(200).RunAsync();
        Assert.Equal(200, result.MismatchCount);
        Assert.Equal(200 * new PortLayout(design.Design).OutputWords, result.ComparedWords);
    }

    [Fact]
    public async Task A_disagreeing_seed_reduces_to_the_smallest_size_that_still_disagrees()
    {
        var failing = new CosimResult(1, 1, 1, [new Mismatch(0, "seed2001_out", 0, 1, [])], TimeSpan.Zero);
        var passing = new CosimResult(1, 1, 0, [], TimeSpan.Zero);
        var tried = new List<int>();
        var reduced = await DifferentialFuzz.Create().ReduceAsync(2001, FuzzSimulator.Icarus, size =>
        {
            tried.Add(size);
            return Task.FromResult(size >= 3 ? failing : passing);
        });
        Assert.Equal([1, 2, 4], tried);
        Assert.NotNull(reduced);
        Assert.Equal(4, reduced.Operations);
        Assert.Contains(reduced.Verilog, f => f.Name == "Fuzz.v");
        Assert.Null(await DifferentialFuzz.Create().ReduceAsync(2001, FuzzSimulator.Icarus, _ => Task.FromResult(passing)));
    }

    /// <summary>A model that is right except for the lowest bit of the first output word.</summary>
    private sealed class FirstBitFlipped(ICycleModel inner) : ICycleModel
    {
        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            inner.Step(inputs, outputs);
            outputs[0] ^= 1;
        }
    }
}
