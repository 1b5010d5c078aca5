using System.Diagnostics;
using DiffAcc.Sim;
using DiffAcc.Sim.Fuzz;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc bench fuzz</c>: differential fuzzing at scale, with progress and a summary.</summary>
internal static class FuzzBench
{
    public static async Task<int> RunAsync(int designs, int seed, long cycles, string simulatorList, int maxWidth, bool fallingEdges, string reducedFolder, CancellationToken cancellation)
    {
        if (designs < 1 || cycles < 1)
        {
            Console.Error.WriteLine("error: --designs and --cycles must be at least 1");
            return 1;
        }
        if (OutputPath.Refuses(OutputPath.FolderProblem("--reduced", Path.GetFullPath(reducedFolder))))
            return 1;
        var simulators = new List<FuzzSimulator>();
        foreach (var name in simulatorList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<FuzzSimulator>(name, ignoreCase: true, out var simulator) || int.TryParse(name, out _))
            {
                Console.Error.WriteLine($"error: --simulators: '{name}' is not a simulator; choose from ir, verilator, icarus");
                return 1;
            }
            simulators.Add(simulator);
        }
        if (!simulators.Contains(FuzzSimulator.Ir) || simulators.Distinct().Count() < 2)
        {
            Console.Error.WriteLine("error: --simulators needs ir (the reference) and at least one of verilator, icarus");
            return 1;
        }
        var watch = Stopwatch.StartNew();
        FuzzReport? report = null;
        try
        {
            await AnsiConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask($"fuzzing {designs} designs from seed {seed}", maxValue: designs);
                report = await DifferentialFuzz.Create().WithSeed(seed).WithDesigns(designs).WithCycles(cycles).WithSimulators([.. simulators]).WithMaxWidth(maxWidth).WithFallingEdges(fallingEdges)
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
        foreach (var reduced in report.Reduced)
        {
            var folder = Path.Combine(reducedFolder, $"seed{reduced.Seed}-{reduced.Simulator.ToString().ToLowerInvariant()}");
            Hdl.Emit.StagedWrite.Files(reduced.Verilog.Select(f => (Path.GetFullPath(Path.Combine(folder, f.Name)), System.Text.Encoding.UTF8.GetBytes(f.Text))));
            Console.Error.WriteLine($"reduced: seed {reduced.Seed} still disagrees under {reduced.Simulator} with {reduced.Operations} operations ({reduced.Mismatch}); Verilog in {folder}");
        }
        var table = new Table().AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("designs", $"{report.Designs} (seeds {seed}..{seed + designs - 1})");
        table.AddRow("simulators", $"ir (reference), {string.Join(", ", report.Simulators.Select(s => s.ToString().ToLowerInvariant()))}");
        table.AddRow("designs' settings", $"values up to {maxWidth} bits, {(fallingEdges ? "half on the falling edge" : "rising edge only")}");
        table.AddRow("batches (one build per simulator each)", report.Batches.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("cycles per batch, total", $"{cycles:#,0}, {report.Cycles:#,0}");
        table.AddRow("disagreements", report.Disagreements.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("errors", report.Errors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("time", $"{watch.Elapsed.TotalSeconds:0.0} s");
        AnsiConsole.Write(table);
        return report.Passed ? 0 : 1;
    }
}
