using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Examples;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc bench ...</c>: measurements that print figures.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var runs = new Option<int>("--runs") { Description = "Timed runs after one warm-up", DefaultValueFactory = _ => 9 };
        var size = new Option<int>("--size") { Description = "Rows and columns of the MAC array", DefaultValueFactory = _ => 16 };
        var hdl = new Command("hdl", "Time elaborate + check + emit of the N x N int8 MAC-array generator (median of several runs)") { runs, size };
        hdl.SetAction(result => Hdl(result.GetValue(runs), result.GetValue(size)));
        var cycles = new Option<long>("--cycles") { Description = "Cycles of co-simulation and of the bare loop", DefaultValueFactory = _ => 1_000_000 }.AtLeast(1);
        var cosim = new Command("cosim", "Co-simulation of the 16 x 16 MAC array against its C# golden, beside the bare Verilator loop, plus the cached-rebuild time") { cycles };
        cosim.SetAction((result, token) => CosimBench.RunAsync(result.GetValue(cycles), token));
        var designs = new Option<int>("--designs") { Description = "Random designs to check", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the first design; design i uses seed + i", DefaultValueFactory = _ => 1 };
        var fuzzCycles = new Option<long>("--cycles") { Description = "Cycles simulated per batch of 50 designs", DefaultValueFactory = _ => 5000 }.AtLeast(1);
        var simulators = new Option<string>("--simulators") { Description = "Simulators compared, comma-separated: ir (the reference), verilator, icarus", DefaultValueFactory = _ => "ir,verilator" };
        var maxWidth = new Option<int>("--max-width") { Description = "Widest value a random design may make (over 64 exercises the wide-value paths)", DefaultValueFactory = _ => 128 }.AtLeast(8);
        var risingOnly = new Option<bool>("--rising-only") { Description = "Clock every design on the rising edge (by default half use the falling edge)" };
        var reducedOut = new Option<string>("--reduced") { Description = "Folder for the reduced design of each disagreeing seed", DefaultValueFactory = _ => "fuzz-reduced" };
        var shard = Shard.Option();
        var fuzzJson = new Option<FileInfo?>("--json") { Description = "Write the run's (or shard's) summary as JSON; --merge reads the shards' files" };
        var merge = new Option<FileInfo[]>("--merge") { Description = "Print and write (--json) the run of these shard files instead of fuzzing", AllowMultipleArgumentsPerToken = true };
        var fuzz = new Command("fuzz", "Differential fuzzing: random designs under the IR simulator, Verilator and Icarus Verilog must agree") { designs, seed, fuzzCycles, simulators, maxWidth, risingOnly, reducedOut, shard, fuzzJson, merge };
        fuzz.SetAction((result, token) => result.GetValue(merge) is { Length: > 0 } files
            ? Task.FromResult(FuzzBench.Merge(files, result.GetValue(fuzzJson)))
            : FuzzBench.RunAsync(result.GetValue(designs), result.GetValue(seed), result.GetValue(fuzzCycles), result.GetValue(simulators)!, result.GetValue(maxWidth), !result.GetValue(risingOnly), result.GetValue(reducedOut)!, result.GetValue(shard)!, result.GetValue(fuzzJson), token));
        var modelRuns = new Option<int>("--runs") { Description = "Timed forward passes after one warm-up", DefaultValueFactory = _ => 3 }.AtLeast(1);
        var model = new Command("model", "One forward pass of the DDPM CIFAR-10 UNet (random weights): our FP32 engine and int8 model beside PyTorch") { modelRuns };
        model.SetAction((result, token) => ModelBench.RunAsync(Math.Max(1, result.GetValue(modelRuns)), token));
        var programs = new Option<int>("--programs") { Description = "Random valid programs, each on the functional simulator and the RTL, every DDR byte compared", DefaultValueFactory = _ => 300 };
        var corrupt = new Option<int>("--corrupt") { Description = "Corrupted programs on the RTL, each of which must end by itself inside its DMA windows", DefaultValueFactory = _ => 2000 };
        var isaSeed = new Option<int>("--seed") { Description = "Seed of the first program; program i uses seed + i", DefaultValueFactory = _ => 1 };
        var isaPreset = new Option<string>("--preset") { Description = $"The machine, a named configuration: {string.Join(", ", Accelerator.Configuration.Presets.All.Keys)}", DefaultValueFactory = _ => Accelerator.Configuration.Presets.Small.Name };
        var isaFuzz = new Command("isa-fuzz", "ISA fuzzing: random valid programs on the functional simulator against the RTL under random DDR timing, and corrupted programs that must neither hang nor reach outside their DMA windows") { programs, corrupt, isaSeed, isaPreset };
        isaFuzz.SetAction((result, token) =>
        {
            var name = result.GetValue(isaPreset)!;
            if (!Accelerator.Configuration.Presets.All.ContainsKey(name))
            {
                Console.Error.WriteLine($"error: --preset: no preset '{name}'; choose from {string.Join(", ", Accelerator.Configuration.Presets.All.Keys)}");
                return Task.FromResult(1);
            }
            return IsaFuzzBench.RunAsync(Accelerator.Configuration.Presets.Get(name), result.GetValue(programs), result.GetValue(corrupt), result.GetValue(isaSeed), token);
        });
        return new Command("bench", "Benchmarks that print figures") { hdl, cosim, fuzz, model, isaFuzz };
    }

    private static int Hdl(int runs, int size)
    {
        if (runs < 1 || size < 1)
        {
            Console.Error.WriteLine("error: --runs and --size must be at least 1");
            return 1;
        }
        var flow = HdlFlow.For(() => new MacArray(size, size));
        flow.Run().ThrowIfFailed();
        var times = new List<double>();
        HdlResult? last = null;
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            last = flow.Run();
            watch.Stop();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        var median = times[times.Count / 2];
        var lines = last!.Verilog.Sum(f => f.Text.Count(c => c == '\n'));
        string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
        var table = new Table().AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("design", $"MacArray {size}x{size} ({size * size} int8 MACs)");
        table.AddRow("runs", runs.ToString(CultureInfo.InvariantCulture));
        table.AddRow("median elaborate+check+emit", $"{F(median)} ms");
        table.AddRow("min / max", $"{F(times[0])} / {F(times[^1])} ms");
        table.AddRow("modules emitted", last.Design.Modules.Count.ToString(CultureInfo.InvariantCulture));
        table.AddRow("Verilog lines", lines.ToString(CultureInfo.InvariantCulture));
        table.AddRow("target", median < 1000 ? "[green]under 1 s: met[/]" : "[red]under 1 s: missed[/]");
        AnsiConsole.Write(table);
        return 0;
    }
}
