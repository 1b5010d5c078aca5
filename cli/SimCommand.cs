using System.CommandLine;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Examples;
using DiffAcc.Sim;
using DiffAcc.Sim.Fuzz;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Regression;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc sim</c>: the regression runner over every registered testbench.</summary>
internal static class SimCommand
{
    /// <summary>Every testbench <c>diffacc sim</c> knows; later libraries add theirs here.</summary>
    public static IReadOnlyList<ITestbench> Testbenches { get; } =
    [
        new CosimTestbench("mac-array-4x4-golden", () => HdlFlow.For(() => new MacArray(4, 4)).Run(), _ => new MacStimulus(4, 4), _ => new MacArrayModel(4, 4), 200_000),
        new CosimTestbench("mac-array-16x16-golden", () => HdlFlow.For(() => new MacArray(16, 16)).Run(), _ => new MacStimulus(16, 16), _ => new MacArrayModel(16, 16), 200_000),
        new CosimTestbench("mac-array-4x4-ir", () => HdlFlow.For(() => new MacArray(4, 4)).Run(), _ => new MacStimulus(4, 4), design => new IrSimulator(design), 50_000),
        new CosimTestbench("fuzz-seeds-1-50", () => HdlFlow.For(() => new FuzzBatch(1, 50)).Run(), design => new RandomStimulus(design, 1), design => new IrSimulator(design), 5_000),
        .. SystemTestbenches.All,
    ];

    public static Command Create()
    {
        var filter = new Option<string?>("--filter") { Description = "Run only testbenches whose name matches this glob (* and ?)" };
        var trace = new Option<bool>("--trace") { Description = "Write a VCD and a GTKWave save file per testbench into sim-traces/ (first --trace-cycles cycles only)" };
        var traceCycles = new Option<long>("--trace-cycles") { Description = "Cycles each testbench runs when tracing", DefaultValueFactory = _ => 10_000 }.AtLeast(1);
        var junit = new Option<FileInfo?>("--junit") { Description = "Write the results as JUnit XML to this file" };
        var shard = Shard.Option();
        var json = new Option<FileInfo?>("--json") { Description = "Write the results (of this shard) as JSON; --merge reads the shards' files" };
        var merge = new Option<FileInfo[]>("--merge") { Description = "Print and write (--junit, --json) the run of these shard files instead of simulating", AllowMultipleArgumentsPerToken = true };
        var command = new Command("sim", "Run the registered Verilator testbenches against their C# models") { filter, trace, traceCycles, junit, shard, json, merge };
        command.SetAction((result, token) => result.GetValue(merge) is { Length: > 0 } files
            ? Task.FromResult(Merge(files, result.GetValue(junit), result.GetValue(json)))
            : RunAsync(Testbenches, result.GetValue(filter), result.GetValue(trace), result.GetValue(junit), token, result.GetValue(traceCycles), result.GetValue(shard), result.GetValue(json)));
        return command;
    }

    private const string Name = "sim";

    internal static async Task<int> RunAsync(IReadOnlyList<ITestbench> registered, string? filter, bool trace, FileInfo? junit, CancellationToken cancellation, long traceCycles = 10_000, Shard? shard = null, FileInfo? json = null)
    {
        shard ??= Shard.Whole;
        if (OutputPath.Refuses(junit is null ? null : OutputPath.FileProblem("--junit", junit.FullName), json is null ? null : OutputPath.FileProblem("--json", json.FullName)))
            return 1;
        var matching = RegressionRunner.Select(registered, filter);
        if (matching.Count == 0)
        {
            Console.Error.WriteLine($"error: no testbench matches '{filter}'; known: {string.Join(", ", registered.Select(t => t.Name))}");
            return 1;
        }
        var (first, end) = shard.Range(matching.Count);
        var selected = matching.Skip(first).Take(end - first).ToList();
        IReadOnlyList<TestbenchResult> results = [];
        var options = new TestbenchOptions(trace, Path.GetFullPath("sim-traces"), traceCycles);
        await AnsiConsole.Progress().StartAsync(async context =>
        {
            var task = context.AddTask("testbenches", maxValue: selected.Count);
            results = await RegressionRunner.RunAsync(selected, options, (next, done) => (task.Description, task.Value) = (next.Name, done), cancellation);
            task.Value = selected.Count;
        });
        return Report(new ShardFile<IReadOnlyList<SimResult>>(Name, $"filter {filter ?? "*"}, {matching.Count} testbenches", shard.Index, shard.Count, [.. results.Select(SimResult.Of)]), junit, json);
    }

    /// <summary><c>sim --merge</c>: the shards' results as one run's.</summary>
    internal static int Merge(IReadOnlyList<FileInfo> files, FileInfo? junit, FileInfo? json)
    {
        var shards = ShardFile<IReadOnlyList<SimResult>>.Merge(Name, files, out var problem);
        if (OutputPath.Refuses(problem, junit is null ? null : OutputPath.FileProblem("--junit", junit.FullName), json is null ? null : OutputPath.FileProblem("--json", json.FullName)))
            return 1;
        return Report(shards[0] with { Shard = 1, Shards = 1, Result = [.. shards.SelectMany(s => s.Result)] }, junit, json);
    }

    /// <summary>Prints a run's (a shard's, the merged shards') table and failures; writes its JUnit XML and JSON together.</summary>
    private static int Report(ShardFile<IReadOnlyList<SimResult>> run, FileInfo? junit, FileInfo? json)
    {
        var results = run.Result.Select(r => r.ToResult()).ToList();
        var table = new Table().AddColumn("testbench").AddColumn(new TableColumn("cycles").RightAligned()).AddColumn(new TableColumn("time").RightAligned()).AddColumn("result");
        foreach (var r in results)
            table.AddRow(Markup.Escape(r.Name), r.Cycles.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture), $"{r.Elapsed.TotalSeconds:0.00} s", r.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        AnsiConsole.Write(table);
        foreach (var r in results.Where(r => !r.Passed))
            Console.Error.WriteLine($"{r.Name}: {r.Failure}");
        foreach (var r in results.Where(r => r.TracePath is not null))
            Console.WriteLine($"trace: {r.TracePath} (GTKWave: gtkwave {Path.ChangeExtension(r.TracePath, ".gtkw")})");
        var outputs = new List<(string Path, byte[] Contents)>();
        if (junit is not null)
            outputs.Add((junit.FullName, System.Text.Encoding.UTF8.GetBytes(RegressionRunner.JUnit(results))));
        if (json is not null)
            outputs.Add((json.FullName, run.ToJson()));
        foreach (var written in Hdl.Emit.StagedWrite.Files(outputs))
            Console.WriteLine($"wrote {written} (in {DiffAccCommand.Elapsed})");
        Console.WriteLine($"{results.Count(r => r.Passed)} passed, {results.Count(r => !r.Passed)} failed{(run.Shards == 1 ? "" : $" (shard {run.Shard}/{run.Shards})")}");
        return results.All(r => r.Passed) ? 0 : 1;
    }

    /// <summary>One testbench's result as a shard file keeps it.</summary>
    internal sealed record SimResult(
        [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
        [property: System.Text.Json.Serialization.JsonPropertyName("cycles")] long Cycles,
        [property: System.Text.Json.Serialization.JsonPropertyName("seconds")] double Seconds,
        [property: System.Text.Json.Serialization.JsonPropertyName("passed")] bool Passed,
        [property: System.Text.Json.Serialization.JsonPropertyName("failure")] string? Failure,
        [property: System.Text.Json.Serialization.JsonPropertyName("trace")] string? Trace)
    {
        public static SimResult Of(TestbenchResult r) => new(r.Name, r.Cycles, r.Elapsed.TotalSeconds, r.Passed, r.Failure, r.TracePath);

        public TestbenchResult ToResult() => new(Name, Cycles, TimeSpan.FromSeconds(Seconds), Passed, Failure, Trace);
    }

    /// <summary>Random int8 operands with a Clear every 64 cycles.</summary>
    private sealed class MacStimulus(int rows, int cols) : IStimulus
    {
        private ulong state = 0x2545f4914f6cdd1dUL;

        public void Fill(long cycle, Span<ulong> inputs)
        {
            for (var i = 0; i < rows + cols; i++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                inputs[i] = state & 0xff;
            }
            inputs[rows + cols] = cycle % 64 == 0 ? 1UL : 0UL;
        }
    }
}
