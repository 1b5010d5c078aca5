using System.Diagnostics;
using System.Globalization;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Examples;
using DiffAcc.Sim;
using DiffAcc.Sim.Verilator;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc bench cosim</c>: co-simulation throughput against the bare Verilator loop, and the cached rebuild.</summary>
internal static class CosimBench
{
    public static async Task<int> RunAsync(long cycles, CancellationToken cancellation)
    {
        try
        {
            VerilatorModel? first = null;
            var rebuilds = new List<double>();
            var bare = 0.0;
            CosimResult? run = null;
            const string label = "bench cosim";
            await AnsiConsole.Status().StartAsync(label, async status =>
            {
                var stage = new PassStatus(status, label);
                var design = HdlFlow.For(() => new MacArray(16, 16)).Run();
                first = await VerilatorBuild.For(design).WithProgress(stage).BuildAsync(cancellation);
                for (var i = 0; i < 5; i++)
                {
                    stage.Report($"cached rebuild {i + 1} of 5");
                    var watch = Stopwatch.StartNew();
                    var again = await VerilatorBuild.For(HdlFlow.For(() => new MacArray(16, 16)).Run()).BuildAsync(cancellation);
                    rebuilds.Add(watch.Elapsed.TotalSeconds);
                    if (!again.FromCache)
                        throw new SimulationException("the second build of an unchanged design was not taken from the cache");
                }
                rebuilds.Sort();
                stage.Report($"bare Verilator loop, {cycles:#,0} cycles");
                bare = await Cosimulation.BareLoopCyclesPerSecondAsync(first, cycles, cancellation);
                stage.Report($"co-simulation against the C# golden, {cycles:#,0} cycles");
                run = await Cosimulation.Of(first)
                    .WithStimulus(new RandomMacStimulus())
                    .WithModel(new MacArrayModel(16, 16))
                    .WithCycles(cycles)
                    .RunAsync(cancellation);
            });
            if (first is null || run is null)
                throw new SimulationException("the benchmark did not run");

            string F(double v) => v.ToString("#,0", CultureInfo.InvariantCulture);
            var table = new Table().AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("design", "MacArray 16x16 (256 int8 MACs, 288 output words per cycle)");
            table.AddRow("first build this run", $"{first.BuildTime.TotalSeconds:0.00} s{(first.FromCache ? " (from cache)" : "")}");
            table.AddRow("cached rebuild (elaborate excluded), median of 5", $"{rebuilds[2]:0.000} s");
            table.AddRow("bare Verilator loop", $"{F(bare)} cycles/s");
            table.AddRow("co-simulation vs C# golden", $"{F(run.CyclesPerSecond)} cycles/s");
            table.AddRow("co-simulation / bare", $"{run.CyclesPerSecond / bare:0.00}");
            table.AddRow("cycles, words compared, mismatches", $"{F(run.Cycles)}, {F(run.ComparedWords)}, {run.MismatchCount}");
            AnsiConsole.Write(table);
            return run.Passed ? 0 : 1;
        }
        catch (SimulationException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private sealed class RandomMacStimulus : IStimulus
    {
        private ulong state = 0x2545f4914f6cdd1dUL;

        public void Fill(long cycle, Span<ulong> inputs)
        {
            for (var i = 0; i < 32; i++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                inputs[i] = state & 0xff;
            }
            inputs[32] = cycle % 64 == 0 ? 1UL : 0UL;
        }
    }
}
