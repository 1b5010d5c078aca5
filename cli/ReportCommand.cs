using System.CommandLine;
using System.Globalization;
using DiffAcc.Hdl.Emit;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Quality;
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
        var features = new Option<DirectoryInfo>("--features") { Description = "Feature network folder for the Frechet distance; default: the shipped one", DefaultValueFactory = _ => new DirectoryInfo(ModelOptions.ShippedFeatures) };
        var dataset = new Option<DirectoryInfo>("--dataset") { Description = "Fashion-MNIST folder (gzip'd IDX files)", DefaultValueFactory = _ => new DirectoryInfo(FashionMnist.DefaultFolder) };
        var count = new Option<int>("--count") { Description = "Images sampled per model", DefaultValueFactory = _ => 256 };
        var testImages = new Option<int>("--test-images") { Description = "Test-set images for the reference statistics", DefaultValueFactory = _ => 10_000 };
        var groups = new Option<int[]?>("--groups") { Description = "Step-group counts K to compare (1 = static PTQ; default 1, 5 and --steps, those not above --steps)", AllowMultipleArgumentsPerToken = true };
        var trajectories = new Option<int>("--trajectories") { Description = "Calibration trajectories", DefaultValueFactory = _ => 32 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for grids, plot and report.md", DefaultValueFactory = _ => new DirectoryInfo("report-quant") };
        var quant = new Command("quant", "Quantization quality: FP32 vs int8 static and step-wise (SQNR per step, PSNR, Frechet distance)")
        {
            options.Model, features, dataset, options.Steps, count, testImages, groups, trajectories, options.Seed, output,
        };
        quant.SetAction(result => Run(new Settings(
            result.GetValue(options.Model)!.FullName, result.GetValue(features)!.FullName, result.GetValue(dataset)!.FullName,
            result.GetValue(options.Steps), result.GetValue(count), result.GetValue(testImages), result.GetValue(groups) is { Length: > 0 } given ? given : DefaultGroups(result.GetValue(options.Steps)),
            result.GetValue(trajectories), result.GetValue(options.Seed), result.GetValue(output)!.FullName)));
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

    internal sealed record Settings(string Model, string Features, string Dataset, int Steps, int Count, int TestImages, int[] Groups, int Trajectories, ulong Seed, string Output);

    internal sealed record Row(string Name, string Grid, double Fd, double? Psnr, double? MeanSqnr, double? MinSqnr);

    private static int Run(Settings s)
    {
        if (s.Steps < 1 || s.Count < 2 || s.TestImages < 2 || s.Trajectories < 1 || s.Groups.Length == 0 || s.Groups.Any(k => k < 1 || k > s.Steps))
        {
            Console.Error.WriteLine($"error: need --steps ≥ 1, --count ≥ 2, --test-images ≥ 2, --trajectories ≥ 1 and every --groups value in 1..--steps ({s.Steps})");
            return 1;
        }
        if (OutputPath.Refuses(OutputPath.FolderProblem("--out", s.Output)))
            return 1;
        UNet2D fp32;
        FeatureNetwork network;
        Tensor test;
        Tensor real;
        try
        {
            fp32 = UNet2D.Load(s.Model);
            network = FeatureNetwork.Load(s.Features);
            test = FashionMnist.TestImages(s.Dataset, s.TestImages);
            real = FashionMnist.Read(Path.Combine(s.Dataset, "train-images-idx3-ubyte.gz"), s.Count);
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
        Directory.CreateDirectory(s.Output);
        var shape = new[] { s.Count, 1, 32, 32 };
        var testFeatures = network.Features(test);
        var calibration = QuantizeCommand.Calibrate(fp32, s.Steps, s.Trajectories, s.Seed + 1000);
        // Real training images, as many as the samples: the distance a perfect model would reach with this sample count.
        var rows = new List<Row> { new("Fashion-MNIST training images (floor)", "-", FrechetDistance.Between(network.Features(real), testFeatures), null, null, null) };
        var sqnrSeries = new List<(string Name, double[] Values)>();
        AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask($"FP32, {s.Count} images x {s.Steps} steps", maxValue: s.Steps);
            var reference = Sampler.Run(fp32, ModelOptions.Ddim(s.Steps), shape, s.Seed, new SynchronousProgress(done => task.Value = done));
            rows.Add(Summarize("FP32", "fp32.png", reference, null, null, network, testFeatures, s.Output));
            foreach (var k in s.Groups.Distinct())
            {
                var name = k == 1 ? "int8 static (K = 1)" : $"int8 step-wise (K = {k})";
                var int8 = new QuantizedUNet(fp32, calibration.Quantize(k));
                var progress = context.AddTask($"{name}, {s.Count} images x {s.Steps} steps", maxValue: s.Steps);
                var (samples, sqnr) = ComparedSampling.Run(int8, fp32, ModelOptions.Ddim(s.Steps), shape, s.Seed, new SynchronousProgress(done => progress.Value = done));
                rows.Add(Summarize(name, $"int8-k{k}.png", samples, reference, sqnr, network, testFeatures, s.Output));
                sqnrSeries.Add((name, sqnr));
            }
        });
        var timesteps = ModelOptions.Ddim(s.Steps).Timesteps;
        SqnrPlot.Save(Path.Combine(s.Output, "sqnr.png"), timesteps, sqnrSeries);
        var table = new Table().Title($"{s.Count} images, DDIM {s.Steps} steps, calibrated on {s.Trajectories} trajectories; Frechet distance to {test.Shape[0]} test images")
            .AddColumn("model").AddColumn(new TableColumn("Frechet distance").RightAligned()).AddColumn(new TableColumn("PSNR vs FP32").RightAligned())
            .AddColumn(new TableColumn("noise SQNR mean").RightAligned()).AddColumn(new TableColumn("noise SQNR min").RightAligned());
        foreach (var row in rows)
            table.AddRow(row.Name, Figure(row.Fd, ""), Figure(row.Psnr, " dB"), Figure(row.MeanSqnr, " dB"), Figure(row.MinSqnr, " dB"));
        AnsiConsole.Write(table);
        var report = TemplateText.Render("report.md.sbn", new
        {
            settings = s with { Model = Shown(s.Model), Features = Shown(s.Features) },
            test_images = test.Shape[0],
            rows = rows.Select(r => new { r.Name, r.Grid, fd = Figure(r.Fd, ""), psnr = Figure(r.Psnr, " dB"), mean_sqnr = Figure(r.MeanSqnr, " dB"), min_sqnr = Figure(r.MinSqnr, " dB") }),
            steps = timesteps.Select((t, i) => new { index = i, timestep = t, sqnr = sqnrSeries.Select(series => series.Values[i].ToString("0.00", CultureInfo.InvariantCulture)) }),
            series = sqnrSeries.Select(series => series.Name),
        }, typeof(ReportCommand).Assembly);
        Hdl.Emit.StagedWrite.Files([(Path.Combine(s.Output, "report.md"), System.Text.Encoding.UTF8.GetBytes(report))]);
        Console.WriteLine($"wrote {s.Output}: report.md, sqnr.png, {string.Join(", ", rows.Where(r => r.Grid != "-").Select(r => r.Grid))}");
        return 0;
    }

    private static Row Summarize(string name, string grid, Tensor samples, Tensor? reference, double[]? sqnr, FeatureNetwork network, double[][] testFeatures, string output)
    {
        ImageGrid.Save(samples, Path.Combine(output, grid));
        var fd = FrechetDistance.Between(network.Features(Clip(samples)), testFeatures);
        double? psnr = null;
        if (reference is not null)
        {
            var plane = samples.Length / samples.Shape[0];
            psnr = Enumerable.Range(0, samples.Shape[0]).Average(n => Math.Min(100, Fidelity.Psnr(reference.Data.AsSpan(n * plane, plane), samples.Data.AsSpan(n * plane, plane))));
        }
        return new Row(name, grid, fd, psnr, sqnr?.Average(), sqnr?.Min());
    }

    private static Tensor Clip(Tensor images)
        => new([.. images.Shape], [.. images.Data.Select(v => Math.Clamp(v, -1f, 1f))]);

    private static string Figure(double? value, string unit) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) + unit : "-";
}
