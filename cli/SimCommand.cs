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
        var command = new Command("sim", "Run the registered Verilator testbenches against their C# models") { filter, trace, traceCycles, junit };
        command.SetAction((result, token) => RunAsync(Testbenches, result.GetValue(filter), result.GetValue(trace), result.GetValue(junit), token, result.GetValue(traceCycles)));
        return command;
    }

    internal static async Task<int> RunAsync(IReadOnlyList<ITestbench> registered, string? filter, bool trace, FileInfo? junit, CancellationToken cancellation, long traceCycles = 10_000)
    {
        if (junit is not null && OutputPath.Refuses(OutputPath.FileProblem("--junit", junit.FullName)))
            return 1;
        var selected = RegressionRunner.Select(registered, filter);
        if (selected.Count == 0)
        {
            Console.Error.WriteLine($"error: no testbench matches '{filter}'; known: {string.Join(", ", registered.Select(t => t.Name))}");
            return 1;
        }
        IReadOnlyList<TestbenchResult> results = [];
        var options = new TestbenchOptions(trace, Path.GetFullPath("sim-traces"), traceCycles);
        await AnsiConsole.Progress().StartAsync(async context =>
        {
            var task = context.AddTask("testbenches", maxValue: selected.Count);
            results = await RegressionRunner.RunAsync(selected, options, (next, done) => (task.Description, task.Value) = (next.Name, done), cancellation);
            task.Value = selected.Count;
        });
        var table = new Table().AddColumn("testbench").AddColumn(new TableColumn("cycles").RightAligned()).AddColumn(new TableColumn("time").RightAligned()).AddColumn("result");
        foreach (var r in results)
            table.AddRow(Markup.Escape(r.Name), r.Cycles.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture), $"{r.Elapsed.TotalSeconds:0.00} s", r.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        AnsiConsole.Write(table);
        foreach (var r in results.Where(r => !r.Passed))
            Console.Error.WriteLine($"{r.Name}: {r.Failure}");
        foreach (var r in results.Where(r => r.TracePath is not null))
            Console.WriteLine($"trace: {r.TracePath} (GTKWave: gtkwave {Path.ChangeExtension(r.TracePath, ".gtkw")})");
        if (junit is not null)
        {
            Hdl.Emit.StagedWrite.Files([(junit.FullName, System.Text.Encoding.UTF8.GetBytes(RegressionRunner.JUnit(results)))]);
        }
        Console.WriteLine($"{results.Count(r => r.Passed)} passed, {results.Count(r => !r.Passed)} failed");
        return results.All(r => r.Passed) ? 0 : 1;
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
