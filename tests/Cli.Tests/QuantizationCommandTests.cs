using System.Text.Json;
using DiffAcc.Model.Unet;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc quantize</c>, <c>sample --quant</c> and <c>report quant</c> on a small random 1x32x32 UNet.</summary>
public sealed class QuantizationCommandTests
{
    private static readonly Lazy<string> SmallModel = new(() =>
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-small-unet-").FullName;
        var config = new UNetConfig
        {
            SampleSize = 32,
            InChannels = 1,
            OutChannels = 1,
            BlockOutChannels = [8, 16],
            LayersPerBlock = 1,
            DownBlockTypes = ["DownBlock2D", "AttnDownBlock2D"],
            UpBlockTypes = ["AttnUpBlock2D", "UpBlock2D"],
            NormNumGroups = 4,
            AttentionHeadDim = 8,
        };
        UNet2D.Random(config, 3).Save(folder);
        return folder;
    });

    [Fact]
    public void Quantize_writes_a_file_that_sample_reads_for_the_int8_model()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-quantize-").FullName;
        var quant = Path.Combine(folder, "quant.json");
        var (code, output, error) = CommandLine.Run("quantize", "--model", SmallModel.Value, "--steps", "4", "--groups", "2", "--trajectories", "2", "--out", quant);
        Assert.True(code == 0, error);
        Assert.Contains("x 2 step groups (equal: timesteps 999..", output);
        Assert.Contains("), calibrated on 2 trajectories of 4 DDIM steps", output);
        using (var document = JsonDocument.Parse(File.ReadAllText(quant)))
        {
            Assert.Equal(2, document.RootElement.GetProperty("step_groups").GetArrayLength());
            Assert.Equal(2, document.RootElement.GetProperty("scales").GetProperty("conv_out").GetArrayLength());
        }
        var grid = Path.Combine(folder, "int8.png");
        (code, _, error) = CommandLine.Run("sample", "--model", SmallModel.Value, "--quant", quant, "--steps", "4", "--count", "4", "--out", grid);
        Assert.True(code == 0, error);
        using var image = Image.Load<Rgb24>(grid);
        Assert.Equal(2 + (2 * 34), image.Width);
    }

    [Fact]
    public void A_quantization_file_of_another_model_fails_naming_file_and_points()
    {
        var quant = Path.Combine(Directory.CreateTempSubdirectory("diffacc-quantize-").FullName, "quant.json");
        Assert.Equal(0, CommandLine.Run("quantize", "--model", SmallModel.Value, "--steps", "2", "--groups", "1", "--trajectories", "1", "--out", quant).ExitCode);
        var (code, _, error) = CommandLine.Run("sample", "--model", SampleCommandTests.TinyUnet(), "--quant", quant, "--steps", "2", "--count", "1", "--out", Path.ChangeExtension(quant, ".png"));
        Assert.Equal(1, code);
        Assert.StartsWith($"error: {quant}: 'scales.", error);
        Assert.Contains("': missing", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void The_report_compares_FP32_static_and_stepwise_int8_and_writes_its_files()
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("diffacc-report-").FullName, "report");
        var (code, output, error) = CommandLine.Run("report", "quant", "--model", SmallModel.Value, "--steps", "4", "--count", "6", "--test-images", "40", "--groups", "1", "4", "--trajectories", "2", "--out", folder);
        Assert.True(code == 0, error);
        foreach (var file in new[] { "report.md", "summary.json", "sqnr.png", "fp32.png", "int8-k1.png", "int8-k4.png" })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        using (var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json"))))
        {
            var rows = summary.RootElement.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(["fp32", "int8 static", "int8 K=4"], rows.Select(r => r.GetProperty("name").GetString()));
            Assert.Equal(System.Text.Json.JsonValueKind.Null, rows[0].GetProperty("groups").ValueKind);
            Assert.Equal([1, 4], rows.Skip(1).Select(r => r.GetProperty("groups").GetInt32()));
            foreach (var row in rows)
            {
                var fdCi = row.GetProperty("fd_ci").EnumerateArray().Select(v => v.GetDouble()).ToList();
                Assert.True(fdCi.Count == 2 && fdCi[0] <= fdCi[1] && double.IsFinite(row.GetProperty("fd").GetDouble()));
            }
            foreach (var row in rows.Skip(1))
            {
                var psnrCi = row.GetProperty("psnr_ci").EnumerateArray().Select(v => v.GetDouble()).ToList();
                Assert.True(psnrCi[0] <= psnrCi[1]);
                Assert.True(row.GetProperty("sqnr_min").GetDouble() <= row.GetProperty("sqnr_mean").GetDouble());
            }
            // The paired difference: none for FP32 and static itself; K = 4's is its distance minus static's.
            Assert.Equal(System.Text.Json.JsonValueKind.Null, rows[1].GetProperty("fd_minus_static").ValueKind);
            Assert.Equal(rows[2].GetProperty("fd").GetDouble() - rows[1].GetProperty("fd").GetDouble(), rows[2].GetProperty("fd_minus_static").GetDouble(), 3);
            var differenceCi = rows[2].GetProperty("fd_minus_static_ci").EnumerateArray().Select(v => v.GetDouble()).ToList();
            Assert.True(differenceCi[0] <= differenceCi[1]);
            Assert.Equal(6, summary.RootElement.GetProperty("samples_per_row").GetInt32());
            Assert.True(summary.RootElement.GetProperty("samples_per_second").GetDouble() > 0);
        }
        var report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("| Fashion-MNIST training images (floor) |", report);
        Assert.Contains("| int8 static (K = 1) |", report);
        Assert.Contains("| int8 step-wise (K = 4) |", report);
        Assert.Matches(@"\| int8 static \(K = 1\) \| [\d.]+ \[[\d.]+, [\d.]+\] \| - \|", report);
        Assert.Matches(@"\| int8 step-wise \(K = 4\) \| [\d.]+ \[[\d.]+, [\d.]+\] \| [+-][\d.]+ \[-?[\d.]+, -?[\d.]+\] \|", report);
        // Four step rows with one SQNR per variant.
        Assert.Equal(4, report.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| \d \| \d+ \| -?\d+\.\d\d \| -?\d+\.\d\d \|$")));
        Assert.Contains("Frechet distance", output);
        Assert.Contains("18 samples in", output);
        Assert.Contains("95 % percentile bootstrap intervals", report);
        using var plot = Image.Load<Rgb24>(Path.Combine(folder, "sqnr.png"));
        Assert.Equal(900, plot.Width);
    }

    [Fact]
    public void The_bias_correction_ablation_adds_a_corrected_row_per_K()
    {
        var (folder, output, rows) = ReportWithRowPerK("--bias-correction");
        Assert.True(File.Exists(Path.Combine(folder, "int8-k2-bc.png")));
        Assert.Equal(["fp32", "int8 static", "int8 static bias-corrected", "int8 K=2", "int8 K=2 bias-corrected"], rows.Select(r => r.GetProperty("name").GetString()));
        // The correction changes the samples: its paired PSNR is not the uncorrected row's.
        Assert.NotEqual(rows[3].GetProperty("psnr").GetDouble(), rows[4].GetProperty("psnr").GetDouble());
        Assert.Contains("| int8 step-wise (K = 2) + bias correction |", File.ReadAllText(Path.Combine(folder, "report.md")));
        Assert.Contains("20 samples in", output);
    }

    [Fact]
    public void The_methods_reach_the_file_and_sample_runs_them()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-methods-").FullName;
        var quant = Path.Combine(folder, "quant.json");
        var (code, output, error) = CommandLine.Run("quantize", "--model", SmallModel.Value, "--steps", "4", "--groups", "2", "--trajectories", "2", "--silu-zero-point", "--unsigned-softmax", "--split-concat", "--out", quant);
        Assert.True(code == 0, error);
        using (var document = JsonDocument.Parse(File.ReadAllText(quant)))
        {
            var zeroPoints = document.RootElement.GetProperty("zero_points").EnumerateObject().ToList();
            Assert.Contains(zeroPoints, p => p.Name == "conv_norm_out.silu");
            Assert.All(zeroPoints, p => Assert.EndsWith(".silu", p.Name, StringComparison.Ordinal));
            Assert.Contains($"; {zeroPoints.Count} SiLU outputs with a zero point; softmax probabilities unsigned (1/255); skip concatenations with split scales", output);
            Assert.Equal("unsigned", document.RootElement.GetProperty("softmax_probabilities").GetString());
            Assert.Equal("split", document.RootElement.GetProperty("concat_scales").GetString());
        }
        (code, _, error) = CommandLine.Run("sample", "--model", SmallModel.Value, "--quant", quant, "--steps", "4", "--count", "2", "--out", Path.Combine(folder, "int8.png"));
        Assert.True(code == 0, error);
        // report quant --split-concat doubles the methods compared at each K.
        var settings = new ReportCommand.Settings("", "", "", 4, 2, 2, [2], 1, 1, "", UnsignedSoftmax: true, SplitConcat: true);
        Assert.Equal(["", " + split concat", " + unsigned softmax", " + unsigned softmax + split concat"], settings.Methods.Select(m => m.Name));
    }

    [Fact]
    public void Each_method_adds_a_row_per_K_from_the_same_noise_paired_with_the_plain_row()
    {
        var (folder, output, rows) = ReportWithRowPerK("--silu-zero-point", "--unsigned-softmax");
        Assert.True(File.Exists(Path.Combine(folder, "int8-k2-zp.png")) && File.Exists(Path.Combine(folder, "int8-k2-us.png")) && File.Exists(Path.Combine(folder, "int8-k2-zp-us.png")));
        string[] methods = ["", " unsigned-softmax", " silu-zp", " silu-zp unsigned-softmax"];
        Assert.Equal(["fp32", .. methods.Select(m => "int8 static" + m), .. methods.Select(m => "int8 K=2" + m)], rows.Select(r => r.GetProperty("name").GetString()));
        var plain = rows[5];
        foreach (var row in rows.Skip(6))
        {
            // Each method changes the samples, and is measured against the plain row of its K, paired.
            Assert.NotEqual(plain.GetProperty("psnr").GetDouble(), row.GetProperty("psnr").GetDouble());
            var difference = row.GetProperty("fd_minus_plain").GetDouble();
            Assert.Equal(row.GetProperty("fd").GetDouble() - plain.GetProperty("fd").GetDouble(), difference, 3);
            var interval = row.GetProperty("fd_minus_plain_ci").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.True(interval[0] <= difference && difference <= interval[1], $"{difference} outside [{interval[0]}, {interval[1]}]");
        }
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("fd_minus_plain").ValueKind);
        var report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("| int8 step-wise (K = 2) + SiLU zero point |", report);
        Assert.Contains("| int8 step-wise (K = 2) + unsigned softmax |", report);
        Assert.Contains("36 samples in", output);
    }

    /// <summary>report quant on the small model, K = 1 and 2, 4 images, with an option that adds a row per K.</summary>
    private static (string Folder, string Output, List<JsonElement> Rows) ReportWithRowPerK(params string[] options)
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("diffacc-report-").FullName, "report");
        var (code, output, error) = CommandLine.Run(["report", "quant", "--model", SmallModel.Value, "--steps", "4", "--count", "4", "--test-images", "40", "--groups", "1", "2", "--trajectories", "2", .. options, "--out", folder]);
        Assert.True(code == 0, error);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        return (folder, output, [.. summary.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.Clone())]);
    }

    [Fact]
    public void Step_groups_can_be_cut_from_the_statistics()
    {
        var quant = Path.Combine(Directory.CreateTempSubdirectory("diffacc-quantize-").FullName, "quant.json");
        var (code, output, error) = CommandLine.Run("quantize", "--model", SmallModel.Value, "--steps", "4", "--groups", "2", "--grouping", "statistics", "--trajectories", "2", "--out", quant);
        Assert.True(code == 0, error);
        Assert.Contains("x 2 step groups (statistics: timesteps 999..", output);
        Assert.Equal(2, System.Text.Json.JsonDocument.Parse(File.ReadAllText(quant)).RootElement.GetProperty("step_groups").GetArrayLength());
    }

    [Fact]
    public void The_step_groups_default_to_what_the_steps_allow()
    {
        var quant = Path.Combine(Directory.CreateTempSubdirectory("diffacc-quantize-").FullName, "quant.json");
        var (code, output, error) = CommandLine.Run("quantize", "--model", SmallModel.Value, "--steps", "2", "--trajectories", "1", "--out", quant);
        Assert.True(code == 0, error);
        Assert.Contains("x 2 step groups", output);
        Assert.Equal([1, 5, 10], ReportCommand.DefaultGroups(10));
        Assert.Equal([1, 2], ReportCommand.DefaultGroups(2));
        Assert.Equal([1], ReportCommand.DefaultGroups(1));
    }

    [Fact]
    public void The_report_names_the_shipped_weights_by_their_place_in_the_repository()
    {
        Assert.Equal("model/weights/fashion-mnist/unet", ReportCommand.Shown(Path.Combine(AppContext.BaseDirectory, "weights", "fashion-mnist", "unet")));
        Assert.Equal("/somewhere/else", ReportCommand.Shown("/somewhere/else"));
    }

    [Fact]
    public void Bad_report_arguments_are_named()
    {
        var (code, _, error) = CommandLine.Run("report", "quant", "--model", SmallModel.Value, "--steps", "4", "--groups", "9");
        Assert.Equal(1, code);
        Assert.Contains("every --groups value in 1..--steps (4)", error);
        (code, _, error) = CommandLine.Run("report", "quant", "--model", SmallModel.Value, "--features", "/nonexistent");
        Assert.Equal(1, code);
        Assert.Equal("error: /nonexistent/config.json: file not found", error.Trim());
    }

    [Fact]
    public void The_numerics_report_prints_every_integer_operator_with_its_error()
    {
        var (code, output, error) = CommandLine.Run("report", "numerics", "--model", SmallModel.Value, "--steps", "3", "--trajectories", "2", "--samples", "1");
        Assert.True(code == 0, error);
        foreach (var name in new[] { "GroupNorm", "SiLU", "softmax", "attention (softmax, P·V)", "residual add", "concat rescale" })
            Assert.Contains($"│ {name} ", output);
        // Elementwise operators round once: within half an output step of FP32 on the same inputs.
        foreach (var line in output.Split('\n').Where(l => l.Contains("│ SiLU ", StringComparison.Ordinal) || l.Contains("│ residual add ", StringComparison.Ordinal)))
            Assert.EndsWith("0.50 │", line.TrimEnd());
    }
}
