using DiffAcc.Model.Numerics;

namespace DiffAcc.Model.Tests;

public sealed class NumericsTests
{
    [Theory]
    [InlineData(5, 1, 3)]      // 2.5 -> 3: ties go up
    [InlineData(-5, 1, -2)]    // -2.5 -> -2: ties go up, toward plus infinity
    [InlineData(7, 2, 2)]      // 1.75 -> 2
    [InlineData(-7, 2, -2)]    // -1.75 -> -2
    [InlineData(6, 2, 2)]      // 1.5 -> 2
    [InlineData(-6, 2, -1)]    // -1.5 -> -1
    [InlineData(-1, 1, 0)]     // -0.5 -> 0
    [InlineData(123, 0, 123)]
    [InlineData(long.MinValue / 4, 62, 0)]
    public void Rounding_shift_rounds_half_up(long value, int shift, long expected)
        => Assert.Equal(expected, RoundingShift.Apply(value, shift));

    [Fact]
    public void Rounding_shift_matches_the_real_quotient_rounded_half_up()
    {
        var random = new Random(1);
        for (var i = 0; i < 100_000; i++)
        {
            var value = random.NextInt64(-(1L << 48), 1L << 48);
            var shift = random.Next(0, 40);
            var exact = Math.Floor(((decimal)value / (decimal)Math.Pow(2, shift)) + 0.5m);
            Assert.Equal((long)exact, RoundingShift.Apply(value, shift));
        }
    }

    [Theory]
    [InlineData(200, 127)]
    [InlineData(-200, -128)]
    [InlineData(127, 127)]
    [InlineData(-128, -128)]
    [InlineData(long.MaxValue, 127)]
    [InlineData(long.MinValue, -128)]
    public void Saturation_clamps_to_int8(long value, int expected) => Assert.Equal(expected, Saturation.ToInt8(value));

    [Fact]
    public void Requantization_keeps_exact_intermediates_at_the_int32_extremes()
    {
        // int32 min plus a negative bias does not wrap: the sum is 33 bits.
        Assert.Equal(-128, Requantization.Apply(int.MinValue, new RequantParameters(-1, 65535, 0)));
        Assert.Equal(127, Requantization.Apply(int.MaxValue, new RequantParameters(int.MaxValue, 65535, 0)));
        Assert.Equal(0, Requantization.Apply(int.MinValue, new RequantParameters(int.MinValue, 1, 48)));
        Assert.Equal(-128, Requantization.Apply(int.MinValue, new RequantParameters(int.MinValue, 65535, 20)));
        Assert.Equal(0, Requantization.Apply(int.MaxValue, new RequantParameters(int.MaxValue, 1, 48)));
        // 3 * 1 / 2 = 1.5 -> 2 and -3 / 2 = -1.5 -> -1: the tie rule reaches the output.
        Assert.Equal(2, Requantization.Apply(3, new RequantParameters(0, 1, 1)));
        Assert.Equal(-1, Requantization.Apply(-3, new RequantParameters(0, 1, 1)));
    }

    [Fact]
    public void A_real_scale_becomes_a_normalized_multiplier_and_shift()
    {
        var p = RequantParameters.FromScale(0.0123456);
        Assert.InRange(p.Multiplier, 1 << 15, (1 << 16) - 1);
        Assert.Equal(0.0123456, p.Multiplier / Math.Pow(2, p.Shift), 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => RequantParameters.FromScale(-1));
    }

    [Fact]
    public void Packed_products_split_into_both_exact_products_for_every_int8_triple()
    {
        for (var w1 = -128; w1 <= 127; w1++)
        {
            for (var w2 = -128; w2 <= 127; w2++)
            {
                for (var x = -128; x <= 127; x += 1)
                {
                    var (high, low) = PackedMultiply.Split(PackedMultiply.Product((sbyte)w1, (sbyte)w2, (sbyte)x));
                    if (high != w1 * x || low != w2 * x)
                        Assert.Fail($"w1={w1} w2={w2} x={x}: got ({high}, {low})");
                }
            }
        }
    }

    [Fact]
    public void Seven_packed_products_at_the_extremes_still_split_exactly()
    {
        foreach (var (w1, w2, x) in new (sbyte, sbyte, sbyte)[] { (-128, -128, -128), (127, 127, 127), (-128, -128, 127), (127, -128, -128), (-128, 127, -128) })
        {
            var terms = Enumerable.Repeat(((sbyte)w1, (sbyte)w2, (sbyte)x), PackedMultiply.MaxTerms).ToArray();
            var (high, low) = PackedMultiply.SumOfProducts(terms);
            Assert.Equal(7 * w1 * x, high);
            Assert.Equal(7 * w2 * x, low);
        }
        var eight = Enumerable.Repeat(((sbyte)-128, (sbyte)-128, (sbyte)-128), 8).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedMultiply.SumOfProducts(eight));
        // Why the limit is seven: eight products of 16384 overflow the 18-bit low lane.
        Assert.NotEqual(8 * 16384, PackedMultiply.Split(8 * PackedMultiply.Product(-128, -128, -128)).Low);
    }
}
