using DiffAcc.Model.Fp32;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Tests;

/// <summary>
/// Softmax probabilities unsigned in steps of 1/255 (quantize --unsigned-softmax): code q means (q + 128) / 255,
/// P·V sums the true probabilities, the attention output is closer to FP32 than with 1/127, and the
/// format travels through the quantization file into the int8 model.
/// </summary>
public sealed class UnsignedSoftmaxTests
{
    [Fact]
    public void Unsigned_softmax_handles_single_equal_and_extreme_rows()
    {
        var scale = IntegerSoftmax.ExponentScale(0.01);
        var one = new sbyte[1];
        IntegerSoftmax.Apply([int.MinValue], scale, one, ProbabilityFormat.Unsigned);
        Assert.Equal(127, one[0]); // 255 - 128
        var equal = new sbyte[16];
        IntegerSoftmax.Apply(Enumerable.Repeat(-5000, 16).ToArray(), scale, equal, ProbabilityFormat.Unsigned);
        Assert.All(equal, p => Assert.Equal(16 - 128, p)); // 255 / 16 = 15.94
        var extreme = new sbyte[3];
        IntegerSoftmax.Apply([int.MinValue, int.MaxValue, int.MinValue], IntegerSoftmax.ExponentScale(1e-6), extreme, ProbabilityFormat.Unsigned);
        Assert.Equal(new sbyte[] { -128, 127, -128 }, extreme);
        IntegerSoftmax.Apply([], scale, [], ProbabilityFormat.Unsigned);
    }

    [Fact]
    public void Unsigned_probabilities_are_within_one_step_of_255_times_the_real_ones()
    {
        var random = new Random(6);
        foreach (var length in new[] { 2, 16, 64, 256, 1024 })
        {
            for (var row = 0; row < 20; row++)
            {
                var unit = Math.Pow(10, -0.5 - (random.NextDouble() * 4));
                var scores = Enumerable.Range(0, length).Select(_ => random.Next(-100_000, 100_000) / 10).ToArray();
                var probabilities = new sbyte[length];
                IntegerSoftmax.Apply(scores, IntegerSoftmax.ExponentScale(unit), probabilities, ProbabilityFormat.Unsigned);
                var max = scores.Max();
                var exps = scores.Select(s => Math.Exp((s - max) * unit)).ToArray();
                var sum = exps.Sum();
                for (var i = 0; i < length; i++)
                    Assert.True(Math.Abs(probabilities[i] + 128 - (255 * exps[i] / sum)) <= 1, $"length {length}, unit {unit}: p[{i}] = {probabilities[i]} vs {(255 * exps[i] / sum) - 128:F3}");
            }
        }
    }

    [Fact]
    public void P_times_V_sums_the_true_probabilities_and_lands_closer_to_FP32_than_1_over_127()
    {
        var random = new Random(3);
        const int channels = 16, pixels = 64, headDim = 8;
        Int8Tensor Random(double scale) => new([1, channels, 8, 8], scale, [.. Enumerable.Range(0, channels * pixels).Select(_ => (sbyte)random.Next(-128, 128))]);
        var (q, k, v) = (Random(0.02), Random(0.02), Random(0.03));
        var reference = Fp32Ops.Attention(q.Dequantize(), k.Dequantize(), v.Dequantize(), headDim);
        const double outputScale = 0.01;
        var error = new Dictionary<ProbabilityFormat, double>();
        foreach (var format in new[] { ProbabilityFormat.Signed, ProbabilityFormat.Unsigned })
        {
            var accumulators = Int8Ops.AttentionAccumulate(q, k, v, headDim, format);
            // Row 0 of head 0 by hand: sum over keys of (code - zero point) x v.
            var scores = Enumerable.Range(0, pixels).Select(j => Enumerable.Range(0, headDim).Sum(d => q.Data[d * pixels] * k.Data[(d * pixels) + j])).ToArray();
            var codes = new sbyte[pixels];
            IntegerSoftmax.Apply(scores, IntegerSoftmax.ExponentScale(q.Scale * k.Scale / Math.Sqrt(headDim)), codes, format);
            Assert.Equal(Enumerable.Range(0, pixels).Sum(j => (codes[j] - IntegerSoftmax.ZeroPoint(format)) * v.Data[j]), accumulators[0]);
            var requant = LayerConstants.AttentionRequantization(v.Scale, outputScale, format);
            var output = Int8Ops.Requantize(accumulators, [1, channels, 8, 8], [.. Enumerable.Repeat(requant, channels)], outputScale);
            error[format] = output.Data.Select((x, i) => Math.Abs(x - Math.Clamp(reference.Data[i] / outputScale, -128, 127))).Average();
        }
        Assert.True(error[ProbabilityFormat.Unsigned] < 0.8 * error[ProbabilityFormat.Signed], $"mean error in output steps: unsigned {error[ProbabilityFormat.Unsigned]:F3}, signed {error[ProbabilityFormat.Signed]:F3}");
    }

    [Fact]
    public void The_format_round_trips_through_the_file_into_the_int8_model_and_a_bad_one_is_named()
    {
        var signed = TinyCalibration.Calibration.Value.Quantize(2);
        var unsigned = TinyCalibration.Calibration.Value.Quantize(2, StepGrouping.Equal, probabilities: ProbabilityFormat.Unsigned);
        Assert.DoesNotContain("softmax_probabilities", signed.ToJson(), StringComparison.Ordinal);
        var path = Path.Combine(Directory.CreateTempSubdirectory("diffacc-softmax-").FullName, "quant.json");
        unsigned.Save(path);
        Assert.Contains("\"softmax_probabilities\": \"unsigned\"", File.ReadAllText(path), StringComparison.Ordinal);
        var loaded = QuantizedUNet.Load(TinyCalibration.Model, path);
        Assert.Equal(ProbabilityFormat.Unsigned, loaded.Quantization.Probabilities);
        var sample = new Tensor([1, 3, 8, 8], [.. Enumerable.Range(0, 192).Select(i => MathF.Sin(i))]);
        var output = loaded.PredictNoise(sample, 300).Data;
        Assert.Equal(new QuantizedUNet(TinyCalibration.Model, unsigned).PredictNoise(sample, 300).Data, output);
        // The tiny model has attention: the format changes its output.
        Assert.NotEqual(new QuantizedUNet(TinyCalibration.Model, signed).PredictNoise(sample, 300).Data, output);

        File.WriteAllText(path, File.ReadAllText(path).Replace("\"unsigned\"", "\"uint8\"", StringComparison.Ordinal));
        var error = Assert.Throws<ModelFileException>(() => QuantizedUNet.Load(TinyCalibration.Model, path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'softmax_probabilities': \"uint8\" is not one of \"signed\", \"unsigned\"", error.Message);
    }
}
