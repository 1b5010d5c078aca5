using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DiffAcc.Model.Tensors;

/// <summary>
/// target[o, p] += Σ_r weights[o, r] · columns[r, p]: the product under every convolution, for FP32
/// and for int32 (int8 values widened). Register-blocked: four output rows times two vectors of
/// pixels stay in registers while the rows stream by, so a 16-channel 32x32 convolution runs from
/// L1 instead of re-reading its whole im2col matrix once per output channel.
/// </summary>
/// <remarks>
/// Each output element sums its products in row order, one multiply and one add per row (.NET never
/// fuses them), starting from the value already in target: the same rounding sequence as a plain
/// loop, so FP32 results do not depend on the blocking.
/// </remarks>
public static class MatrixProduct
{
    private const int OutputBlock = 4;

    /// <summary>
    /// weights [outputs, rows], columns [rows, pixels], target [outputs, pixels], all row-major; target
    /// holds the starting values (the bias, or zero).
    /// </summary>
    public static void MultiplyAccumulate<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> columns, Span<T> target, int outputs, int rows, int pixels)
        where T : unmanaged, INumber<T>
    {
        if (weights.Length < outputs * rows || columns.Length < rows * pixels || target.Length < outputs * pixels)
            throw new ArgumentException($"matrix product [{outputs} x {rows}] x [{rows} x {pixels}] does not fit spans of {weights.Length}, {columns.Length} and {target.Length}");
        ref var w = ref MemoryMarshal.GetReference(weights);
        ref var c = ref MemoryMarshal.GetReference(columns);
        ref var t = ref MemoryMarshal.GetReference(target);
        var width = Vector<T>.Count;
        var tile = 2 * width;
        // One tile's columns copied together: read in place, the rows lie a whole image apart (4 KiB
        // at 32x32 FP32) and alias in L1.
        var packed = ArrayPool<T>.Shared.Rent(rows * tile);
        ref var k = ref MemoryMarshal.GetArrayDataReference(packed);
        var p = 0;
        for (; p + tile <= pixels; p += tile)
        {
            for (var r = 0; r < rows; r++)
            {
                Vector.LoadUnsafe(ref c, (nuint)((r * pixels) + p)).StoreUnsafe(ref k, (nuint)(r * tile));
                Vector.LoadUnsafe(ref c, (nuint)((r * pixels) + p + width)).StoreUnsafe(ref k, (nuint)((r * tile) + width));
            }
            var o = 0;
            for (; o + OutputBlock <= outputs; o += OutputBlock)
                Block4(ref w, ref k, ref t, o, p, rows, pixels);
            for (; o < outputs; o++)
                Block1(ref w, ref k, ref t, o, p, rows, pixels);
        }
        ArrayPool<T>.Shared.Return(packed);
        for (; p < pixels; p++)
        {
            for (var o = 0; o < outputs; o++)
            {
                var sum = Unsafe.Add(ref t, (o * pixels) + p);
                for (var r = 0; r < rows; r++)
                    sum += Unsafe.Add(ref w, (o * rows) + r) * Unsafe.Add(ref c, (r * pixels) + p);
                Unsafe.Add(ref t, (o * pixels) + p) = sum;
            }
        }
    }

    private static void Block4<T>(ref T w, ref T c, ref T t, int o, int p, int rows, int pixels)
        where T : unmanaged, INumber<T>
    {
        var width = (nuint)Vector<T>.Count;
        var base0 = (nuint)((o * pixels) + p);
        var base1 = base0 + (nuint)pixels;
        var base2 = base1 + (nuint)pixels;
        var base3 = base2 + (nuint)pixels;
        var a0 = Vector.LoadUnsafe(ref t, base0);
        var b0 = Vector.LoadUnsafe(ref t, base0 + width);
        var a1 = Vector.LoadUnsafe(ref t, base1);
        var b1 = Vector.LoadUnsafe(ref t, base1 + width);
        var a2 = Vector.LoadUnsafe(ref t, base2);
        var b2 = Vector.LoadUnsafe(ref t, base2 + width);
        var a3 = Vector.LoadUnsafe(ref t, base3);
        var b3 = Vector.LoadUnsafe(ref t, base3 + width);
        ref var w0 = ref Unsafe.Add(ref w, o * rows);
        ref var w1 = ref Unsafe.Add(ref w0, rows);
        ref var w2 = ref Unsafe.Add(ref w1, rows);
        ref var w3 = ref Unsafe.Add(ref w2, rows);
        nuint column = 0;
        for (var r = 0; r < rows; r++, column += 2 * width)
        {
            var x = Vector.LoadUnsafe(ref c, column);
            var y = Vector.LoadUnsafe(ref c, column + width);
            var k0 = new Vector<T>(Unsafe.Add(ref w0, r));
            var k1 = new Vector<T>(Unsafe.Add(ref w1, r));
            var k2 = new Vector<T>(Unsafe.Add(ref w2, r));
            var k3 = new Vector<T>(Unsafe.Add(ref w3, r));
            a0 += x * k0;
            b0 += y * k0;
            a1 += x * k1;
            b1 += y * k1;
            a2 += x * k2;
            b2 += y * k2;
            a3 += x * k3;
            b3 += y * k3;
        }
        a0.StoreUnsafe(ref t, base0);
        b0.StoreUnsafe(ref t, base0 + width);
        a1.StoreUnsafe(ref t, base1);
        b1.StoreUnsafe(ref t, base1 + width);
        a2.StoreUnsafe(ref t, base2);
        b2.StoreUnsafe(ref t, base2 + width);
        a3.StoreUnsafe(ref t, base3);
        b3.StoreUnsafe(ref t, base3 + width);
    }

    private static void Block1<T>(ref T w, ref T c, ref T t, int o, int p, int rows, int pixels)
        where T : unmanaged, INumber<T>
    {
        var width = (nuint)Vector<T>.Count;
        var at = (nuint)((o * pixels) + p);
        var a = Vector.LoadUnsafe(ref t, at);
        var b = Vector.LoadUnsafe(ref t, at + width);
        ref var w0 = ref Unsafe.Add(ref w, o * rows);
        nuint column = 0;
        for (var r = 0; r < rows; r++, column += 2 * width)
        {
            var k = new Vector<T>(Unsafe.Add(ref w0, r));
            a += Vector.LoadUnsafe(ref c, column) * k;
            b += Vector.LoadUnsafe(ref c, column + width) * k;
        }
        a.StoreUnsafe(ref t, at);
        b.StoreUnsafe(ref t, at + width);
    }
}
