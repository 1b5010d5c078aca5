using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Model.Tests;

/// <summary>
/// Asymmetric SiLU outputs (quantize --silu-zero-point): the calibration's ranges, the table, the
/// convolution's zero-point padding and bias fold (exact against Σ w · (q − z)), the file, and the guard
/// that keeps a zero point away from operators that do not fold it.
/// </summary>
public sealed class ZeroPointTests
{
    private static readonly UNet2D Tiny = TinyCalibration.Model;

    private static Lazy<StepwiseCalibration> Calibration => TinyCalibration.Calibration;

    [Fact]
    public void SiLU_outputs_get_a_zero_point_whose_lowest_code_is_SiLUs_minimum_and_a_finer_step()
    {
        var symmetric = Calibration.Value.Quantize(3);
        var asymmetric = Calibration.Value.Quantize(3, StepGrouping.Equal, siluZeroPoint: true);
        var silu = ActivationPoints.SiluOutputs(Tiny.Config, Tiny.Parameters.ContainsKey);
        Assert.Contains("conv_norm_out.silu", silu);
        Assert.Equal(silu.Order(StringComparer.Ordinal), asymmetric.ZeroPoints.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(symmetric.ZeroPoints);
        foreach (var point in silu)
        {
            for (var g = 0; g < 3; g++)
            {
                var (scale, zero) = (asymmetric.Scale(point, g), asymmetric.ZeroPoint(point, g));
                Assert.InRange(zero, -128, 127);
                // Code -128 means SiLU's minimum, to half a step.
                Assert.InRange((-128 - zero) * scale, ActivationTable.SiluMinimum - (scale / 2), ActivationTable.SiluMinimum + (scale / 2));
                Assert.True(scale < symmetric.Scale(point, g), $"{point}, group {g}: step {scale} is not finer than the symmetric {symmetric.Scale(point, g)}");
            }
        }
        // The other points keep their symmetric scales.
        foreach (var (point, scales) in symmetric.Scales.Where(p => !silu.Contains(p.Key)))
            Assert.Equal(scales, asymmetric.Scales[point]);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, -90)]
    [InlineData(-20, 100)]
    public void A_SiLU_table_adds_the_output_zero_point_after_rounding_and_saturates(int inputZero, int outputZero)
    {
        const double inputScale = 0.05, outputScale = 0.01;
        var table = ActivationTable.Silu(inputScale, outputScale, inputZero, outputZero);
        for (var x = -128; x < 128; x++)
        {
            var real = (x - inputZero) * inputScale;
            var expected = Math.Clamp(Math.Floor((real / (1 + Math.Exp(-real)) / outputScale) + 0.5) + outputZero, -128, 127);
            Assert.Equal((sbyte)expected, table[(sbyte)x]);
        }
    }

    [Theory]
    [InlineData(-128, 1)]
    [InlineData(-93, 1)]
    [InlineData(57, 2)]
    public void A_convolution_of_an_asymmetric_input_equals_the_sum_over_q_minus_z_with_zero_padding(int zero, int stride)
    {
        var random = new Random(zero + stride);
        int[] shape = [2, 5, 7, 7];
        var x = new Int8Tensor(shape, 0.1, [.. Enumerable.Range(0, 2 * 5 * 49).Select(_ => (sbyte)random.Next(-128, 128))], zero);
        var values = Enumerable.Range(0, 4 * 5 * 9).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
        var weights = QuantizedWeights.FromInt8([4, 5, 3, 3], values, [0.01, 0.02, 0.03, 0.04]);
        var accumulators = Int8Ops.Conv2dAccumulate(x, weights, stride, (1, 1, 1, 1), out var outputShape);
        var folded = LayerConstants.ConvRequantization(x.Scale, weights, [0f, 0f, 0f, 0f], 1.0, zero);
        int oh = outputShape[2], ow = outputShape[3];
        for (var n = 0; n < 2; n++)
        {
            for (var o = 0; o < 4; o++)
            {
                for (var p = 0; p < oh * ow; p++)
                {
                    long expected = 0;
                    for (var c = 0; c < 5; c++)
                    {
                        for (var tap = 0; tap < 9; tap++)
                        {
                            int iy = (p / ow * stride) + (tap / 3) - 1, ix = (p % ow * stride) + (tap % 3) - 1;
                            if (iy >= 0 && iy < 7 && ix >= 0 && ix < 7)
                                expected += values[(((o * 5) + c) * 9) + tap] * (x.Data[(((n * 5) + c) * 49) + (iy * 7) + ix] - zero);
                        }
                    }
                    var actual = accumulators[(((n * 4) + o) * oh * ow) + p] + (long)folded[o].Bias;
                    Assert.True(expected == actual, $"[{n}, {o}, {p}]: {actual}, Σ w · (q − z) {expected}");
                }
            }
        }
    }

    [Fact]
    public void Along_a_trajectory_the_asymmetric_model_tracks_FP32_at_least_as_well()
    {
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 6);
        var models = new[] { false, true }.Select(zp => new QuantizedUNet(Tiny, Calibration.Value.Quantize(1, StepGrouping.Equal, zp))).ToArray();
        var noise = new GaussianNoise(99);
        var x = new Tensor([2, 3, 8, 8]);
        noise.Fill(x.Data);
        var sqnr = new double[2];
        foreach (var t in scheduler.Timesteps)
        {
            var reference = Tiny.PredictNoise(x, t);
            for (var m = 0; m < 2; m++)
                sqnr[m] += Quality.Fidelity.Sqnr(reference.Data, models[m].PredictNoise(x, t).Data) / scheduler.Timesteps.Count;
            x = scheduler.Step(reference, t, x, noise);
        }
        Assert.True(sqnr[1] >= sqnr[0], $"mean SQNR with SiLU zero points {sqnr[1]:F2} dB, without {sqnr[0]:F2} dB");
    }

    [Fact]
    public void Zero_points_round_trip_through_the_file_and_bad_ones_are_named()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-zeropoint-").FullName;
        var path = Path.Combine(folder, "quant.json");
        var file = Calibration.Value.Quantize(2, StepGrouping.Equal, siluZeroPoint: true);
        file.Save(path);
        var loaded = QuantizedUNet.Load(Tiny, path);
        foreach (var (name, values) in file.ZeroPoints)
            Assert.Equal(values, loaded.Quantization.ZeroPoints[name]);
        var sample = new Tensor([1, 3, 8, 8], [.. Enumerable.Range(0, 192).Select(i => MathF.Sin(i))]);
        Assert.Equal(new QuantizedUNet(Tiny, file).PredictNoise(sample, 300).Data, loaded.PredictNoise(sample, 300).Data);

        var text = File.ReadAllText(path);
        var point = file.ZeroPoints.Keys.Order(StringComparer.Ordinal).First();
        var zeros = file.ZeroPoints[point];
        var entry = $"\"{point}\": [\n      {zeros[0]},\n      {zeros[1]}\n    ]";
        Assert.Contains(entry, text);
        foreach (var (replacement, expected) in new[]
        {
            ($"\"{point}\": [200, {zeros[1]}]", $"'zero_points.{point}[0]': a zero point is an int8 value, found 200"),
            ($"\"{point}\": [{zeros[0]}]", $"'zero_points.{point}': 1 zero points for 2 step groups"),
            ($"\"conv_in\": [1, 2]", "'zero_points.conv_in': only SiLU outputs take a zero point"),
        })
        {
            File.WriteAllText(path, text.Replace(entry, replacement));
            var error = Assert.Throws<ModelFileException>(() => QuantizedUNet.Load(Tiny, path));
            Assert.Contains(path, error.Message);
            Assert.Contains(expected, error.Message);
        }
    }

    [Fact]
    public void A_zero_point_anywhere_but_after_SiLU_is_refused_by_point()
    {
        var file = Calibration.Value.Quantize(1);
        // conv_in feeds the first resnet's GroupNorm, which has no zero point to fold.
        var wrong = new QuantizationFile(file.StepGroups, file.Scales, file.Calibration, new Dictionary<string, int[]> { ["conv_in"] = [5] });
        var error = Assert.Throws<ArgumentException>(() => new QuantizedUNet(Tiny, wrong));
        Assert.StartsWith("conv_in: only SiLU outputs take a zero point", error.Message, StringComparison.Ordinal);
    }
}
