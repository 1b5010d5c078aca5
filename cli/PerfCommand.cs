using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Performance;
using DiffAcc.Hdl.Emit;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Unet;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc perf</c>: the cycle model on a compiled UNet: per-layer cycles and bounds, per-step latency, images/s; <c>--validate</c> against the RTL.</summary>
internal static class PerfCommand
{
    public static Command Create()
    {
        var accelerator = new AcceleratorOptions();
        var model = new Option<DirectoryInfo?>("--model") { Description = "Diffusers model folder; default: a UNet shaped like google/ddpm-cifar10-32 with random weights (timing does not depend on the values)" };
        var quant = new Option<FileInfo?>("--quant") { Description = "Quantization file for --model (default: uniform scales, enough for timing; the shipped model's own file for --validate)" };
        var steps = new Option<int>("--steps") { Description = "DDIM steps of a trajectory, for images/s", DefaultValueFactory = _ => 50 }.AtLeast(1);
        var batch = new Option<int?>("--batch") { Description = "Samples per forward (side by side, groups / batch PE groups each, in the small layers; one after another on every group in the large ones); default: 1 and the preset's group count" };
        var ddr = new Option<string>("--ddr") { Description = "DDR timing: board (a ZCU102 HP port) or testbench (the Verilator harness's random DDR)", DefaultValueFactory = _ => "board" };
        ddr.AcceptOnlyFromAmong("board", "testbench");
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures and the per-layer table as JSON" };
        var plot = new Option<FileInfo?>("--plot") { Description = "Also write a PNG of where the cycles go, by kind of layer, for each batch size" };
        var validate = new Option<bool>("--validate") { Description = "Run the compiled model (the shipped one unless --model or --cifar10) and each of its layers on the Verilator model of DiffAccTop and print estimated against measured cycles" };
        var layer = new Option<string[]>("--layer") { Description = "--validate: only the layers whose name contains this (repeat it for several); with --timeline alone, the layers to print" };
        var cifar = new Option<bool>("--cifar10") { Description = "--validate: the UNet shaped like google/ddpm-cifar10-32 (random weights, uniform scales) that perf times without --model, instead of the shipped model" };
        var timeline = new Option<bool>("--timeline") { Description = "Print the cycle model's dispatch, launch and done cycle of every instruction (of the --layer layers)" };
        var trace = new Option<FileInfo?>("--trace") { Description = "--validate with --layer: write the RTL run's waveform (VCD)" };
        var runs = new Option<int>("--runs") { Description = "--validate: run each layer alone this many times (the testbench's DDR with a new seed each, the model with as many seeds) and compare the means", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var command = new Command("perf", "Cycle model of a compiled UNet forward: per-layer cycles, PE utilisation, DDR bytes and bound, per-step latency and images/s")
        {
            model, quant, steps, batch, ddr, json, plot, validate, layer, cifar, timeline, trace, runs,
        };
        accelerator.AddTo(command);
        command.SetAction(result =>
        {
            try
            {
                var config = accelerator.Resolve(result);
                if (OutputPath.Refuses(result.GetValue(json) is { } j ? OutputPath.FileProblem("--json", j.FullName) : null, result.GetValue(plot) is { } p ? OutputPath.FileProblem("--plot", p.FullName) : null,
                    result.GetValue(trace) is { } t ? OutputPath.FileProblem("--trace", t.FullName) : null))
                    return 1;
                var timing = result.GetValue(ddr) == "testbench" ? DdrTiming.Testbench : DdrTiming.Board;
                var layers = result.GetValue(layer) is { Length: > 0 } named ? named : null;
                if (result.GetValue(validate))
                {
                    if (result.GetValue(trace) is not null && layers is null)
                    {
                        Console.Error.WriteLine("error: --trace needs --layer (a whole forward's waveform would take gigabytes)");
                        return 1;
                    }
                    if (result.GetValue(cifar) && result.GetValue(model) is not null)
                    {
                        Console.Error.WriteLine("error: --cifar10 and --model both name the UNet to validate: give one");
                        return 1;
                    }
                    var validated = result.GetValue(cifar) ? Load(null, null) : Load(result.GetValue(model)?.FullName ?? ModelOptions.ShippedUNet, result.GetValue(quant)?.FullName ?? (result.GetValue(model) is null ? ModelOptions.ShippedQuantization : null));
                    return PerfValidation.Run(config, validated, layers, result.GetValue(timeline), result.GetValue(trace)?.FullName, result.GetValue(trace) is null ? result.GetValue(runs) : 1);
                }
                var unet = Load(result.GetValue(model)?.FullName, result.GetValue(quant)?.FullName);
                var batches = result.GetValue(batch) is { } b ? [b] : config.Groups > 1 ? new[] { 1, config.Groups } : [1];
                return Report(unet, config, timing, result.GetValue(steps), batches, result.GetValue(json)?.FullName, result.GetValue(plot)?.FullName, result.GetValue(timeline) ? layers ?? [""] : null);
            }
            catch (Exception e) when (e is CompileException or ConfigException or ModelFileException or IOException or UnauthorizedAccessException or Sim.SimulationException or Accelerator.Isa.Simulation.MachineFault)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The int8 UNet to time: the folder's with its quantization file, or uniform scales, or the CIFAR-10-shaped UNet.</summary>
    public static QuantizedUNet Load(string? folder, string? quantization)
    {
        var fp32 = folder is null ? UNet2D.Random(UNetConfig.DdpmCifar10, 0) : UNet2D.Load(folder);
        if (quantization is not null)
            return QuantizedUNet.Load(fp32, quantization);
        var points = ActivationPoints.Of(fp32.Config, fp32.Parameters.ContainsKey);
        var uniform = new QuantizationFile([new StepGroup(999, 0)], points.ToDictionary(p => p, _ => new[] { 1 / 32.0 }, StringComparer.Ordinal), new CalibrationInfo("uniform (timing only)", 0, "none", 0, 0));
        return new QuantizedUNet(fp32, uniform);
    }

    private static string N(double v) => v.ToString("#,0", CultureInfo.InvariantCulture);

    private static string P(double share) => (100 * share).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static int Report(QuantizedUNet unet, AcceleratorConfig config, DdrTiming ddr, int steps, IReadOnlyList<int> batches, string? json, string? plot, IReadOnlyList<string>? timelineOf)
    {
        var timesteps = ModelOptions.DdimTimesteps(steps);
        var runs = new List<object>();
        var timings = new List<(int, IReadOnlyList<LayerTiming>)>();
        var summary = new Table().Title($"{unet.Config.SampleSize}x{unet.Config.SampleSize} UNet on {config.Name} at {config.ClockMHz:0} MHz, DDR {(ddr == DdrTiming.Board ? "board" : "testbench")} ({ddr.MeanLatency:0} cycles latency, {ddr.ReadBeatsPerCycle:0.00} beats/cycle)")
            .AddColumn("batch").AddColumn(new TableColumn("cycles per forward").RightAligned()).AddColumn(new TableColumn("ms per step").RightAligned())
            .AddColumn(new TableColumn($"images/s ({steps} steps)").RightAligned()).AddColumn(new TableColumn("PE utilisation").RightAligned()).AddColumn(new TableColumn("roofline share").RightAligned())
            .AddColumn(new TableColumn("DDR MB per forward").RightAligned());
        // The part's roofline: every DSP48E2 doing two int8 MACs a cycle.
        var roofline = config.Part.Dsp48E2 * 2.0;
        foreach (var batch in batches)
        {
            var compiled = UNetCompiler.Compile(unet, config, timesteps, batch);
            var registers = compiled.Registers(compiled.Layout(), 0);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var estimate = CycleModel.For(config).WithDdr(ddr).Run(compiled.Program.Instructions, registers);
            watch.Stop();
            var layers = LayerTiming.Of(compiled, estimate);
            timings.Add((batch, layers));
            if (timelineOf is not null)
            {
                foreach (var l in compiled.Layers.Where(l => timelineOf.Any(n => l.Name.Contains(n, StringComparison.Ordinal))))
                    PerfValidation.PrintTimeline($"batch {batch}, {l.Name}", estimate, l.FirstInstruction, l.InstructionCount);
            }
            var macs = compiled.Layers.Sum(l => l.Macs);
            var ms = estimate.Cycles / (config.ClockMHz * 1000);
            var imagesPerSecond = batch / (steps * ms / 1000);
            // The program's DDR traffic, instruction fetch included: the per-layer table's total, the summary and the JSON are one figure.
            var ddrBytes = layers.Sum(l => l.DdrBytes);
            if (batch == batches[0])
                AnsiConsole.Write(LayerTable(layers, config, batch));
            summary.AddRow(batch.ToString(CultureInfo.InvariantCulture), N(estimate.Cycles), ms.ToString("0.000", CultureInfo.InvariantCulture), imagesPerSecond.ToString("0.00", CultureInfo.InvariantCulture),
                P(macs / (estimate.Cycles * config.Macs)), P(macs / (estimate.Cycles * roofline)), (ddrBytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture));
            Console.WriteLine($"batch {batch}: {compiled.Program.Count:#,0} instructions, {macs:#,0} MACs, modelled in {watch.Elapsed.TotalSeconds:0.00} s");
            runs.Add(new
            {
                batch,
                cycles = estimate.Cycles,
                ms_per_step = ms,
                images_per_second = imagesPerSecond,
                macs,
                pe_utilisation = macs / (estimate.Cycles * config.Macs),
                roofline_share = macs / (estimate.Cycles * roofline),
                ddr_bytes = ddrBytes,
                layers = layers.Select(l => new { name = l.Name, operation = l.Operation, macs = l.Macs, cycles = l.Cycles, pe_cycles = l.PeCycles, dma_cycles = l.DmaCycles, vector_cycles = l.VectorCycles, ddr_bytes = l.DdrBytes, bound = l.Bound.ToString().ToLowerInvariant() }),
            });
        }
        AnsiConsole.Write(summary);
        Console.WriteLine($"roofline: {config.Part.Dsp48E2:#,0} DSP48E2 x 2 MACs x {config.ClockMHz:0} MHz = {roofline * config.ClockMHz / 1e6:0.00} TMAC/s; the array: {config.Macs:#,0} MACs/cycle = {config.Macs * config.ClockMHz / 1e6:0.00} TMAC/s");
        var outputs = new List<(string Path, byte[] Contents)>();
        if (plot is not null)
            outputs.Add((plot, CyclePlot.Png($"{unet.Config.SampleSize}x{unet.Config.SampleSize} UNet forward on {config.Name}", timings)));
        if (json is not null)
        {
            var document = new { preset = config.Name, clock_mhz = config.ClockMHz, ddr = new { ddr.LatencyMin, ddr.LatencyMax, ddr.Ready, ddr.Gap, ddr.Outstanding }, steps, runs };
            outputs.Add((json, JsonSerializer.SerializeToUtf8Bytes(document, new JsonSerializerOptions { WriteIndented = true })));
        }
        foreach (var written in StagedWrite.Files(outputs))
            Console.WriteLine($"wrote {written} (in {DiffAccCommand.Elapsed})");
        return 0;
    }

    private static Table LayerTable(IReadOnlyList<LayerTiming> layers, AcceleratorConfig config, int batch)
    {
        var table = new Table().Title($"layers, batch {batch}").AddColumn("layer").AddColumn("operation").AddColumn(new TableColumn("MACs").RightAligned()).AddColumn(new TableColumn("cycles").RightAligned())
            .AddColumn(new TableColumn("PE").RightAligned()).AddColumn(new TableColumn("DMA").RightAligned()).AddColumn(new TableColumn("vector").RightAligned())
            .AddColumn(new TableColumn("PE util.").RightAligned()).AddColumn(new TableColumn("DDR bytes").RightAligned()).AddColumn("bound");
        foreach (var l in layers)
            table.AddRow(Markup.Escape(l.Name), l.Operation, N(l.Macs), N(l.Cycles), N(l.PeCycles), N(l.DmaCycles), N(l.VectorCycles), P(l.PeUtilisation(config.Macs)), N(l.DdrBytes), l.Bound.ToString().ToLowerInvariant());
        table.AddRow("total", "", N(layers.Sum(l => l.Macs)), N(layers.Sum(l => l.Cycles)), N(layers.Sum(l => l.PeCycles)), N(layers.Sum(l => l.DmaCycles)), N(layers.Sum(l => l.VectorCycles)), "", N(layers.Sum(l => l.DdrBytes)), "");
        return table;
    }
}
