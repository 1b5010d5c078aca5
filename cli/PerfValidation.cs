using System.Globalization;
using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Performance;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>One program timed both ways, each the mean of its runs: the cycle model's estimate and the RTL's cycle counter.</summary>
internal sealed record CycleComparison(string Name, double Estimated, double Measured, bool Convolution = false)
{
    public double Error => (Estimated - Measured) / Measured;
}

/// <summary>
/// <c>diffacc perf --validate</c>: the compiled model's whole forward and each of its layers alone (its
/// instructions, FINISH instead of its closing SYNC) on the Verilator model of DiffAccTop under the
/// testbench's DDR, against the cycle model under the same DDR timing. The testbench draws each burst's
/// latency at random (a new seed per run), and the model draws its own: a short layer of a few bursts
/// differs by a few percent between two draws, so each layer runs <c>runs</c> times on both (the model
/// with as many seeds) and the means are compared. With a layer filter, only those layers (and a
/// waveform of the last of them, when asked for).
/// </summary>
internal static class PerfValidation
{
    /// <summary>The most a layer's estimate may differ from the RTL's cycles.</summary>
    public const double LayerTolerance = 0.05;

    /// <summary>The most a convolution's (3x3, 1x1, upsampling) estimate may differ.</summary>
    public const double ConvolutionTolerance = 0.01;

    /// <summary>The most the whole forward's estimate may differ.</summary>
    public const double ForwardTolerance = 0.03;

    public static int Run(AcceleratorConfig config, Model.Int8.QuantizedUNet unet, IReadOnlyList<string>? layerNames, bool timeline, string? vcd, int runs = 1)
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
        var programs = (Layers(only ?? compiled.Layers).Count * runs) + (only is null ? 1 : 0);
        if (timeline)
        {
            // The timeline prints as it goes; a live progress bar would tear it.
            results = Compare(compiled, runner, model, only, PrintTimeline, runs: runs);
        }
        else
        {
            AnsiConsole.Progress().Start(context =>
            {
                var task = context.AddTask($"{programs} runs on the RTL and the cycle model", maxValue: programs);
                results = Compare(compiled, runner, model, only, progress: new SynchronousProgress(done => task.Value = done), runs: runs);
            });
        }
        AnsiConsole.Write(Table(results, config, runs));
        var forward = only is null ? results[^1] : null;
        var layers = only is null ? results.Take(results.Count - 1).ToList() : results;
        var worstLayer = layers.MaxBy(r => Math.Abs(r.Error))!;
        var convolutions = layers.Where(r => r.Convolution).ToList();
        var worstConvolution = convolutions.MaxBy(r => Math.Abs(r.Error));
        var ok = (forward is null || Math.Abs(forward.Error) <= ForwardTolerance) && Math.Abs(worstLayer.Error) <= LayerTolerance
            && (worstConvolution is null || Math.Abs(worstConvolution.Error) <= ConvolutionTolerance);
        if (forward is not null)
            Console.WriteLine($"whole forward: estimated {forward.Estimated:#,0}, measured {forward.Measured:#,0} cycles ({Percent(forward.Error)})");
        Console.WriteLine($"layers within {LayerTolerance:P0}: {layers.Count(r => Math.Abs(r.Error) <= LayerTolerance)} of {layers.Count}, within 1 %: {layers.Count(r => Math.Abs(r.Error) <= 0.01)}; "
            + $"convolutions within {ConvolutionTolerance:P0}: {convolutions.Count(r => Math.Abs(r.Error) <= ConvolutionTolerance)} of {convolutions.Count}");
        Console.WriteLine($"worst layer {worstLayer.Name} ({Percent(worstLayer.Error)})" + (worstConvolution is null ? "" : $", worst convolution {worstConvolution.Name} ({Percent(worstConvolution.Error)})") + "; "
            + (ok ? $"within {LayerTolerance:P0} per layer, {ConvolutionTolerance:P0} per convolution" + (forward is null ? "" : $" and {ForwardTolerance:P0} for the forward") : "OUTSIDE the tolerances"));
        return ok ? 0 : 1;
    }

    /// <summary>The layers, each as its pieces (one, unless a pass moved some of its work under an earlier layer's), in the order they begin.</summary>
    private static List<List<CompiledLayer>> Layers(IEnumerable<CompiledLayer> pieces)
        => [.. pieces.GroupBy(l => (l.Name, l.Sample)).Select(g => g.ToList())];

    private static void PrintTimeline(string name, CycleEstimate estimate) => PrintTimeline(name, estimate, 0, int.MaxValue);

    /// <summary>The model's dispatch, launch and done cycle of <paramref name="count"/> instructions from <paramref name="first"/>.</summary>
    public static void PrintTimeline(string name, CycleEstimate estimate, int first, int count)
    {
        Console.WriteLine($"{name}: the cycle model's timeline (dispatch, launch, done)");
        foreach (var t in estimate.Instructions.Where(t => t.Index >= first && t.Index - first < count))
            Console.WriteLine($"  {t.Index,5} {t.Engine,-8} {t.Dispatch,10:0} {t.Launch,10:0} {t.Done,10:0}  {AcceleratorProgram.Describe(t.Instruction)}");
    }

    /// <summary>
    /// Each layer alone, <paramref name="runs"/> times (the RTL with a new DDR seed each run, the model with seeds
    /// 1 .. runs), then the whole forward once (last) unless <paramref name="only"/> names the layers.
    /// </summary>
    public static IReadOnlyList<CycleComparison> Compare(CompiledUNet compiled, RtlRunner runner, CycleModel model, IReadOnlyList<CompiledLayer>? only = null, Action<string, CycleEstimate>? timeline = null, IProgress<int>? progress = null, int runs = 1)
    {
        var layout = compiled.Layout();
        var registers = compiled.Registers(layout, 0);
        var results = new List<CycleComparison>();
        var done = 0;
        foreach (var pieces in Layers(only ?? compiled.Layers))
        {
            // A layer alone, every piece of it (work a pass moved under an earlier layer included), in program order:
            // its tokens from and to the layers around it have no partner here, so they are placed anew.
            var alone = pieces.SelectMany(p => compiled.Program.Instructions.Skip(p.FirstInstruction).Take(p.InstructionCount)).Where(i => i is not (Sync or Finish)).Append(new Finish()).ToList();
            results.Add(Measure(pieces[0].Name, TokenPlacement.Place(model.Config, alone, registers.StepGroup), runs) with { Convolution = pieces[0].Operation.Contains("conv", StringComparison.Ordinal) });
        }
        if (only is null)
            results.Add(Measure("whole forward", compiled.Program.Instructions, 1));
        return results;

        CycleComparison Measure(string name, IReadOnlyList<Instruction> program, int times)
        {
            var (estimated, measured) = (0.0, 0.0);
            for (var r = 0; r < times; r++)
            {
                var ddr = compiled.NewDdr(layout);
                AcceleratorProgram.Encode(program).CopyTo(ddr.Bytes, layout.ProgramAddress - layout.Address);
                measured += runner.Run(program.Count, ddr, layout.ProgramAddress, registers).Counters![RegisterMap.Cycles.Name];
                var estimate = model.WithDdr(model.Ddr with { Seed = r + 1 }).Run(program, registers);
                if (r == 0)
                    timeline?.Invoke(name, estimate);
                estimated += estimate.Cycles;
                progress?.Report(++done);
            }
            return new CycleComparison(name, estimated / times, measured / times);
        }
    }

    private static string Percent(double share) => (share >= 0 ? "+" : "") + (100 * share).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static Table Table(IReadOnlyList<CycleComparison> results, AcceleratorConfig config, int runs)
    {
        var table = new Table().Title($"cycle model against DiffAccTop ({config.Name}) under Verilator, testbench DDR{(runs > 1 ? $", each layer the mean of {runs} runs" : "")}")
            .AddColumn("program").AddColumn(new TableColumn("estimated").RightAligned()).AddColumn(new TableColumn("measured").RightAligned()).AddColumn(new TableColumn("error").RightAligned());
        foreach (var r in results)
            table.AddRow(Markup.Escape(r.Name), r.Estimated.ToString("#,0", CultureInfo.InvariantCulture), r.Measured.ToString("#,0", CultureInfo.InvariantCulture), Percent(r.Error));
        return table;
    }
}
