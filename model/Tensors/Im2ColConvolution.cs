using System.Numerics;

namespace DiffAcc.Model.Tensors;

/// <summary>
/// A 2-D convolution as im2col and <see cref="MatrixProduct"/>, shared by the FP32 operators and the
/// int8 ones (int8 inputs widened to int32 columns). Images are spread over cores; a batch smaller
/// than the core count spreads output channels instead.
/// </summary>
public static class Im2ColConvolution
{
    /// <summary>
    /// target [batch, outputs, oh, ow] (holding the bias, or zero) += the convolution of input
    /// [batch, inputs, h, w] by weights [outputs, inputs, k, k], padded with <paramref name="pad"/>.
    /// </summary>
    public static void Accumulate<TSource, T>(TSource[] input, int[] inputShape, T[] weights, int outputs, int k, int stride, (int Top, int Left, int Bottom, int Right) padding, T[] target, int oh, int ow, T pad = default)
        where TSource : INumberBase<TSource>
        where T : unmanaged, INumber<T>
    {
        int batch = inputShape[0], inputs = inputShape[1], h = inputShape[2], w = inputShape[3];
        var rows = inputs * k * k;
        var pixels = oh * ow;
        void Columns(int b, int row, T[] columns)
        {
            int c = row / (k * k), ky = row / k % k, kx = row % k;
            ImageLayout.Im2ColRow<TSource, T>(input.AsSpan(((b * inputs) + c) * h * w, h * w), h, w, ky, kx, stride, padding.Top, padding.Left, ow, columns.AsSpan(row * pixels, pixels), pad);
        }
        if (batch >= Environment.ProcessorCount)
        {
            Parallel.For(0, batch, () => new T[rows * pixels], (b, _, columns) =>
            {
                for (var row = 0; row < rows; row++)
                    Columns(b, row, columns);
                MatrixProduct.MultiplyAccumulate<T>(weights, columns, target.AsSpan(b * outputs * pixels, outputs * pixels), outputs, rows, pixels);
                return columns;
            }, _ => { });
            return;
        }
        var shared = new T[rows * pixels];
        var chunk = Math.Max(4, (outputs + (4 * Environment.ProcessorCount) - 1) / (4 * Environment.ProcessorCount) * 4);
        for (var b = 0; b < batch; b++)
        {
            var image = b;
            Parallel.For(0, rows, row => Columns(image, row, shared));
            Parallel.For(0, (outputs + chunk - 1) / chunk, part =>
            {
                var first = part * chunk;
                var count = Math.Min(chunk, outputs - first);
                MatrixProduct.MultiplyAccumulate(weights.AsSpan(first * rows, count * rows), shared, target.AsSpan(((image * outputs) + first) * pixels, count * pixels), count, rows, pixels);
            });
        }
    }

    /// <summary>The output size of a convolution along one axis.</summary>
    public static int OutputSize(int size, int before, int after, int k, int stride) => ((size + before + after - k) / stride) + 1;
}
