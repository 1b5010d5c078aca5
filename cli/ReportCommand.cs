using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DiffAcc.Hdl.Emit;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quality;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>
/// <c>diffacc report quant</c>: FP32 against int8 with K = 1 (static) and larger K (step-wise) on the
/// same seeds: per-step noise SQNR, paired final-sample PSNR, Frechet distance to the Fashion-MNIST
/// test set in the feature network's space; PNG grids, an SQNR plot and a markdown summary.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var options = new ModelOptions();
        var features = new Option<DirectoryInfo?>("--features") { Description = "Feature network folder for the Frechet distance; default: the shipped one" };
        var dataset = new Option<DirectoryInfo>("--dataset") { Description = "Fashion-MNIST folder (gzip'd IDX files)", DefaultValueFactory = _ => new DirectoryInfo(FashionMnist.DefaultFolder) };
        var count = new Option<int>("--count") { Description = "Images sampled per model (the same initial noise for every row)", DefaultValueFactory = _ => 1000 };
        var grouping = QuantizeCommand.GroupingOption();
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples for the 95 % intervals", DefaultValueFactory = _ => 200 };
        var testImages = new Option<int>("--test-images") { Description = "Test-set images for the reference statistics", DefaultValueFactory = _ => 10_000 };
        var groups = new Option<int[]?>("--groups") { Description = "Step-group counts K to compare (1 = static PTQ; default 1, 5 and --steps, those not above --steps)", AllowMultipleArgumentsPerToken = true };
        var trajectories = new Option<int>("--trajectories") { Description = "Calibration trajectories", DefaultValueFactory = _ => 32 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for grids, plot and report.md", DefaultValueFactory = _ => new DirectoryInfo("report-quant") };
        var biasCorrection = new Option<bool>("--bias-correction") { Description = "Ablation: a second row per K with the output's mean error per step and channel (measured on the calibration trajectories) subtracted on the host (PTQD's bias correction)" };
        var siluZeroPoint = new Option<bool>("--silu-zero-point") { Description = "A second row per K with SiLU outputs asymmetric (a zero point; as quantize --silu-zero-point), from the same calibration and noise" };
        var unsignedSoftmax = new Option<bool>("--unsigned-softmax") { Description = "A second row per K (per method) with softmax probabilities unsigned in steps of 1/255 (as quantize --unsigned-softmax), from the same calibration and noise" };
        var splitConcat = QuantizeCommand.SplitConcatOption("A second row per K (per method) with skip concatenations at split scales (as quantize --split-concat), from the same calibration and noise");
        var shard = Shard.Option();
        shard.Description = "Sample only part K of N of the int8 rows (with FP32, which every row is compared with) and write them to --out as shard-K-of-N.safetensors for --merge";
        var merge = new Option<FileInfo[]>("--merge") { Description = "Measure and write the report of these shard files (every shard of one run) instead of sampling", AllowMultipleArgumentsPerToken = true };
        var quant = new Command("quant", "Quantization quality: FP32 vs int8 static and step-wise (SQNR per step, PSNR and Frechet distance with bootstrap intervals, summary.json)")
        {
            options.Model, features, dataset, options.Steps, count, testImages, groups, trajectories, options.Seed, output, resamples, grouping, biasCorrection, siluZeroPoint, unsignedSoftmax, splitConcat, shard, merge,
        };
        quant.SetAction(result => Run(new Settings(
            options.ModelFolder(result), result.GetValue(features)?.FullName ?? ModelOptions.ShippedFeatures, result.GetValue(dataset)!.FullName,
            result.GetValue(options.Steps), result.GetValue(count), result.GetValue(testImages), result.GetValue(groups) is { Length: > 0 } given ? given : DefaultGroups(result.GetValue(options.Steps)),
            result.GetValue(trajectories), result.GetValue(options.Seed), result.GetValue(output)!.FullName, result.GetValue(resamples), result.GetValue(grouping), result.GetValue(biasCorrection), result.GetValue(siluZeroPoint), result.GetValue(unsignedSoftmax), result.GetValue(splitConcat)), result.GetValue(shard)!, result.GetValue(merge) ?? []));
        return new Command("report", "Reports that measure the model side") { quant, NumericsReport.Create() };
    }

    /// <summary>A path as the report shows it: the shipped weights by their place in the repository, others relative to the working folder when below it.</summary>
    internal static string Shown(string path)
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "weights");
        if (path.StartsWith(shipped, StringComparison.Ordinal))
            return "model/weights" + path[shipped.Length..];
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    /// <summary>Static, five step groups and fully step-wise: those that --steps allows.</summary>
    internal static int[] DefaultGroups(int steps) => [.. new[] { 1, 5, steps }.Where(k => k >= 1 && k <= steps).Distinct()];

    internal sealed record Settings(string Model, string Features, string Dataset, int Steps, int Count, int TestImages, int[] Groups, int Trajectories, ulong Seed, string Output, int Resamples = 200, StepGrouping Grouping = StepGrouping.Equal, bool BiasCorrection = false, bool SiluZeroPoint = false, bool UnsignedSoftmax = false, bool SplitConcat = false)
    {
        /// <summary>The quantization methods compared at each K: plain, and each asked-for option alone and together.</summary>
        public IReadOnlyList<Method> Methods =>
            [.. from zeroPoint in SiluZeroPoint ? new[] { false, true } : [false]
                from probabilities in UnsignedSoftmax ? new[] { ProbabilityFormat.Signed, ProbabilityFormat.Unsigned } : [ProbabilityFormat.Signed]
                from concat in SplitConcat ? new[] { ConcatScales.Shared, ConcatScales.Split } : [ConcatScales.Shared]
                select new Method(zeroPoint, probabilities, concat)];
    }

    /// <summary>One quantization method of a row: how it names the row, its summary key and its grid.</summary>
    internal sealed record Method(bool SiluZeroPoint, ProbabilityFormat Probabilities, ConcatScales Concat = ConcatScales.Shared)
    {
        /// <summary>No option: the row the others are compared with at the same K.</summary>
        public static Method Plain { get; } = new(false, ProbabilityFormat.Signed);

        private bool Unsigned => Probabilities == ProbabilityFormat.Unsigned;

        private bool Split => Concat == ConcatScales.Split;

        public string Name => (SiluZeroPoint ? " + SiLU zero point" : "") + (Unsigned ? " + unsigned softmax" : "") + (Split ? " + split concat" : "");

        public string Key => (SiluZeroPoint ? " silu-zp" : "") + (Unsigned ? " unsigned-softmax" : "") + (Split ? " split-concat" : "");

        public string Grid => (SiluZeroPoint ? "-zp" : "") + (Unsigned ? "-us" : "") + (Split ? "-sc" : "");
    }

    internal sealed record Row(string Name, string Grid, double Fd, double? Psnr, double? MeanSqnr, double? MinSqnr, (double Low, double High)? FdCi = null, (double Low, double High)? PsnrCi = null, string? Key = null, int? Groups = null, double[][]? Features = null, double? FdMinusStatic = null, (double Low, double High)? FdMinusStaticCi = null, bool Plain = false, double? FdMinusPlain = null, (double Low, double High)? FdMinusPlainCi = null);

    /// <summary>summary.json: one row per model, in the names and fields scripts compare.</summary>
    private sealed record SummaryRow(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("groups")] int? Groups,
        [property: JsonPropertyName("fd")] double Fd,
        [property: JsonPropertyName("fd_ci")] double[] FdCi,
        [property: JsonPropertyName("psnr")] double? Psnr,
        [property: JsonPropertyName("psnr_ci")] double[]? PsnrCi,
        [property: JsonPropertyName("sqnr_mean")] double? SqnrMean,
        [property: JsonPropertyName("sqnr_min")] double? SqnrMin,
        [property: JsonPropertyName("fd_minus_static")] double? FdMinusStatic,
        [property: JsonPropertyName("fd_minus_static_ci")] double[]? FdMinusStaticCi,
        [property: JsonPropertyName("fd_minus_plain")] double? FdMinusPlain,
        [property: JsonPropertyName("fd_minus_plain_ci")] double[]? FdMinusPlainCi);

    private sealed record Summary(
        [property: JsonPropertyName("rows")] IReadOnlyList<SummaryRow> Rows,
        [property: JsonPropertyName("floor_fd")] double FloorFd,
        [property: JsonPropertyName("samples_per_row")] int SamplesPerRow,
        [property: JsonPropertyName("steps")] int Steps,
        [property: JsonPropertyName("grouping")] string Grouping,
        [property: JsonPropertyName("resamples")] int Resamples,
        [property: JsonPropertyName("seconds")] double Seconds,
        [property: JsonPropertyName("samples_per_second")] double SamplesPerSecond);

    private static int Run(Settings s, Shard shard, IReadOnlyList<FileInfo> merge)
    {
        if (merge.Count > 0)
            return Merge(merge, s.Output);
        if (s.Steps < 1 || s.Count < 2 || s.TestImages < 2 || s.Trajectories < 1 || s.Resamples < 2 || s.Groups.Length == 0 || s.Groups.Any(k => k < 1 || k > s.Steps))
        {
            Console.Error.WriteLine($"error: need --steps ≥ 1, --count ≥ 2, --test-images ≥ 2, --trajectories ≥ 1, --resamples ≥ 2 and every --groups value in 1..--steps ({s.Steps})");
            return 1;
        }
        if (OutputPath.Refuses(OutputPath.FolderProblem("--out", s.Output)))
            return 1;
        UNet2D fp32;
        SchedulerConfig sampling;
        Measurement measurement;
        try
        {
            fp32 = UNet2D.Load(s.Model);
            sampling = SchedulerConfig.Load(s.Model);
            measurement = Measurement.Load(s);
        }
        catch (ModelFileException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        if (fp32.Config.InChannels != 1 || fp32.Config.SampleSize != 32)
        {
            Console.Error.WriteLine($"error: {s.Model}: the report compares against Fashion-MNIST, so the model must make 1x32x32 images (it makes {fp32.Config.InChannels}x{fp32.Config.SampleSize}x{fp32.Config.SampleSize})");
            return 1;
        }
        var scheduler = sampling.Ddim(s.Steps);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var sampled = Sample(s, shard, fp32, sampling, scheduler);
        var seconds = watch.Elapsed.TotalSeconds;
        if (shard == Shard.Whole)
            return Report(s, sampled, [.. scheduler.Timesteps], seconds, measurement);
        // A shard keeps its rows' samples (float32, exact) and everything else as the shard file's metadata.
        var file = Path.Combine(s.Output, $"shard-{shard.Index}-of-{shard.Count}.safetensors");
        var record = new ShardFile<ReportShard>(Name, ShardSettings(s), shard.Index, shard.Count, new ReportShard(s with { Output = "" }, [.. sampled.Select(r => r with { Samples = null })], [.. scheduler.Timesteps], seconds));
        var bytes = SafeTensorsWriter.Bytes(sampled.Select((r, i) => ($"row{i}", r.Samples!)), new Dictionary<string, string> { [ShardKey] = System.Text.Encoding.UTF8.GetString(record.ToJson()) });
        Hdl.Emit.StagedWrite.Files([(file, bytes)]);
        Console.WriteLine($"wrote {file}: shard {shard} ({sampled.Count} rows: {string.Join(", ", sampled.Select(r => r.Name))}), in {DiffAccCommand.Elapsed}; report quant --merge its {shard.Count} shard files writes the report");
        return 0;
    }

    private const string Name = "report quant";

    private const string ShardKey = "diffacc_report_quant_shard";

    /// <summary>The settings every shard of one report shares: all but the output folder.</summary>
    private static string ShardSettings(Settings s) => JsonSerializer.Serialize(s with { Output = "" });

    /// <summary>A shard's rows, its settings, the sampling timesteps and its sampling time.</summary>
    internal sealed record ReportShard(
        [property: JsonPropertyName("settings")] Settings Settings,
        [property: JsonPropertyName("rows")] IReadOnlyList<SampledRow> Rows,
        [property: JsonPropertyName("timesteps")] int[] Timesteps,
        [property: JsonPropertyName("seconds")] double Seconds);

    /// <summary>One sampled row before it is measured: its names, K, whether it is a plain K's, its samples and its per-step SQNR (null for FP32).</summary>
    internal sealed record SampledRow(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("grid")] string Grid,
        [property: JsonPropertyName("key")] string Key,
        [property: JsonPropertyName("groups")] int? Groups,
        [property: JsonPropertyName("plain")] bool Plain,
        [property: JsonPropertyName("sqnr")] double[]? Sqnr,
        [property: JsonIgnore] Tensor? Samples);

    /// <summary>What the measuring needs besides the samples: the feature network, the test images' features and the floor's real images.</summary>
    private sealed record Measurement(FeatureNetwork Network, double[][] TestFeatures, int TestImages, Tensor Real)
    {
        public static Measurement Load(Settings s)
        {
            var network = FeatureNetwork.Load(s.Features);
            var test = FashionMnist.TestImages(s.Dataset, s.TestImages);
            return new Measurement(network, network.Features(test), test.Shape[0], FashionMnist.Read(Path.Combine(s.Dataset, "train-images-idx3-ubyte.gz"), s.Count));
        }
    }

    /// <summary>
    /// The rows a run (or shard <paramref name="shard"/>) samples: FP32, then its share of the (K, method)
    /// pairs in order, each with its bias-corrected row when asked. Every row starts from the same noise,
    /// so a row is the same whichever shard samples it.
    /// </summary>
    private static List<SampledRow> Sample(Settings s, Shard shard, UNet2D fp32, SchedulerConfig sampling, IScheduler scheduler)
    {
        var shape = new[] { s.Count, 1, 32, 32 };
        var pairs = (from k in s.Groups.Distinct() from method in s.Methods select (K: k, Method: method)).ToList();
        var (first, end) = shard.Range(pairs.Count);
        var mine = pairs.Skip(first).Take(end - first).ToList();
        var calibration = mine.Count > 0 ? QuantizeCommand.Calibrate(fp32, sampling, s.Steps, s.Trajectories, s.Seed + 1000) : null;
        var rows = new List<SampledRow>();
        AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask($"FP32, {s.Count} images x {s.Steps} steps", maxValue: s.Steps);
            rows.Add(new SampledRow("FP32", "fp32.png", "fp32", null, false, null, Sampler.Run(fp32, scheduler, shape, s.Seed, new SynchronousProgress(done => task.Value = done))));
            foreach (var (k, method) in mine)
            {
                var name = (k == 1 ? "int8 static (K = 1)" : $"int8 step-wise (K = {k})") + method.Name;
                var key = (k == 1 ? "int8 static" : $"int8 K={k}") + method.Key;
                var grid = $"int8-k{k}" + method.Grid;
                var int8 = new QuantizedUNet(fp32, calibration!.Quantize(k, s.Grouping, method.SiluZeroPoint, method.Probabilities, method.Concat));
                var progress = context.AddTask($"{name}, {s.Count} images x {s.Steps} steps", maxValue: s.Steps);
                var (samples, sqnr) = ComparedSampling.Run(int8, fp32, scheduler, shape, s.Seed, new SynchronousProgress(done => progress.Value = done));
                rows.Add(new SampledRow(name, $"{grid}.png", key, k, method == Method.Plain, sqnr, samples));
                if (!s.BiasCorrection)
                    continue;
                // Measured on the calibration's trajectories (their seed), so the corrected row samples from noise the correction never saw.
                var measuring = context.AddTask($"{name}: output bias, {s.Trajectories} trajectories", maxValue: s.Steps);
                var correction = OutputBiasCorrection.Measure(int8, fp32, scheduler, [s.Trajectories, 1, 32, 32], s.Seed + 1000, new SynchronousProgress(done => measuring.Value = done));
                var correctedName = $"{name} + bias correction";
                var correctedProgress = context.AddTask($"{correctedName}, {s.Count} images x {s.Steps} steps", maxValue: s.Steps);
                var (correctedSamples, correctedSqnr) = ComparedSampling.Run(correction.Apply(int8), fp32, scheduler, shape, s.Seed, new SynchronousProgress(done => correctedProgress.Value = done));
                rows.Add(new SampledRow(correctedName, $"{grid}-bc.png", $"{key} bias-corrected", k, false, correctedSqnr, correctedSamples));
            }
        });
        return rows;
    }

    /// <summary><c>report quant --merge</c>: the shards' rows, FP32 from the first, measured and written as one run's report.</summary>
    private static int Merge(IReadOnlyList<FileInfo> files, string output)
    {
        var shards = ShardFile<ReportShard>.Merge(Name, files, out var problem, file =>
        {
            var tensors = SafeTensorsFile.Read(file.FullName);
            if (!tensors.Metadata.TryGetValue(ShardKey, out var json))
                return null;
            var record = ShardFile<ReportShard>.FromJson(System.Text.Encoding.UTF8.GetBytes(json));
            return record is null ? null : record with { Result = record.Result with { Rows = [.. record.Result.Rows.Select((r, i) => r with { Samples = tensors.GetFloat($"row{i}") })] } };
        });
        if (OutputPath.Refuses(problem, OutputPath.FolderProblem("--out", output)))
            return 1;
        var s = shards[0].Result.Settings with { Output = output };
        Measurement measurement;
        try
        {
            measurement = Measurement.Load(s);
        }
        catch (ModelFileException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        var rows = shards[0].Result.Rows.Take(1).Concat(shards.SelectMany(shard => shard.Result.Rows.Skip(1))).ToList();
        return Report(s, rows, shards[0].Result.Timesteps, shards.Sum(shard => shard.Result.Seconds), measurement);
    }

    /// <summary>Measures the sampled rows (FP32 first) and writes the grids, plot, report and summary together.</summary>
    private static int Report(Settings s, IReadOnlyList<SampledRow> sampledRows, IReadOnlyList<int> timesteps, double seconds, Measurement measurement)
    {
        var (network, testFeatures) = (measurement.Network, measurement.TestFeatures);
        // Written together at the end: an interrupted report leaves the folder as it was.
        var outputs = new List<(string Path, byte[] Contents)>();
        // Real training images, as many as the samples: the distance a perfect model would reach with this sample count.
        var rows = new List<Row> { new("Fashion-MNIST training images (floor)", "-", FrechetDistance.Between(network.Features(measurement.Real), testFeatures), null, null, null) };
        var reference = sampledRows[0].Samples!;
        foreach (var r in sampledRows)
            rows.Add(Summarize(r.Name, r.Grid, r.Samples!, r.Sqnr is null ? null : reference, r.Sqnr, network, testFeatures, s, outputs) with { Key = r.Key, Groups = r.Groups, Plain = r.Plain });
        var sqnrSeries = sampledRows.Where(r => r.Sqnr is not null).Select(r => (r.Name, Values: r.Sqnr!)).ToList();
        rows = PairedWithPlain(PairedWithStatic(rows, testFeatures, s), testFeatures, s);
        var warning = SampleCountWarning(rows, s.Count, network.FeatureCount);
        var sampled = s.Count * (1 + (s.Groups.Distinct().Count() * (s.BiasCorrection ? 2 : 1) * s.Methods.Count));
        outputs.Add((Path.Combine(s.Output, "sqnr.png"), SqnrPlot.Png(timesteps, sqnrSeries)));
        var table = new Table().Title($"{s.Count} images, DDIM {s.Steps} steps, calibrated on {s.Trajectories} trajectories; Frechet distance to {measurement.TestImages} test images; 95 % bootstrap intervals")
            .AddColumn("model").AddColumn(new TableColumn("Frechet distance").RightAligned()).AddColumn(new TableColumn("minus static, paired").RightAligned()).AddColumn(new TableColumn("minus plain K, paired").RightAligned()).AddColumn(new TableColumn("PSNR vs FP32").RightAligned())
            .AddColumn(new TableColumn("noise SQNR mean").RightAligned()).AddColumn(new TableColumn("noise SQNR min").RightAligned());
        foreach (var row in rows)
            table.AddRow(Markup.Escape(row.Name), Markup.Escape(Figure(row.Fd, "") + Interval(row.FdCi, "")), Markup.Escape(Difference(row.FdMinusStatic, row.FdMinusStaticCi)), Markup.Escape(Difference(row.FdMinusPlain, row.FdMinusPlainCi)), Markup.Escape(Figure(row.Psnr, " dB") + Interval(row.PsnrCi, "")), Figure(row.MeanSqnr, " dB"), Figure(row.MinSqnr, " dB"));
        AnsiConsole.Write(table);
        if (warning is not null)
            Console.Error.WriteLine($"warning: {warning}");
        Console.WriteLine($"{sampled} samples in {seconds:0.0} s ({sampled / seconds:0.00} samples/s)");
        var summary = new Summary(
            [.. rows.Where(r => r.Key is not null).Select(r => new SummaryRow(r.Key!, r.Groups, Round(r.Fd), Pair(r.FdCi!.Value), r.Psnr is { } p ? Round(p) : null, r.PsnrCi is { } c ? Pair(c) : null, r.MeanSqnr is { } m ? Round(m) : null, r.MinSqnr is { } n ? Round(n) : null, r.FdMinusStatic is { } d ? Round(d) : null, r.FdMinusStaticCi is { } dc ? Pair(dc) : null, r.FdMinusPlain is { } e ? Round(e) : null, r.FdMinusPlainCi is { } ec ? Pair(ec) : null))],
            Round(rows[0].Fd), s.Count, s.Steps, s.Grouping.ToString().ToLowerInvariant(), s.Resamples, Round(seconds), Round(sampled / seconds));
        var report = TemplateText.Render("report.md.sbn", new
        {
            settings = s with { Model = Shown(s.Model), Features = Shown(s.Features) },
            test_images = measurement.TestImages,
            warning,
            sqnr_samples = Math.Min(s.Count, ComparedSampling.DefaultSqnrSamples),
            grouping = s.Grouping.ToString().ToLowerInvariant(),
            rows = rows.Select(r => new { r.Name, r.Grid, fd = Figure(r.Fd, "") + Interval(r.FdCi, ""), fd_minus_static = Difference(r.FdMinusStatic, r.FdMinusStaticCi), fd_minus_plain = Difference(r.FdMinusPlain, r.FdMinusPlainCi), psnr = Figure(r.Psnr, " dB") + Interval(r.PsnrCi, ""), mean_sqnr = Figure(r.MeanSqnr, " dB"), min_sqnr = Figure(r.MinSqnr, " dB") }),
            seconds = seconds.ToString("0.0", CultureInfo.InvariantCulture),
            samples = sampled,
            rate = (sampled / seconds).ToString("0.00", CultureInfo.InvariantCulture),
            steps = timesteps.Select((t, i) => new { index = i, timestep = t, sqnr = sqnrSeries.Select(series => series.Values[i].ToString("0.00", CultureInfo.InvariantCulture)) }),
            series = sqnrSeries.Select(series => series.Name),
        }, typeof(ReportCommand).Assembly);
        outputs.Add((Path.Combine(s.Output, "report.md"), System.Text.Encoding.UTF8.GetBytes(report)));
        outputs.Add((Path.Combine(s.Output, "summary.json"), JsonSerializer.SerializeToUtf8Bytes(summary, new JsonSerializerOptions { WriteIndented = true })));
        Hdl.Emit.StagedWrite.Files(outputs);
        Console.WriteLine($"wrote {s.Output}: report.md, summary.json, sqnr.png, {string.Join(", ", rows.Where(r => r.Grid != "-").Select(r => r.Grid))} (in {DiffAccCommand.Elapsed})");
        return 0;
    }

    /// <summary>One row: the grid, the Frechet distance and the paired PSNR, each with its bootstrap interval (resampled alike in every row).</summary>
    private static Row Summarize(string name, string grid, Tensor samples, Tensor? reference, double[]? sqnr, FeatureNetwork network, double[][] testFeatures, Settings s, List<(string Path, byte[] Contents)> outputs)
    {
        outputs.Add((Path.Combine(s.Output, grid), ImageGrid.Png(samples)));
        var features = network.Features(Clip(samples));
        var fd = FrechetDistance.Between(features, testFeatures);
        var fdCi = Bootstrap.Interval(features.Length, s.Resamples, s.Seed + 7, pick => FrechetDistance.Between([.. pick.Select(i => features[i])], testFeatures));
        double? psnr = null;
        (double, double)? psnrCi = null;
        if (reference is not null)
        {
            var plane = samples.Length / samples.Shape[0];
            var perImage = Enumerable.Range(0, samples.Shape[0]).Select(n => Math.Min(100, Fidelity.Psnr(reference.Data.AsSpan(n * plane, plane), samples.Data.AsSpan(n * plane, plane)))).ToArray();
            psnr = perImage.Average();
            psnrCi = Bootstrap.Interval(perImage.Length, s.Resamples, s.Seed + 7, pick => pick.Average(i => perImage[i]));
        }
        return new Row(name, grid, fd, psnr, sqnr?.Average(), sqnr?.Min(), fdCi, psnrCi, Features: features);
    }

    /// <summary>
    /// Why the intervals cannot be trusted at this sample count, or null: the Frechet distance is biased
    /// upward at small counts and the percentile bootstrap does not correct that bias, so a point
    /// estimate can fall outside its own interval; below the feature count the covariance is singular.
    /// </summary>
    internal static string? SampleCountWarning(IReadOnlyList<Row> rows, int count, int features)
    {
        var withInterval = rows.Where(r => r.FdCi is not null).ToList();
        var outside = withInterval.Count(r => r.Fd < r.FdCi!.Value.Low || r.Fd > r.FdCi.Value.High);
        if (outside == 0 && count >= 2 * features)
            return null;
        var why = outside > 0
            ? $"{outside} of {withInterval.Count} Frechet distances lie outside their own 95 % interval"
            : $"fewer than twice the feature network's {features} features";
        return $"{count} images per row is too few for the intervals ({why}); use --count {Math.Max(2 * features, 500)} or more (the published reports use 1,000)";
    }

    private static string Difference(double? difference, (double Low, double High)? interval)
        => difference is { } d ? d.ToString("+0.00;-0.00", CultureInfo.InvariantCulture) + Interval(interval, "") : "-";

    /// <summary>
    /// Each int8 row's Frechet distance minus the static row's, with its interval over the same
    /// resamples of both: image i of every row starts from the same noise, so the pair moves together
    /// and the difference's interval is far narrower than either distance's.
    /// </summary>
    private static List<Row> PairedWithStatic(List<Row> rows, double[][] testFeatures, Settings s)
    {
        if (rows.FirstOrDefault(r => r.Key == "int8 static") is not { Features: { } baseline } basis)
            return rows;
        return [.. rows.Select(r => r.Groups is null || r == basis || r.Features is not { } features ? r : r with
        {
            FdMinusStatic = r.Fd - basis.Fd,
            FdMinusStaticCi = Bootstrap.Interval(features.Length, s.Resamples, s.Seed + 7, pick => FrechetDistance.Between([.. pick.Select(i => features[i])], testFeatures) - FrechetDistance.Between([.. pick.Select(i => baseline[i])], testFeatures)),
        })];
    }

    /// <summary>
    /// Each method's row (a zero point, unsigned softmax, bias correction) minus the plain row of the
    /// same K, paired as against static: whether the method moves the distance, with the noise of the
    /// images cancelled.
    /// </summary>
    private static List<Row> PairedWithPlain(List<Row> rows, double[][] testFeatures, Settings s)
        => [.. rows.Select(r => r.Groups is null || r.Plain || r.Features is not { } features || rows.FirstOrDefault(p => p.Plain && p.Groups == r.Groups) is not { Features: { } plain } basis ? r : r with
        {
            FdMinusPlain = r.Fd - basis.Fd,
            FdMinusPlainCi = Bootstrap.Interval(features.Length, s.Resamples, s.Seed + 7, pick => FrechetDistance.Between([.. pick.Select(i => features[i])], testFeatures) - FrechetDistance.Between([.. pick.Select(i => plain[i])], testFeatures)),
        })];

    private static double Round(double value) => Math.Round(value, 4);

    private static double[] Pair((double Low, double High) interval) => [Round(interval.Low), Round(interval.High)];

    private static string Interval((double Low, double High)? interval, string unit)
        => interval is { } i ? $" [{i.Low.ToString("0.00", CultureInfo.InvariantCulture)}, {i.High.ToString("0.00", CultureInfo.InvariantCulture)}]{unit}" : "";

    private static Tensor Clip(Tensor images)
        => new([.. images.Shape], [.. images.Data.Select(v => Math.Clamp(v, -1f, 1f))]);

    private static string Figure(double? value, string unit) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) + unit : "-";
}
