using DiffAcc.Model.Numerics;

namespace DiffAcc.Model.Tests;

public sealed class IntegerOperatorTests
{
    [Fact]
    public void The_integer_square_root_is_exact()
    {
        var random = new Random(3);
        var values = new List<ulong> { 0, 1, 2, 3, 4, (1UL << 62) - 1, 1UL << 62, ulong.MaxValue >> 1 };
        for (var i = 0; i < 10_000; i++)
            values.Add((ulong)random.NextInt64(0, long.MaxValue));
        for (ulong r = 1; r < 5000; r++)
            values.AddRange([(r * r) - 1, r * r, (r * r) + 1]);
        foreach (var v in values)
        {
            var root = (ulong)IntegerGroupNorm.IntegerSqrt(v);
            Assert.True(root * root <= v && (root + 1) * (root + 1) > v, $"isqrt({v}) = {root}");
        }
    }

    [Fact]
    public void GroupNorm_is_within_one_step_of_the_real_normalization()
    {
        var random = new Random(4);
        foreach (var (count, spread, inputScale) in new[] { (1, 100, 0.1), (2, 1, 0.02), (64, 127, 0.05), (4096, 30, 0.5), (65536, 128, 1e-3) })
        {
            var x = Enumerable.Range(0, count).Select(_ => (sbyte)Math.Clamp(random.Next(-spread, spread + 1) + 3, -128, 127)).ToArray();
            const double eps = 1e-5, gamma = 1.3, beta = -0.2, outputScale = 4.0 / 127;
            var statistics = GroupStatistics.Of(x);
            var reciprocal = IntegerGroupNorm.ReciprocalSqrt(statistics, IntegerGroupNorm.EpsilonTerm(eps, count, inputScale));
            var channel = GroupNormChannel.FromScale(gamma / outputScale, beta / outputScale);
            double mean = x.Average(v => v * inputScale), variance = x.Average(v => Math.Pow((v * inputScale) - mean, 2));
            foreach (var v in x.Distinct())
            {
                var real = ((((v * inputScale) - mean) / Math.Sqrt(variance + eps) * gamma) + beta) / outputScale;
                var expected = Math.Clamp(real, -128, 127);
                Assert.True(Math.Abs(IntegerGroupNorm.Apply(v, statistics, reciprocal, channel) - expected) <= 1, $"n={count}, x={v}: {IntegerGroupNorm.Apply(v, statistics, reciprocal, channel)} vs {real:F3}");
            }
        }
    }

    [Fact]
    public void GroupNorm_of_a_constant_group_gives_the_offset_and_saturates_at_the_ends()
    {
        var constant = Enumerable.Repeat((sbyte)-128, 300).ToArray();
        var statistics = GroupStatistics.Of(constant);
        Assert.Equal(0, statistics.ScaledVariance);
        var reciprocal = IntegerGroupNorm.ReciprocalSqrt(statistics, IntegerGroupNorm.EpsilonTerm(1e-6, 300, 0.01));
        Assert.Equal(-7, IntegerGroupNorm.Apply(-128, statistics, reciprocal, GroupNormChannel.FromScale(5, -7.3)));
        var wide = new sbyte[] { -128, 127, -128, 127 };
        var wideStatistics = GroupStatistics.Of(wide);
        var wideReciprocal = IntegerGroupNorm.ReciprocalSqrt(wideStatistics, 1);
        Assert.Equal(127, IntegerGroupNorm.Apply(127, wideStatistics, wideReciprocal, GroupNormChannel.FromScale(1000, 0)));
        Assert.Equal(-128, IntegerGroupNorm.Apply(-128, wideStatistics, wideReciprocal, GroupNormChannel.FromScale(1000, 0)));
        Assert.Equal(127, IntegerGroupNorm.Apply(-128, wideStatistics, wideReciprocal, GroupNormChannel.FromScale(-1000, 0)));
    }

    [Fact]
    public void The_SiLU_table_rounds_half_up_and_saturates()
    {
        var identity = ActivationTable.Build(x => x, 1, 2);
        Assert.Equal(1, identity[1]);   // 0.5 rounds up
        Assert.Equal(0, identity[-1]);  // -0.5 rounds up to 0
        Assert.Equal(-64, identity[-128]);
        var silu = ActivationTable.Silu(0.05, 0.01);
        for (var x = -128; x < 128; x++)
        {
            var real = x * 0.05 / (1 + Math.Exp(-x * 0.05)) / 0.01;
            Assert.Equal((sbyte)Math.Clamp(Math.Floor(real + 0.5), -128, 127), silu[(sbyte)x]);
        }
        Assert.Equal(127, silu[127]);
    }

    [Fact]
    public void Softmax_handles_single_equal_and_extreme_rows()
    {
        var scale = IntegerSoftmax.ExponentScale(0.01);
        var one = new sbyte[1];
        IntegerSoftmax.Apply([int.MinValue], scale, one);
        Assert.Equal(127, one[0]);
        var equal = new sbyte[16];
        IntegerSoftmax.Apply(Enumerable.Repeat(-5000, 16).ToArray(), scale, equal);
        Assert.All(equal, p => Assert.Equal(8, p)); // 127 / 16 = 7.94
        var extreme = new sbyte[3];
        IntegerSoftmax.Apply([int.MinValue, int.MaxValue, int.MinValue], IntegerSoftmax.ExponentScale(1e-6), extreme);
        Assert.Equal(new sbyte[] { 0, 127, 0 }, extreme);
        IntegerSoftmax.Apply([], scale, []);
    }

    [Fact]
    public void A_constant_group_gives_the_rounded_offset_whatever_the_gain_even_zero()
    {
        var statistics = GroupStatistics.Of([3, 3, 3, 3]);
        var reciprocal = IntegerGroupNorm.ReciprocalSqrt(statistics, 1);
        Assert.Equal(5, IntegerGroupNorm.Apply(3, statistics, reciprocal, GroupNormChannel.FromScale(0, 5)));
        var random = new Random(11);
        for (var i = 0; i < 2000; i++)
        {
            var gain = random.Next(4) == 0 ? 0 : Math.Pow(10, -4 + (random.NextDouble() * 7)) * (random.Next(2) == 0 ? -1 : 1);
            var offset = (random.NextDouble() * 300) - 150;
            var channel = GroupNormChannel.FromScale(gain, offset);
            Assert.InRange(Math.Abs(channel.Offset), 0, GroupNormChannel.MaxOffset);
            Assert.InRange(Math.Abs(channel.Gain), 0, (1 << 15) - 1);
            // The page: a constant group gives sat8(round(β / s_out)); exact ties do not occur for random reals.
            Assert.Equal((sbyte)Math.Clamp(Math.Round(offset), -128, 127), IntegerGroupNorm.Apply(3, statistics, reciprocal, channel));
        }
    }

    [Fact]
    public void A_score_unit_the_exponent_multiplier_cannot_hold_is_refused()
    {
        Assert.Equal(65535, IntegerSoftmax.ExponentScale(IntegerSoftmax.MaxScoreScale).Multiplier);
        foreach (var unit in new[] { 0.7, Math.Log(2), double.NaN, 0, -0.1 })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => IntegerSoftmax.ExponentScale(unit));
            Assert.Contains("score unit", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Softmax_is_within_one_step_of_the_real_probabilities()
    {
        var random = new Random(5);
        foreach (var length in new[] { 2, 16, 64, 256, 1024 })
        {
            for (var row = 0; row < 20; row++)
            {
                var unit = Math.Pow(10, -0.5 - (random.NextDouble() * 4));
                var scores = Enumerable.Range(0, length).Select(_ => random.Next(-100_000, 100_000) / 10).ToArray();
                var probabilities = new sbyte[length];
                IntegerSoftmax.Apply(scores, IntegerSoftmax.ExponentScale(unit), probabilities);
                var max = scores.Max();
                var exps = scores.Select(s => Math.Exp((s - max) * unit)).ToArray();
                var sum = exps.Sum();
                for (var i = 0; i < length; i++)
                    Assert.True(Math.Abs(probabilities[i] - (127 * exps[i] / sum)) <= 1, $"length {length}, unit {unit}: p[{i}] = {probabilities[i]} vs {127 * exps[i] / sum:F3}");
            }
        }
    }

    [Fact]
    public void Residual_add_with_equal_scales_is_the_saturated_sum_and_otherwise_within_half_a_step()
    {
        var same = ResidualAdd.FromScales(0.1, 0.1, 0.1);
        for (var a = -128; a < 128; a++)
        {
            for (var b = -128; b < 128; b += 5)
                Assert.Equal((sbyte)Math.Clamp(a + b, -128, 127), same.Apply((sbyte)a, (sbyte)b));
        }
        var mixed = ResidualAdd.FromScales(0.03, 0.11, 0.07);
        var random = new Random(6);
        for (var i = 0; i < 10_000; i++)
        {
            sbyte a = (sbyte)random.Next(-128, 128), b = (sbyte)random.Next(-128, 128);
            var real = Math.Clamp(((a * 0.03) + (b * 0.11)) / 0.07, -128, 127);
            Assert.True(Math.Abs(mixed.Apply(a, b) - real) <= 0.5 + 1e-3, $"{a} + {b}: {mixed.Apply(a, b)} vs {real:F3}");
        }
    }

    [Fact]
    public void A_rescale_with_equal_scales_is_the_identity_and_otherwise_rounds_once()
    {
        var identity = ResidualAdd.Rescale(0.37, 0.37);
        for (var a = -128; a < 128; a++)
            Assert.Equal((sbyte)a, identity.Apply((sbyte)a, 0));
        var halve = ResidualAdd.Rescale(0.1, 0.2);
        Assert.Equal(2, halve.Apply(3, 0));    // 1.5 rounds up
        Assert.Equal(-1, halve.Apply(-3, 0));  // -1.5 rounds up
        Assert.Equal(127, ResidualAdd.Rescale(0.5, 0.1).Apply(100, 0));
    }
}
