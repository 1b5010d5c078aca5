using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Scenarios;
using DiffAcc.Sim.Regression;

namespace DiffAcc.Cli.Tests;

/// <summary>
/// The system testbenches: DiffAccTop of the small preset under Verilator runs every scenario from a
/// DDR image to a DDR result equal to the functional simulator's, under random DDR latency and
/// back-pressure; the broken programs fail visibly.
/// </summary>
public sealed class SystemTestbenchTests
{
    [Fact]
    public void Diffacc_sim_runs_every_system_testbench_and_they_pass()
    {
        var (code, output, error) = CommandLine.Run("sim", "--filter", "system*");
        Assert.True(code == 0, output + error);
        // Every scenario on the small preset and on the wide configuration, the six broken programs, and the
        // five faults (SLVERR on a read and a write, the host's abort, a LOAD and STOREs outside the windows).
        Assert.Contains($"{(2 * SystemScenarios.Names.Count) + 6 + 5} passed, 0 failed", output);
    }

    [Fact]
    public async Task A_run_the_watchdog_ends_says_what_the_engines_were_doing()
    {
        var config = Presets.Small;
        var testbench = new SystemTestbench("system-conv3x3", config, () => SystemScenarios.Get("conv3x3", config), 1, watchdogCycles: 1_500);
        var result = await testbench.RunAsync(new TestbenchOptions(false, Path.GetTempPath()), CancellationToken.None);
        Assert.False(result.Passed);
        Assert.StartsWith("watchdog: no interrupt within 1500 cycles after START; busy True, done False, error False, deadlock False;", result.Failure);
        Assert.Contains("running", result.Failure);
    }

    public static TheoryData<string, int, int, int, double, double> Profiles()
    {
        var data = new TheoryData<string, int, int, int, double, double>();
        var seed = 100;
        foreach (var name in SystemScenarios.Names)
        {
            // Immediate answers at full rate; a slow DDR that rarely says ready; long latency with gappy data.
            data.Add(name, seed++, 0, 0, 1.0, 0.0);
            data.Add(name, seed++, 1, 40, 0.15, 0.7);
            data.Add(name, seed++, 150, 400, 0.5, 0.5);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Every_scenario_is_bit_exact_under_other_DDR_timing(string scenario, int seed, int minLatency, int maxLatency, double ready, double gap)
    {
        var config = Presets.Small;
        var testbench = new SystemTestbench($"system-{scenario}", config, () => SystemScenarios.Get(scenario, config), (ulong)seed) { Ddr = (minLatency, maxLatency, ready, gap) };
        var result = await testbench.RunAsync(new TestbenchOptions(false, Path.GetTempPath()), CancellationToken.None);
        Assert.True(result.Passed, result.Failure);
    }
}
