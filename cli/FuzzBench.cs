using System.Diagnostics;
using System.Text.Json.Serialization;
using DiffAcc.Sim;
using DiffAcc.Sim.Fuzz;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc bench fuzz</c>: differential fuzzing at scale, with progress and a summary.</summary>
internal static class FuzzBench
{
    public static async Task<int> RunAsync(int designs, int seed, long cycles, string simulatorList, int maxWidth, bool fallingEdges, string reducedFolder, Shard shard, FileInfo? json, CancellationToken cancellation)
    {
        if (designs < 1 || cycles < 1)
        {
            Console.Error.WriteLine("error: --designs and --cycles must be at least 1");
            return 1;
        }
        if (OutputPath.Refuses(OutputPath.FolderProblem("--reduced", Path.GetFullPath(reducedFolder)), json is null ? null : OutputPath.FileProblem("--json", json.FullName)))
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
        var settings = new FuzzSettings(designs, seed, cycles, [.. simulators.Select(x => x.ToString().ToLowerInvariant())], maxWidth, fallingEdges);
        // Whole batches of 50 designs to each shard: a batch is built and run as one design, so a
        // shard's batches are the single run's and their results the same.
        var fuzz = DifferentialFuzz.Create().WithSeed(seed).WithDesigns(designs).WithCycles(cycles).WithSimulators([.. simulators]).WithMaxWidth(maxWidth).WithFallingEdges(fallingEdges);
        var batches = (designs + fuzz.BatchSize - 1) / fuzz.BatchSize;
        var (firstBatch, endBatch) = shard.Range(batches);
        var first = seed + (firstBatch * fuzz.BatchSize);
        var count = Math.Min(designs, endBatch * fuzz.BatchSize) - (firstBatch * fuzz.BatchSize);
        var watch = Stopwatch.StartNew();
        FuzzReport? report = null;
        if (count > 0)
        {
            try
            {
                await AnsiConsole.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask($"fuzzing {count} designs from seed {first}{(shard == Shard.Whole ? "" : $" (shard {shard})")}", maxValue: count);
                    report = await fuzz.WithSeed(first).WithDesigns(count).RunAsync(new Progress<int>(done => task.Value = done), cancellation);
                });
            }
            catch (SimulationException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        }
        var reducedLines = new List<string>();
        foreach (var reduced in report?.Reduced ?? [])
        {
            var folder = Path.Combine(reducedFolder, $"seed{reduced.Seed}-{reduced.Simulator.ToString().ToLowerInvariant()}");
            Hdl.Emit.StagedWrite.Files(reduced.Verilog.Select(f => (Path.GetFullPath(Path.Combine(folder, f.Name)), System.Text.Encoding.UTF8.GetBytes(f.Text))));
            reducedLines.Add($"seed {reduced.Seed} still disagrees under {reduced.Simulator} with {reduced.Operations} operations ({reduced.Mismatch}); Verilog in {folder}");
        }
        var summary = new FuzzSummary(count, report?.Batches ?? 0, report?.Cycles ?? 0, [.. report?.Errors ?? []], [.. (report?.Disagreements ?? []).Select(d => d.ToString())], reducedLines, Math.Round(watch.Elapsed.TotalSeconds, 1));
        return Finish(new ShardFile<FuzzSummary>(Command, System.Text.Json.JsonSerializer.Serialize(settings), shard.Index, shard.Count, summary), json);
    }

    /// <summary><c>bench fuzz --merge</c>: the shards' summaries as one run's.</summary>
    public static int Merge(IReadOnlyList<FileInfo> files, FileInfo? json)
    {
        var shards = ShardFile<FuzzSummary>.Merge(Command, files, out var problem);
        if (OutputPath.Refuses(problem, json is null ? null : OutputPath.FileProblem("--json", json.FullName)))
            return 1;
        var results = shards.Select(s => s.Result).ToList();
        var merged = new FuzzSummary(results.Sum(r => r.Designs), results.Sum(r => r.Batches), results.Sum(r => r.Cycles), [.. results.SelectMany(r => r.Errors)], [.. results.SelectMany(r => r.Disagreements)], [.. results.SelectMany(r => r.Reduced)], Math.Round(results.Sum(r => r.Seconds), 1));
        return Finish(shards[0] with { Shard = 1, Shards = 1, Result = merged }, json);
    }

    private const string Command = "bench fuzz";

    /// <summary>Prints a run's (or a shard's, or the merged shards') findings and table; writes its JSON.</summary>
    private static int Finish(ShardFile<FuzzSummary> run, FileInfo? json)
    {
        var summary = run.Result;
        foreach (var error in summary.Errors)
            Console.Error.WriteLine($"error: {error}");
        foreach (var disagreement in summary.Disagreements)
            Console.Error.WriteLine($"disagreement: {disagreement}");
        foreach (var reduced in summary.Reduced)
            Console.Error.WriteLine($"reduced: {reduced}");
        var settings = System.Text.Json.JsonSerializer.Deserialize<FuzzSettings>(run.Settings)!;
        var table = new Table().AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("run", run.Shards == 1 ? "whole" : $"shard {run.Shard}/{run.Shards}");
        table.AddRow("designs", $"{summary.Designs} of {settings.Designs} from seed {settings.Seed}");
        table.AddRow("simulators", $"ir (reference), {string.Join(", ", settings.Simulators.Where(s => s != "ir"))}");
        table.AddRow("designs' settings", $"values up to {settings.MaxWidth} bits, {(settings.FallingEdges ? "half on the falling edge" : "rising edge only")}");
        table.AddRow("batches (one build per simulator each)", summary.Batches.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("cycles per batch, total", $"{settings.Cycles:#,0}, {summary.Cycles:#,0}");
        table.AddRow("disagreements", summary.Disagreements.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("errors", summary.Errors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("time", $"{summary.Seconds:0.0} s");
        AnsiConsole.Write(table);
        if (json is not null)
        {
            Hdl.Emit.StagedWrite.Files([(json.FullName, run.ToJson())]);
            Console.WriteLine($"wrote {json.FullName} (in {DiffAccCommand.Elapsed})");
        }
        return summary.Errors.Count == 0 && summary.Disagreements.Count == 0 ? 0 : 1;
    }
}

/// <summary>What a fuzzing run (or one shard of it) found.</summary>
internal sealed record FuzzSummary(
    [property: JsonPropertyName("designs")] int Designs,
    [property: JsonPropertyName("batches")] int Batches,
    [property: JsonPropertyName("cycles")] long Cycles,
    [property: JsonPropertyName("errors")] IReadOnlyList<string> Errors,
    [property: JsonPropertyName("disagreements")] IReadOnlyList<string> Disagreements,
    [property: JsonPropertyName("reduced")] IReadOnlyList<string> Reduced,
    [property: JsonPropertyName("seconds")] double Seconds);

/// <summary>What every shard of one fuzzing run shares; its JSON is the shard file's settings.</summary>
internal sealed record FuzzSettings(
    [property: JsonPropertyName("designs")] int Designs,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("cycles")] long Cycles,
    [property: JsonPropertyName("simulators")] IReadOnlyList<string> Simulators,
    [property: JsonPropertyName("max_width")] int MaxWidth,
    [property: JsonPropertyName("falling_edges")] bool FallingEdges);
