using DiffAcc.Model.Fp32;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Tests;

/// <summary>
/// The blocked matrix product and the convolutions built on it against plain loops, every output
/// word: FP32 in the same rounding order (so bit for bit), int8 exactly, at tile and block edges
/// and at the largest int8 magnitudes on both sides of the FP32-exact row limit.
/// </summary>
public sealed class MatrixProductTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 9, 16)]
    [InlineData(5, 13, 17)]
    [InlineData(7, 37, 70)]
    [InlineData(16, 144, 64)]
    [InlineData(3, 2, 33)]
    public void Float_product_rounds_as_the_row_by_row_loop(int outputs, int rows, int pixels)
    {
        var random = new Random((outputs * 1000) + (rows * 100) + pixels);
        var weights = Floats(random, outputs * rows);
        var columns = Floats(random, rows * pixels);
        var start = Floats(random, outputs * pixels);
        var expected = (float[])start.Clone();
        for (var o = 0; o < outputs; o++)
        {
            for (var p = 0; p < pixels; p++)
            {
                for (var r = 0; r < rows; r++)
                    expected[(o * pixels) + p] += weights[(o * rows) + r] * columns[(r * pixels) + p];
            }
        }
        var actual = (float[])start.Clone();
        MatrixProduct.MultiplyAccumulate<float>(weights, columns, actual, outputs, rows, pixels);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"[{i / pixels}, {i % pixels}]: {actual[i]:R}, loop {expected[i]:R}");
    }

    [Fact]
    public void Spans_too_short_for_the_shape_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => MatrixProduct.MultiplyAccumulate<int>(new int[6], new int[6], new int[3], 2, 3, 2));
        Assert.Contains("[2 x 3] x [3 x 2]", error.Message);
    }

    [Theory]
    [InlineData(3, 7, 1, 1, 0, 0, 0, 0, 2)]
    [InlineData(3, 9, 3, 1, 1, 1, 1, 1, 5)]
    [InlineData(3, 8, 3, 2, 1, 1, 1, 1, 4)]
    [InlineData(2, 8, 3, 2, 0, 0, 1, 1, 3)]
    [InlineData(113, 5, 3, 1, 1, 1, 1, 1, 6)]
    [InlineData(114, 5, 3, 1, 1, 1, 1, 1, 6)]
    [InlineData(256, 4, 3, 1, 1, 1, 1, 1, 5)]
    [InlineData(3, 1, 3, 2, 1, 1, 1, 1, 2)] // one column (and row) out: only the centre tap is inside
    [InlineData(3, 2, 3, 2, 1, 1, 1, 1, 2)] // the last kernel column beyond a 2-wide input
    [InlineData(2, 3, 3, 2, 0, 0, 0, 0, 2)] // no padding, one output pixel
    [InlineData(2, 1, 3, 1, 1, 1, 1, 1, 3)] // a 1x1 image, stride 1
    public void Int8_convolution_is_exact(int inputs, int size, int k, int stride, int top, int left, int bottom, int right, int outputs)
    {
        // 113 · 9 = 1,017 rows sum in FP32; 114 · 9 = 1,026 and 256 · 9 = 2,304 (the CIFAR-sized UNet's) in
        // int32: at random and at the extremes, where the last tap's product is odd (-127 · -127) and
        // lands on a partial sum beyond 2^24.
        foreach (var extreme in new[] { true, false })
        {
            var random = new Random(inputs + size + k + stride + outputs);
            foreach (var batch in new[] { 1, 3 })
            {
                var plane = size * size;
                var rows = inputs * k * k;
                var x = new Int8Tensor([batch, inputs, size, size], 1, extreme
                    ? [.. Enumerable.Range(0, batch * inputs * plane).Select(i => (sbyte)(i / plane % inputs == inputs - 1 ? -127 : -128))]
                    : Bytes(random, batch * inputs * plane));
                var values = extreme
                    ? [.. Enumerable.Range(0, outputs * rows).Select(i => (sbyte)(i % rows == rows - 1 ? -127 : -128))]
                    : Bytes(random, outputs * rows);
                var weights = QuantizedWeights.FromInt8([outputs, inputs, k, k], values, [.. Enumerable.Repeat(1.0, outputs)]);
                var actual = Int8Ops.Conv2dAccumulate(x, weights, stride, (top, left, bottom, right), out var shape);
                var expected = DirectConvolution(x, values, outputs, k, stride, (top, left, bottom, right), out var expectedShape);
                Assert.Equal(expectedShape, shape);
                for (var i = 0; i < expected.Length; i++)
                    Assert.True(expected[i] == actual[i], $"batch {batch}, extreme {extreme}, word {i}: {actual[i]}, direct {expected[i]}");
            }
        }
    }

    [Fact]
    public void Float_convolution_with_stride_and_uneven_padding_rounds_as_direct_sums()
    {
        var random = new Random(5);
        var x = new Tensor([2, 3, 9, 9], Floats(random, 2 * 3 * 81));
        var weight = new Tensor([5, 3, 3, 3], Floats(random, 5 * 27));
        var bias = new Tensor([5], Floats(random, 5));
        var actual = Fp32Ops.Conv2d(x, weight, bias, 2, (0, 1, 1, 0));
        Assert.Equal([2, 5, 4, 4], actual.Shape);
        for (var n = 0; n < 2; n++)
        {
            for (var o = 0; o < 5; o++)
            {
                for (var oy = 0; oy < 4; oy++)
                {
                    for (var ox = 0; ox < 4; ox++)
                    {
                        var sum = bias.Data[o];
                        for (var c = 0; c < 3; c++)
                        {
                            for (var ky = 0; ky < 3; ky++)
                            {
                                for (var kx = 0; kx < 3; kx++)
                                {
                                    int iy = (oy * 2) + ky, ix = (ox * 2) + kx - 1;
                                    var value = iy < 9 && ix >= 0 && ix < 9 ? x.Data[(((n * 3) + c) * 81) + (iy * 9) + ix] : 0f;
                                    sum += weight.Data[(((o * 3) + c) * 9) + (ky * 3) + kx] * value;
                                }
                            }
                        }
                        var at = (((n * 5) + o) * 16) + (oy * 4) + ox;
                        Assert.True(BitConverter.SingleToInt32Bits(sum) == BitConverter.SingleToInt32Bits(actual.Data[at]), $"[{n}, {o}, {oy}, {ox}]: {actual.Data[at]:R}, direct {sum:R}");
                    }
                }
            }
        }
    }

    private static int[] DirectConvolution(Int8Tensor x, sbyte[] weights, int outputs, int k, int stride, (int Top, int Left, int Bottom, int Right) padding, out int[] shape)
    {
        int batch = x.Shape[0], inputs = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var oh = ((h + padding.Top + padding.Bottom - k) / stride) + 1;
        var ow = ((w + padding.Left + padding.Right - k) / stride) + 1;
        shape = [batch, outputs, oh, ow];
        var result = new int[batch * outputs * oh * ow];
        for (var n = 0; n < batch; n++)
        {
            for (var o = 0; o < outputs; o++)
            {
                for (var oy = 0; oy < oh; oy++)
                {
                    for (var ox = 0; ox < ow; ox++)
                    {
                        var sum = 0;
                        for (var c = 0; c < inputs; c++)
                        {
                            for (var ky = 0; ky < k; ky++)
                            {
                                for (var kx = 0; kx < k; kx++)
                                {
                                    int iy = (oy * stride) + ky - padding.Top, ix = (ox * stride) + kx - padding.Left;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                        sum += weights[(((o * inputs) + c) * k * k) + (ky * k) + kx] * x.Data[(((n * inputs) + c) * h * w) + (iy * w) + ix];
                                }
                            }
                        }
                        result[(((n * outputs) + o) * oh * ow) + (oy * ow) + ox] = sum;
                    }
                }
            }
        }
        return result;
    }

    private static float[] Floats(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    private static sbyte[] Bytes(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-128, 128))];
}
