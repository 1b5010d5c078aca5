using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DiffAcc.Model.Tensors;

/// <summary>The data movement of images that the FP32 and int8 operators share: im2col rows and nearest 2x upsampling.</summary>
public static class ImageLayout
{
    /// <summary>
    /// One im2col row: for kernel tap (ky, kx) of one input plane [h, w], the input value under that
    /// tap for every output pixel [oh, ow], <paramref name="pad"/> in the padding (the zero point: the
    /// value that means 0).
    /// </summary>
    public static void Im2ColRow<TSource, TColumn>(ReadOnlySpan<TSource> plane, int h, int w, int ky, int kx, int stride, int top, int left, int ow, Span<TColumn> target, TColumn pad)
        where TSource : INumberBase<TSource>
        where TColumn : INumberBase<TColumn>
    {
        for (var oy = 0; oy < target.Length / ow; oy++)
        {
            var iy = (oy * stride) + ky - top;
            var row = target.Slice(oy * ow, ow);
            if (iy < 0 || iy >= h)
            {
                row.Fill(pad);
                continue;
            }
            // The output pixels whose tap lands inside the row: ix = ox * stride + kx - left in [0, w), so
            // ox from ceil((left - kx) / stride) to floor((w - 1 + left - kx) / stride). Both numerators can be
            // negative (a kernel column right of a narrow input); C#'s division truncates toward zero, so
            // floor explicitly, or a one-column output would read past the row.
            var first = Math.Max(0, -FloorDivide(kx - left, stride));
            var end = Math.Min(ow, FloorDivide(w - 1 + left - kx, stride) + 1);
            row[..first].Fill(pad);
            if (end < ow)
                row[Math.Max(end, first)..].Fill(pad);
            if (end <= first)
                continue;
            var start = (iy * w) + (first * stride) + kx - left;
            if (stride == 1)
            {
                TensorPrimitives.ConvertTruncating(plane.Slice(start, end - first), row[first..end]);
                continue;
            }
            for (var ox = first; ox < end; ox++)
                row[ox] = TColumn.CreateTruncating(plane[start + ((ox - first) * stride)]);
        }
    }

    /// <summary>⌊a / b⌋ for b &gt; 0, negative a included.</summary>
    private static int FloorDivide(int a, int b) => (a / b) - ((a % b) < 0 ? 1 : 0);

    /// <summary>Nearest-neighbour 2x upsampling of <paramref name="planes"/> planes [h, w] into [2h, 2w].</summary>
    public static void Upsample2x<T>(T[] source, T[] target, int planes, int h, int w)
    {
        Parallel.For(0, planes, plane =>
        {
            for (var y = 0; y < 2 * h; y++)
            {
                for (var x = 0; x < 2 * w; x++)
                    target[(plane * 4 * h * w) + (y * 2 * w) + x] = source[(plane * h * w) + (y / 2 * w) + (x / 2)];
            }
        });
    }
}
