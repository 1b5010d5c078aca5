using DiffAcc.Model.Int8;
using DiffAcc.Model.Quality;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Model.Tests;

public sealed class Int8ModelTests
{
    private static readonly UNet2D Tiny = TinyCalibration.Model;

    private static Lazy<StepwiseCalibration> Calibration => TinyCalibration.Calibration;

    [Fact]
    public void Every_activation_point_is_named_once_in_forward_order()
    {
        var points = ActivationPoints.Of(Tiny.Config, Tiny.Parameters.ContainsKey);
        Assert.Equal(points.Count, points.Distinct().Count());
        Assert.Equal("sample", points[0]);
        Assert.Equal("conv_out", points[^1]);
        Assert.Contains("mid_block.attentions.0.attention", points);
        Assert.Contains("up_blocks.0.resnets.0.concat", points);
        // Calibration observed exactly these points.
        Assert.Equal(points.Order(StringComparer.Ordinal), Calibration.Value.Quantize(1).Scales.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_output_bias_correction_leaves_no_mean_error_per_step_and_channel_on_its_trajectories()
    {
        var quantized = new QuantizedUNet(Tiny, Calibration.Value.Quantize(1));
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 6);
        int[] shape = [4, 3, 8, 8];
        var correction = OutputBiasCorrection.Measure(quantized, Tiny, scheduler, shape, 21);
        var corrected = correction.Apply(quantized);
        double largestBefore = 0, largestAfter = 0;
        Sampler.Run(Tiny, scheduler, shape, 21, onStep: (_, t, x, reference) =>
        {
            foreach (var (model, isCorrected) in new[] { ((INoisePredictor)quantized, false), (corrected, true) })
            {
                var output = model.PredictNoise(x, t);
                for (var c = 0; c < 3; c++)
                {
                    var mean = Enumerable.Range(0, output.Length).Where(i => i / 64 % 3 == c).Average(i => (double)output.Data[i] - reference.Data[i]);
                    if (isCorrected)
                        largestAfter = Math.Max(largestAfter, Math.Abs(mean));
                    else
                        largestBefore = Math.Max(largestBefore, Math.Abs(mean));
                }
            }
        });
        Assert.True(largestBefore > 1e-3, $"the int8 model's largest mean error {largestBefore}: nothing to correct");
        Assert.True(largestAfter < 1e-6, $"after the correction {largestAfter}");
        Assert.Equal(scheduler.Timesteps.Order(), correction.BiasByTimestep.Keys.Order());
        var e = Assert.Throws<ArgumentException>(() => corrected.PredictNoise(new Tensor(shape), 7));
        Assert.Contains("not 7", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    public void Along_a_new_trajectory_the_int8_model_predicts_the_noise_close_to_FP32(int groups)
    {
        var quantized = new QuantizedUNet(Tiny, Calibration.Value.Quantize(groups));
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 6);
        var noise = new GaussianNoise(99);
        var x = new Tensor([2, 3, 8, 8]);
        noise.Fill(x.Data);
        foreach (var t in scheduler.Timesteps)
        {
            var reference = Tiny.PredictNoise(x, t);
            var sqnr = Fidelity.Sqnr(reference.Data, quantized.PredictNoise(x, t).Data);
            Assert.True(sqnr > 15, $"K={groups}, t={t}: SQNR {sqnr:F1} dB");
            x = scheduler.Step(reference, t, x, noise);
        }
    }

    [Fact]
    public void Step_groups_cover_every_timestep_and_a_file_round_trips()
    {
        var file = Calibration.Value.Quantize(3);
        Assert.Equal(999, file.StepGroups[0].From);
        Assert.Equal(0, file.StepGroups[^1].To);
        for (var t = 0; t < 1000; t++)
            Assert.InRange(file.GroupOf(t), 0, 2);
        var path = Path.Combine(Directory.CreateTempSubdirectory("diffacc-quant-").FullName, "quant.json");
        file.Save(path);
        var loaded = QuantizedUNet.Load(Tiny, path);
        Assert.Equal(file.StepGroups, loaded.Quantization.StepGroups);
        foreach (var (point, scales) in file.Scales)
            Assert.Equal(scales, loaded.Quantization.Scales[point]);
        var sample = new Tensor([1, 3, 8, 8], [.. Enumerable.Range(0, 192).Select(i => MathF.Cos(i))]);
        Assert.Equal(new QuantizedUNet(Tiny, file).PredictNoise(sample, 300).Data, loaded.PredictNoise(sample, 300).Data);
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "not json", "{", "not a valid quantization file" },
        { "wrong format", "\"format\": \"diffacc-quantization\"", "'format': expected" },
        { "missing point", "\"conv_out\":", "'scales.conv_out': missing" },
        { "unknown point", "\"conv_out\":", "'scales.conv_outer': not an activation point of this model" },
        { "negative scale", "\"sample\": [", "'scales.sample[0]': a scale must be positive" },
        { "group count", "\"sample\": [", "'scales.sample': 2 scales for 1 step groups" },
        { "gap between groups", "\"step_groups\"", "'step_groups[0]': the last step group must end at timestep 0" },
        { "unknown field", "\"bits\"", "'$.colour': unknown field (line 4)" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_quantization_files_name_the_file_and_the_field(string problem, string anchor, string expected)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("diffacc-badquant-").FullName, "quant.json");
        Calibration.Value.Quantize(1).Save(path);
        var text = File.ReadAllText(path);
        Assert.Contains(anchor, text);
        text = problem switch
        {
            "not json" => text[..(text.Length / 2)],
            "wrong format" => text.Replace(anchor, "\"format\": \"something-else\""),
            "missing point" => RemoveEntry(text, "conv_out"),
            "unknown point" => text.Replace(anchor, "\"conv_outer\":"),
            "negative scale" => ReplaceFirstScale(text, "-0.5"),
            "group count" => ReplaceFirstScale(text, "0.5, 0.25"),
            "gap between groups" => System.Text.RegularExpressions.Regex.Replace(text, "\"step_groups\": \\[\\s*\\[\\s*999,\\s*0\\s*\\]", "\"step_groups\": [[999, 5]"),
            "unknown field" => text.Replace(anchor, "\"colour\": 1, \"bits\""),
            _ => throw new ArgumentException(problem),
        };
        File.WriteAllText(path, text);
        var error = Assert.Throws<ModelFileException>(() => QuantizedUNet.Load(Tiny, path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_missing_quantization_file_is_named()
    {
        var error = Assert.Throws<ModelFileException>(() => QuantizedUNet.Load(Tiny, "/nonexistent/quant.json"));
        Assert.Equal("/nonexistent/quant.json: file not found", error.Message);
    }

    private static string RemoveEntry(string text, string point)
        => System.Text.RegularExpressions.Regex.Replace(text, $",\\s*\"{point}\": \\[[^\\]]*\\]", "");

    private static string ReplaceFirstScale(string text, string replacement)
        => System.Text.RegularExpressions.Regex.Replace(text, "\"sample\": \\[[^\\]]*\\]", $"\"sample\": [{replacement}]");
}
