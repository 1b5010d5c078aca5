using System.Globalization;
using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Performance;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>One program timed both ways: the cycle model's estimate and the RTL's cycle counter.</summary>
internal sealed record CycleComparison(string Name, double Estimated, ulong Measured)
{
    public double Error => (Estimated - Measured) / Measured;
}

/// <summary>
/// <c>diffacc perf --validate</c>: the compiled model's whole forward and each of its layers alone (its
/// instructions, FINISH instead of its closing SYNC) on the Verilator model of DiffAccTop under the
/// testbench's DDR, against the cycle model under the same DDR timing. With a layer filter, only those
/// layers (and a waveform of the last of them, when asked for).
/// </summary>
internal static class PerfValidation
{
    /// <summary>The most a layer's estimate may differ from the RTL's cycles.</summary>
    public const double LayerTolerance = 0.05;

    /// <summary>The most the whole forward's estimate may differ.</summary>
    public const double ForwardTolerance = 0.03;

    public static int Run(AcceleratorConfig config, Model.Int8.QuantizedUNet unet, IReadOnlyList<string>? layerNames, bool timeline, string? vcd)
    {
        var compiled = UNetCompiler.Compile(unet, config, ModelOptions.DdimTimesteps(2), 1);
        Console.WriteLine($"compiled for {config.Name}: {compiled.Program.Count:#,0} instructions in {compiled.Layers.Count} layers");
        var missing = layerNames?.FirstOrDefault(n => !compiled.Layers.Any(l => l.Name.Contains(n, StringComparison.Ordinal)));
        if (missing is not null)
        {
            Console.Error.WriteLine($"error: no layer of the compiled model has \"{missing}\" in its name");
            return 1;
        }
        var only = layerNames is null ? null : compiled.Layers.Where(l => layerNames.Any(n => l.Name.Contains(n, StringComparison.Ordinal))).ToList();
        Console.WriteLine($"building the Verilator model of DiffAccTop ({config.Name}) ...");
        var verilated = RtlRunner.Build(config, vcd is not null);
        var runner = new RtlRunner(verilated) { Ddr = DdrTiming.Testbench, VcdPath = vcd };
        var model = CycleModel.For(config).WithDdr(DdrTiming.Testbench);
        IReadOnlyList<CycleComparison> results = [];
        var runs = only?.Count ?? (compiled.Layers.Count + 1);
        if (timeline)
        {
            // The timeline prints as it goes; a live progress bar would tear it.
            results = Compare(compiled, runner, model, only, PrintTimeline);
        }
        else
        {
            AnsiConsole.Progress().Start(context =>
            {
                var task = context.AddTask($"{runs} runs on the RTL and the cycle model", maxValue: runs);
                results = Compare(compiled, runner, model, only, progress: new SynchronousProgress(done => task.Value = done));
            });
        }
        AnsiConsole.Write(Table(results, config));
        var forward = only is null ? results[^1] : null;
        var layers = only is null ? results.Take(results.Count - 1).ToList() : results;
        var worstLayer = layers.MaxBy(r => Math.Abs(r.Error))!;
        var ok = (forward is null || Math.Abs(forward.Error) <= ForwardTolerance) && Math.Abs(worstLayer.Error) <= LayerTolerance;
        if (forward is not null)
            Console.WriteLine($"whole forward: estimated {forward.Estimated:#,0}, measured {forward.Measured:#,0} cycles ({Percent(forward.Error)})");
        Console.WriteLine($"worst layer {worstLayer.Name} ({Percent(worstLayer.Error)}); "
            + (ok ? $"within {LayerTolerance:P0} per layer" + (forward is null ? "" : $" and {ForwardTolerance:P0} for the forward") : "OUTSIDE the tolerances"));
        return ok ? 0 : 1;
    }

    private static void PrintTimeline(string name, CycleEstimate estimate) => PrintTimeline(name, estimate, 0, int.MaxValue);

    /// <summary>The model's dispatch, launch and done cycle of <paramref name="count"/> instructions from <paramref name="first"/>.</summary>
    public static void PrintTimeline(string name, CycleEstimate estimate, int first, int count)
    {
        Console.WriteLine($"{name}: the cycle model's timeline (dispatch, launch, done)");
        foreach (var t in estimate.Instructions.Where(t => t.Index >= first && t.Index - first < count))
            Console.WriteLine($"  {t.Index,5} {t.Engine,-8} {t.Dispatch,10:0} {t.Launch,10:0} {t.Done,10:0}  {AcceleratorProgram.Describe(t.Instruction)}");
    }

    /// <summary>Each layer alone, then the whole forward (last) unless <paramref name="only"/> names the layers.</summary>
    public static IReadOnlyList<CycleComparison> Compare(CompiledUNet compiled, RtlRunner runner, CycleModel model, IReadOnlyList<CompiledLayer>? only = null, Action<string, CycleEstimate>? timeline = null, IProgress<int>? progress = null)
    {
        var layout = compiled.Layout();
        var registers = compiled.Registers(layout, 0);
        var results = new List<CycleComparison>();
        foreach (var layer in only ?? compiled.Layers)
        {
            // A layer alone: its tokens from and to the layers around it have no partner here, so they are placed anew.
            var alone = compiled.Program.Instructions.Skip(layer.FirstInstruction).Take(layer.InstructionCount).Where(i => i is not (Sync or Finish)).Append(new Finish()).ToList();
            results.Add(Measure(layer.Name, TokenPlacement.Place(model.Config, alone, registers.StepGroup)));
        }
        if (only is null)
            results.Add(Measure("whole forward", compiled.Program.Instructions));
        return results;

        CycleComparison Measure(string name, IReadOnlyList<Instruction> program)
        {
            var ddr = compiled.NewDdr(layout);
            AcceleratorProgram.Encode(program).CopyTo(ddr.Bytes, layout.ProgramAddress - layout.Address);
            var run = runner.Run(program.Count, ddr, layout.ProgramAddress, registers);
            var estimate = model.Run(program, registers);
            timeline?.Invoke(name, estimate);
            progress?.Report(results.Count + 1);
            return new CycleComparison(name, estimate.Cycles, run.Counters![RegisterMap.Cycles.Name]);
        }
    }

    private static string Percent(double share) => (share >= 0 ? "+" : "") + (100 * share).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static Table Table(IReadOnlyList<CycleComparison> results, AcceleratorConfig config)
    {
        var table = new Table().Title($"cycle model against DiffAccTop ({config.Name}) under Verilator, testbench DDR")
            .AddColumn("program").AddColumn(new TableColumn("estimated").RightAligned()).AddColumn(new TableColumn("measured").RightAligned()).AddColumn(new TableColumn("error").RightAligned());
        foreach (var r in results)
            table.AddRow(Markup.Escape(r.Name), r.Estimated.ToString("#,0", CultureInfo.InvariantCulture), r.Measured.ToString("#,0", CultureInfo.InvariantCulture), Percent(r.Error));
        return table;
    }
}
