using DiffAcc.Model.Fp32;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Tests;

/// <summary>
/// Skip concatenations with split scales (quantize --split-concat): each part keeps its own power-of-two step of
/// the concatenation's scale, GroupNorm and convolutions read the per-channel exponents exactly, and the choice
/// travels through the quantization file into the int8 model.
/// </summary>
public sealed class SplitConcatTests
{
    [Theory]
    [InlineData(1.0, 1.03, 0.074, 0.125, 3, 0)] // the skip part 13.5 x finer: 3 halvings
    [InlineData(1.0, 0.5, 1.0, 0.5, 0, 1)] // exactly half: one halving
    [InlineData(1.0, 0.4, 0.2, 0.25, 1, 0)] // both finer than S: the finer one sets the unit
    [InlineData(1.0, 1.0, 0.001, 0.0625, 4, 0)] // at most MaxSteps halvings
    [InlineData(2.0, 2.0, 2.0, 2.0, 0, 0)] // alike: one scale, as shared
    public void Each_part_takes_the_finest_power_of_two_step_that_holds_its_range(double concat, double a, double b, double unit, int exponentA, int exponentB)
    {
        var split = SplitConcat.FromScales(concat, a, b);
        Assert.Equal(new SplitConcat(unit, exponentA, exponentB), split);
        Assert.True(split.ScaleA >= a * (1 - 1e-12) || split.ScaleA == concat, $"part A's step {split.ScaleA} is finer than its range needs ({a})");
        Assert.True(split.ScaleB >= b * (1 - 1e-12) || split.ScaleB == concat / (1 << SplitConcat.MaxSteps), $"part B's step {split.ScaleB}");
    }

    [Fact]
    public void A_split_concat_keeps_the_fine_part_within_half_its_own_step_where_a_shared_one_loses_it()
    {
        var random = new Random(4);
        var a = Random(random, [2, 3, 4, 4], 1.0);
        var b = Random(random, [2, 5, 4, 4], 0.07);
        a.Data[0] = 127;
        a.Data[1] = -128;
        var reference = Fp32Ops.ConcatChannels(a.Dequantize(), b.Dequantize());
        var split = Int8Ops.Concat(a, b, 1.0, ConcatScales.Split);
        var shared = Int8Ops.Concat(a, b, 1.0);
        Assert.Equal([3, 3, 3, 0, 0, 0, 0, 0], split.ChannelExponents!);
        Assert.Null(shared.ChannelExponents);
        var (splitError, sharedError) = (split.Dequantize(), shared.Dequantize());
        var worst = new double[2];
        for (var i = 0; i < reference.Length; i++)
        {
            var channel = i / 16 % 8;
            var step = split.ChannelScale(channel);
            Assert.True(Math.Abs(splitError.Data[i] - reference.Data[i]) <= (step / 2) + 1e-6, $"value {i} (channel {channel}): {splitError.Data[i]} against {reference.Data[i]}, step {step}");
            if (channel >= 3)
            {
                worst[0] = Math.Max(worst[0], Math.Abs(splitError.Data[i] - reference.Data[i]));
                worst[1] = Math.Max(worst[1], Math.Abs(sharedError.Data[i] - reference.Data[i]));
            }
        }
        // The fine part: off by at most half of 1/8 with split scales, by up to half of 1 with one shared scale.
        Assert.True(worst[0] <= 0.0625 && worst[1] > 0.25, $"fine part's worst error: split {worst[0]}, shared {worst[1]}");
        // The extremes of the coarse part keep their codes (exponent 0 would be a rescale that saturates).
        Assert.Equal(127, split.Data[0]);
        Assert.Equal(-128, split.Data[1]);
    }

    [Fact]
    public void GroupNorm_sums_each_value_times_two_to_its_channel_exponent()
    {
        // One group of two channels of two values: q = 3, -1 at exponent 2 and q = 5, 7 at exponent 0 stand for 12, -4, 5, 7.
        var x = new Int8Tensor([1, 2, 1, 2], 0.5, [3, -1, 5, 7], channelExponents: [2, 0]);
        var channels = new[] { GroupNormChannel.FromScale(1 / 0.05, 0.1 / 0.05), GroupNormChannel.FromScale(0.5 / 0.05, -0.2 / 0.05) };
        var epsilon = IntegerGroupNorm.EpsilonTerm(1e-5, 4, 0.5);
        var output = Int8Ops.GroupNorm(x, 1, epsilon, channels, 0.05);
        var statistics = new GroupStatistics(4, 12 - 4 + 5 + 7, 144 + 16 + 25 + 49);
        Assert.Equal(statistics, GroupStatistics.Of([3, -1], 2) + GroupStatistics.Of([5, 7]));
        var reciprocal = IntegerGroupNorm.ReciprocalSqrt(statistics, epsilon);
        sbyte Expected(int value, GroupNormChannel channel) => channel.Apply(IntegerGroupNorm.Normalize((4 * value) - statistics.Sum, reciprocal));
        Assert.Equal([Expected(12, channels[0]), Expected(-4, channels[0]), Expected(5, channels[1]), Expected(7, channels[1])], output.Data);
        // Against FP32 GroupNorm on the real values: within the final rounding.
        var reference = Fp32Ops.GroupNorm(x.Dequantize(), 1, new Tensor([2], [1f, 0.5f]), new Tensor([2], [0.1f, -0.2f]), 1e-5f);
        for (var i = 0; i < 4; i++)
            Assert.True(Math.Abs((output.Data[i] * 0.05) - reference.Data[i]) <= 0.026, $"value {i}: {output.Data[i] * 0.05} against {reference.Data[i]}");
    }

    [Fact]
    public void A_convolution_adds_each_exponents_partial_sum_shifted()
    {
        var random = new Random(9);
        const int cin = 6, cout = 5;
        var x = Random(random, [2, cin, 5, 5], 0.01, [4, 4, 0, 0, 0, 1]);
        x.Data[3] = -128;
        var values = new sbyte[cout * cin * 9];
        random.NextBytes((byte[])(Array)values);
        values[0] = -128;
        var weights = QuantizedWeights.FromInt8([cout, cin, 3, 3], values, [.. Enumerable.Repeat(0.02, cout)]);
        var sums = Int8Ops.Conv2dAccumulate(x, weights, 1, (1, 1, 1, 1), out var shape);
        Assert.Equal([2, cout, 5, 5], shape);
        for (var n = 0; n < 2; n++)
        {
            for (var o = 0; o < cout; o++)
            {
                for (var p = 0; p < 25; p++)
                {
                    long expected = 0;
                    for (var c = 0; c < cin; c++)
                    {
                        for (var t = 0; t < 9; t++)
                        {
                            int row = (p / 5) + (t / 3) - 1, col = (p % 5) + (t % 3) - 1;
                            if (row is >= 0 and < 5 && col is >= 0 and < 5)
                                expected += values[(((o * cin) + c) * 9) + t] * ((long)x.Data[(((n * cin) + c) * 25) + (row * 5) + col] << x.ChannelExponents![c]);
                        }
                    }
                    Assert.Equal(unchecked((int)expected), sums[(((n * cout) + o) * 25) + p]);
                }
            }
        }
    }

    [Fact]
    public void The_choice_round_trips_through_the_file_into_the_int8_model_and_a_bad_one_is_named()
    {
        // conv_in, the last concatenation's skip, at a quarter of its calibrated scale: a part 4 x finer than the rest.
        var calibrated = TinyCalibration.Calibration.Value.Quantize(2);
        var scales = calibrated.Scales.ToDictionary(p => p.Key, p => p.Key == "conv_in" ? [.. p.Value.Select(s => s / 4)] : p.Value, StringComparer.Ordinal);
        var shared = new QuantizationFile(calibrated.StepGroups, scales, calibrated.Calibration);
        var split = new QuantizationFile(calibrated.StepGroups, scales, calibrated.Calibration, concat: ConcatScales.Split);
        Assert.DoesNotContain("concat_scales", shared.ToJson(), StringComparison.Ordinal);
        var path = Path.Combine(Directory.CreateTempSubdirectory("diffacc-concat-").FullName, "quant.json");
        split.Save(path);
        Assert.Contains("\"concat_scales\": \"split\"", File.ReadAllText(path), StringComparison.Ordinal);
        var loaded = QuantizedUNet.Load(TinyCalibration.Model, path);
        Assert.Equal(ConcatScales.Split, loaded.Quantization.Concat);
        var sample = new Tensor([1, 3, 8, 8], [.. Enumerable.Range(0, 192).Select(i => MathF.Sin(i))]);
        var concats = new List<Int8Tensor>();
        var output = loaded.PredictNoise(sample, 300, null, (point, tensor) =>
        {
            if (point.EndsWith(".concat", StringComparison.Ordinal))
                concats.Add(tensor);
        }).Data;
        Assert.Equal(new QuantizedUNet(TinyCalibration.Model, split).PredictNoise(sample, 300).Data, output);
        Assert.NotEqual(new QuantizedUNet(TinyCalibration.Model, shared).PredictNoise(sample, 300).Data, output);
        Assert.Contains(concats, c => c.ChannelExponents!.Distinct().Count() > 1);

        File.WriteAllText(path, File.ReadAllText(path).Replace("\"split\"", "\"halves\"", StringComparison.Ordinal));
        var error = Assert.Throws<ModelFileException>(() => QuantizedUNet.Load(TinyCalibration.Model, path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'concat_scales': \"halves\" is not one of \"shared\", \"split\"", error.Message);
    }

    private static Int8Tensor Random(Random random, int[] shape, double scale, int[]? exponents = null)
    {
        var data = new sbyte[shape.Aggregate(1, (a, b) => a * b)];
        random.NextBytes((byte[])(Array)data);
        return new Int8Tensor(shape, scale, data, channelExponents: exponents);
    }
}
