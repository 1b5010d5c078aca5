using DiffAcc.Sim.Fuzz;

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
}
