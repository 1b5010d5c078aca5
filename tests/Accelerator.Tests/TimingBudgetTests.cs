using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Sim.Synthesis;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// The logic-level budget on the small preset (Yosys synth_xilinx -flatten, as <c>diffacc timing</c> runs it).
/// Modules still deeper than the budget are listed in logic-levels-small.txt with their depth today: a
/// module may not get deeper, no other module may exceed the budget, and a module that got shallower
/// must have its line updated (or removed once within budget), so the list always says where the work is.
/// </summary>
public sealed class TimingBudgetTests
{
    private static string Recorded([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "logic-levels-small.txt");

    [Fact]
    public void The_budget_at_300_MHz_is_7_levels_and_falls_with_the_clock()
    {
        Assert.Equal(7, LogicLevelBudget.For(300));
        Assert.Equal(5, LogicLevelBudget.For(400));
        Assert.True(LogicLevelBudget.For(200) > LogicLevelBudget.For(300));
    }

    [Fact]
    public async Task Every_module_of_the_small_preset_is_within_the_budget_or_its_recorded_depth()
    {
        var config = Presets.Small;
        var budget = LogicLevelBudget.For(config.ClockMHz);
        var result = HdlFlow.For(() => new DiffAccTop(config)).Run().ThrowIfFailed();
        using var netlist = await YosysSynthesis.For(result).FlatNetlistAsync();
        var modules = ModuleTiming.Of(result.Design, LogicLevels.Analyze(netlist, result.Design.Top.Name));
        var measured = modules.Where(m => m.Worst.Levels > budget).Select(m => $"{m.Module} {m.Worst.Levels}").Order(StringComparer.Ordinal).ToList();
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
            File.WriteAllLines(Recorded(), measured);
        var recorded = File.ReadAllLines(Recorded()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var deeper = measured.Where(m => !recorded.Contains(m)).ToList();
        var gone = recorded.Where(r => !measured.Contains(r)).ToList();
        Assert.True(deeper.Count == 0 && gone.Count == 0,
            $"modules over the {budget}-level budget changed; new or deeper: [{string.Join(", ", deeper)}]; recorded but now different: [{string.Join(", ", gone)}]. " +
            string.Join("; ", modules.Where(m => m.Worst.Levels > budget).Select(m => $"{m.Module}: {m.Worst.Composition} {m.Worst.Start} -> {m.Worst.End}")));
    }
}
