using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Scenarios;

namespace DiffAcc.Accelerator.Tests;

/// <summary>The functional simulator, the RTL's golden, against the int8 operators of model/ on every system scenario.</summary>
public sealed class FunctionalSimulatorTests
{
    private static readonly AcceleratorConfig Config = Presets.Small;

    public static TheoryData<string, bool> Scenarios()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in SystemScenarios.Names)
        {
            data.Add(name, false);
            data.Add(name, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Scenario_matches_the_int8_operators_of_the_model(string name, bool wide)
    {
        var config = wide ? SystemScenarios.Wide : Config;
        var scenario = SystemScenarios.Get(name, config);
        var run = new FunctionalSimulator(config).Run(scenario.Program, scenario.Image, scenario.Registers);
        Assert.True(run.RaceFree, string.Join(Environment.NewLine, run.Races));
        var problems = scenario.CheckAgainstModel(run.Ddr);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void A_missing_token_is_reported_as_a_race()
    {
        var scenario = SystemScenarios.Get("residual-add", Config);
        // The store of group 1 no longer waits for the add: it may read the rows before they are written.
        var instructions = scenario.Program.Instructions.Select(i => i is Add { Group: 1 } add ? add with { Signal = Engines.None } : i is Store { Group: 1 } s ? s with { Wait = Engines.None } : i).ToList();
        var run = new FunctionalSimulator(Config).Run(instructions, scenario.Image, scenario.Registers);
        Assert.False(run.RaceFree);
        Assert.Contains(run.Races, r => r.Contains("(STORE) reads activation buffer 1 row", StringComparison.Ordinal) && r.Contains("no token orders the two", StringComparison.Ordinal));
    }

    [Fact]
    public void Counts_match_the_program()
    {
        var scenario = SystemScenarios.Get("conv3x3", Config);
        var run = new FunctionalSimulator(Config).Run(scenario.Program, scenario.Image, scenario.Registers);
        // Two bands of 4 x 8 output pixels, 2 output blocks, 9 taps, 2 input blocks.
        Assert.Equal(2L * 4 * 8 * 2 * 9 * 2, run.Statistics.PeTerms);
        Assert.Equal(2L * 2 * 4 * 8 * 8, run.Statistics.BytesWritten);
        Assert.Equal(scenario.Program.Count - 1, run.Statistics.Instructions);
    }
}
