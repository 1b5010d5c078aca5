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
        var fuzz = new Command("fuzz", "Differential fuzzing: random designs under the IR simulator and Verilator must agree") { designs, seed, fuzzCycles };
        fuzz.SetAction((result, token) => FuzzBench.RunAsync(result.GetValue(designs), result.GetValue(seed), result.GetValue(fuzzCycles), token));
        var modelRuns = new Option<int>("--runs") { Description = "Timed forward passes after one warm-up", DefaultValueFactory = _ => 3 }.AtLeast(1);
        var model = new Command("model", "One forward pass of the DDPM CIFAR-10 UNet (random weights): our FP32 engine and int8 model beside PyTorch") { modelRuns };
        model.SetAction((result, token) => ModelBench.RunAsync(Math.Max(1, result.GetValue(modelRuns)), token));
        return new Command("bench", "Benchmarks that print figures") { hdl, cosim, fuzz, model };
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
