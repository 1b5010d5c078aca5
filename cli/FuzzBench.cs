using System.Diagnostics;
using DiffAcc.Sim;
using DiffAcc.Sim.Fuzz;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc bench fuzz</c>: differential fuzzing at scale, with progress and a summary.</summary>
internal static class FuzzBench
{
    public static async Task<int> RunAsync(int designs, int seed, long cycles, CancellationToken cancellation)
    {
        if (designs < 1 || cycles < 1)
        {
            Console.Error.WriteLine("error: --designs and --cycles must be at least 1");
            return 1;
        }
        var watch = Stopwatch.StartNew();
        FuzzReport? report = null;
        try
        {
            await AnsiConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask($"fuzzing {designs} designs from seed {seed}", maxValue: designs);
                report = await DifferentialFuzz.Create().WithSeed(seed).WithDesigns(designs).WithCycles(cycles)
                    .RunAsync(new Progress<int>(done => task.Value = done), cancellation);
            });
        }
        catch (SimulationException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        foreach (var error in report!.Errors)
            Console.Error.WriteLine($"error: {error}");
        foreach (var disagreement in report.Disagreements)
            Console.Error.WriteLine($"disagreement: {disagreement}");
        var table = new Table().AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("designs", $"{report.Designs} (seeds {seed}..{seed + designs - 1})");
        table.AddRow("Verilator builds (batches)", report.Batches.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("cycles per batch, total", $"{cycles:#,0}, {report.Cycles:#,0}");
        table.AddRow("disagreements", report.Disagreements.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("errors", report.Errors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("time", $"{watch.Elapsed.TotalSeconds:0.0} s");
        AnsiConsole.Write(table);
        return report.Passed ? 0 : 1;
    }
}
