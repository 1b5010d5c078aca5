using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Performance;
using DiffAcc.Hdl.Emit;
using DiffAcc.Model.Int8;
using DiffAcc.Model.SafeTensors;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>One configuration of the sweep: its resources and, when it fits and compiles, its timing.</summary>
internal sealed record ExplorePoint(AcceleratorConfig Config, ResourceEstimate Resources, double? MsPerStep, double? ImagesPerSecond, string? Problem)
{
    public bool Timed => MsPerStep is not null;

    public string Shape => $"{Config.Groups} x {Config.Tm} x {Config.Tn}, {Config.VectorLanes} lanes";
}

/// <summary>
/// <c>diffacc explore</c>: sweeps PE groups, Tm, Tn and vector lanes within the part (DSP48E2 exactly,
/// RAMB36E2 and LUTs by <see cref="ResourceModel"/>), compiles the UNet for each configuration that fits,
/// times it with the cycle model, and prints the Pareto set of batch-1 latency, batch-G throughput and DSP48E2.
/// </summary>
internal static class ExploreCommand
{
    /// <summary>The share of the part's LUTs a configuration may plan, leaving room for routing and timing closure.</summary>
    public const double LutBudget = 0.85;

    public static Command Create()
    {
        var model = new Option<DirectoryInfo?>("--model") { Description = "Diffusers model folder; default: a UNet shaped like google/ddpm-cifar10-32 (random weights)" };
        var quant = new Option<FileInfo?>("--quant") { Description = "Quantization file for --model (default: uniform scales, enough for timing)" };
        var steps = new Option<int>("--steps") { Description = "DDIM steps of a trajectory, for images/s", DefaultValueFactory = _ => 50 }.AtLeast(1);
        var groups = new Option<int[]>("--groups") { Description = "PE group counts to try", DefaultValueFactory = _ => [1, 2, 4, 8], AllowMultipleArgumentsPerToken = true };
        var sizes = new Option<int[]>("--sizes") { Description = "Tm and Tn values to try (Tm divides Tn)", DefaultValueFactory = _ => [16, 32, 64], AllowMultipleArgumentsPerToken = true };
        var lanes = new Option<int[]>("--lanes") { Description = "Vector lanes to try", DefaultValueFactory = _ => [4, 8, 16], AllowMultipleArgumentsPerToken = true };
        var json = new Option<FileInfo?>("--json") { Description = "Also write every point as JSON" };
        var alsoShipped = new Option<bool>("--shipped-must-compile") { Description = "Keep only configurations the shipped Fashion-MNIST UNet also compiles for (the models a default preset must run)", DefaultValueFactory = _ => true };
        var command = new Command("explore", "Sweep accelerator configurations within the part and print the Pareto set of per-step latency, images/s and DSP48E2 for a UNet")
        {
            model, quant, steps, groups, sizes, lanes, json, alsoShipped,
        };
        command.SetAction(result =>
        {
            try
            {
                if (result.GetValue(json) is { } j && OutputPath.Refuses(OutputPath.FileProblem("--json", j.FullName)))
                    return 1;
                var grid = Grid(Presets.Default, result.GetValue(groups)!, result.GetValue(sizes)!, result.GetValue(lanes)!, out var rejected);
                // One line per configuration field at fault, with the first combination's reason as the example.
                foreach (var field in rejected.GroupBy(r => r.Field))
                    Console.WriteLine($"left out {field.Count()} combination(s) for {field.Key} ({string.Join(", ", field.Take(3).Select(r => r.Name))}{(field.Count() > 3 ? ", ..." : "")}): {field.First().Name}: {field.First().Reason}");
                if (grid.Count == 1)
                {
                    Console.Error.WriteLine("error: --groups, --sizes and --lanes give no valid configuration besides the default preset; see the reasons above");
                    return 1;
                }
                var unet = PerfCommand.Load(result.GetValue(model)?.FullName, result.GetValue(quant)?.FullName);
                var also = result.GetValue(alsoShipped) ? new[] { PerfCommand.Load(ModelOptions.ShippedUNet, ModelOptions.ShippedQuantization) } : [];
                var points = Sweep(unet, grid, result.GetValue(steps), DdrTiming.Board, also, name => Console.WriteLine($"  {name}"));
                Report(points, Presets.Default, result.GetValue(json)?.FullName);
                return 0;
            }
            catch (Exception e) when (e is ModelFileException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>
    /// The configurations to try: every valid combination, with the default preset's buffers (the
    /// activation buffers' total kept, split over the groups), packing on, and the default itself;
    /// <paramref name="rejected"/> names each invalid combination and why.
    /// </summary>
    public static IReadOnlyList<AcceleratorConfig> Grid(AcceleratorConfig basis, IEnumerable<int> groups, IReadOnlyList<int> sizes, IReadOnlyList<int> lanes, out IReadOnlyList<(string Name, string Field, string Reason)> rejected)
    {
        var total = basis.ActivationBufferKiB * basis.Groups;
        var grid = new List<AcceleratorConfig> { basis };
        var invalid = new List<(string Name, string Field, string Reason)>();
        rejected = invalid;
        foreach (var g in groups)
        {
            foreach (var tm in sizes)
            {
                foreach (var tn in sizes)
                {
                    foreach (var l in lanes)
                    {
                        var config = basis with { Name = $"g{g}-{tm}x{tn}-l{l}", Groups = g, Tm = tm, Tn = tn, VectorLanes = l, ActivationBufferKiB = g >= 1 ? Math.Max(1, total / g) : basis.ActivationBufferKiB };
                        if (config.Validate() is { Count: > 0 } problems)
                            invalid.Add((config.Name, problems[0].Field, string.Join("; ", problems.Select(p => $"{p.Field} {p.Problem}"))));
                        else if (!grid.Any(c => c with { Name = "" } == config with { Name = "" }))
                            grid.Add(config);
                    }
                }
            }
        }
        return grid;
    }

    /// <summary>Times <paramref name="unet"/> on each configuration that fits and that every model of <paramref name="mustCompile"/> also compiles for.</summary>
    public static IReadOnlyList<ExplorePoint> Sweep(QuantizedUNet unet, IReadOnlyList<AcceleratorConfig> grid, int steps, DdrTiming ddr, IReadOnlyList<QuantizedUNet> mustCompile, Action<string>? progress = null)
    {
        var timesteps = ModelOptions.DdimTimesteps(steps);
        var points = new List<ExplorePoint>();
        foreach (var config in grid)
        {
            var resources = ResourceModel.Of(config);
            if (resources.Luts > LutBudget * config.Part.Luts || resources.Ramb36 > config.Part.Ramb36)
            {
                points.Add(new ExplorePoint(config, resources, null, null, resources.Luts > LutBudget * config.Part.Luts ? $"{resources.Luts:#,0} LUT over {LutBudget:P0} of the part" : $"{resources.Ramb36} RAMB36E2 over the part"));
                continue;
            }
            if (mustCompile.Select(other => Refusal(other, config, timesteps)).FirstOrDefault(r => r is not null) is { } refusal)
            {
                points.Add(new ExplorePoint(config, resources, null, null, $"the shipped model does not compile: {refusal}"));
                continue;
            }
            progress?.Invoke(config.Name);
            try
            {
                double Cycles(int batch)
                {
                    var compiled = UNetCompiler.Compile(unet, config, timesteps, batch);
                    return CycleModel.For(config).WithDdr(ddr).Run(compiled.Program.Instructions, compiled.Registers(compiled.Layout(), 0)).Cycles;
                }
                var single = Cycles(1);
                var full = config.Groups == 1 ? single : Cycles(config.Groups);
                var ms = single / (config.ClockMHz * 1000);
                var imagesPerSecond = config.Groups / (steps * full / (config.ClockMHz * 1e6));
                points.Add(new ExplorePoint(config, resources, ms, imagesPerSecond, null));
            }
            catch (CompileException e)
            {
                points.Add(new ExplorePoint(config, resources, null, null, e.Message));
            }
        }
        return points;
    }

    private static string? Refusal(QuantizedUNet unet, AcceleratorConfig config, IReadOnlyList<int> timesteps)
    {
        try
        {
            UNetCompiler.Compile(unet, config, timesteps, 1);
            return null;
        }
        catch (CompileException e)
        {
            return e.Message;
        }
    }

    /// <summary>The timed points no other timed point beats on batch-1 latency, batch-G throughput and DSP48E2 at once.</summary>
    public static IReadOnlyList<ExplorePoint> Pareto(IEnumerable<ExplorePoint> points)
    {
        var timed = points.Where(p => p.Timed).ToList();
        return [.. timed.Where(p => !timed.Any(q => Dominates(q, p))).OrderBy(p => p.MsPerStep)];
    }

    /// <summary>At least as good as <paramref name="b"/> on every axis and better on one.</summary>
    public static bool Dominates(ExplorePoint a, ExplorePoint b)
        => a != b && a.MsPerStep <= b.MsPerStep && a.ImagesPerSecond >= b.ImagesPerSecond && a.Resources.Dsp48E2 <= b.Resources.Dsp48E2
            && (a.MsPerStep < b.MsPerStep || a.ImagesPerSecond > b.ImagesPerSecond || a.Resources.Dsp48E2 < b.Resources.Dsp48E2);

    private static void Report(IReadOnlyList<ExplorePoint> points, AcceleratorConfig preset, string? json)
    {
        var pareto = Pareto(points);
        string F(double? v, string format) => v?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
        var table = new Table().Title($"configurations on {preset.Part.Name} at {preset.ClockMHz:0} MHz, board DDR; * = on the Pareto set of batch-1 latency, batch-G images/s and DSP48E2")
            .AddColumn("configuration").AddColumn(new TableColumn("MACs").RightAligned()).AddColumn(new TableColumn("DSP48E2").RightAligned()).AddColumn(new TableColumn("RAMB36E2").RightAligned())
            .AddColumn(new TableColumn("LUT (model)").RightAligned()).AddColumn(new TableColumn("ms per step, batch 1").RightAligned()).AddColumn(new TableColumn("images/s, batch G").RightAligned()).AddColumn("");
        foreach (var p in points.Where(p => p.Timed).OrderBy(p => p.MsPerStep))
        {
            var mark = (pareto.Contains(p) ? "* " : "") + (p.Config == preset ? "the default preset" : "");
            table.AddRow(Markup.Escape($"{p.Config.Name} ({p.Shape})"), p.Config.Macs.ToString("#,0", CultureInfo.InvariantCulture), p.Resources.Dsp48E2.ToString("#,0", CultureInfo.InvariantCulture),
                p.Resources.Ramb36.ToString("#,0", CultureInfo.InvariantCulture), p.Resources.Luts.ToString("#,0", CultureInfo.InvariantCulture), F(p.MsPerStep, "0.00"), F(p.ImagesPerSecond, "0.00"), mark);
        }
        AnsiConsole.Write(table);
        var left = points.Where(p => !p.Timed).ToList();
        if (left.Count > 0)
            Console.WriteLine($"not timed: {string.Join("; ", left.Select(p => $"{p.Config.Name}: {p.Problem}"))}");
        var presetPoint = points.First(p => p.Config == preset);
        Console.WriteLine(pareto.Contains(presetPoint)
            ? $"the default preset is on the Pareto set ({presetPoint.MsPerStep:0.00} ms per step)"
            : $"the default preset ({presetPoint.MsPerStep:0.00} ms per step, {presetPoint.ImagesPerSecond:0.00} images/s, {presetPoint.Resources.Dsp48E2:#,0} DSP48E2) is not on the Pareto set; better on every axis: "
                + string.Join(", ", pareto.Where(p => Dominates(p, presetPoint)).Select(p => $"{p.Config.Name} ({p.MsPerStep:0.00} ms, {p.ImagesPerSecond:0.00} images/s, {p.Resources.Dsp48E2:#,0} DSP48E2)")));
        if (json is not null)
        {
            var document = points.Select(p => new { name = p.Config.Name, groups = p.Config.Groups, tm = p.Config.Tm, tn = p.Config.Tn, vector_lanes = p.Config.VectorLanes, macs = p.Config.Macs, dsp48e2 = p.Resources.Dsp48E2, ramb36 = p.Resources.Ramb36, luts = p.Resources.Luts, ms_per_step = p.MsPerStep, images_per_second = p.ImagesPerSecond, pareto = pareto.Contains(p), problem = p.Problem });
            StagedWrite.Files([(json, JsonSerializer.SerializeToUtf8Bytes(document, new JsonSerializerOptions { WriteIndented = true }))]);
            Console.WriteLine($"wrote {json} (in {DiffAccCommand.Elapsed})");
        }
    }
}
