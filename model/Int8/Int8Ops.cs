using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DiffAcc.Model.Int8;

/// <summary>
/// The integer kernels of the int8 model: int8 × int8 products accumulated exactly in int32 (what the
/// PE arrays compute), and the integer operators of <see cref="Numerics"/> applied over tensors.
/// Image tensors are [batch, channels, height, width].
/// </summary>
public static class Int8Ops
{
    /// <summary>The longest dot product of int8 values whose every partial sum FP32 represents exactly: 2^24 / 2^14.</summary>
    public const int ExactFloatRows = 1 << 10;

    /// <summary>
    /// The int32 accumulators of a convolution (no bias): [B, C_out, OH, OW], Σ w · q with the padding
    /// at the input's zero point (so the zero point's share, <see cref="LayerConstants.ConvRequantization"/>'s
    /// fold, is the same at the border as inside).
    /// </summary>
    public static int[] Conv2dAccumulate(Int8Tensor x, QuantizedWeights weight, int stride, (int Top, int Left, int Bottom, int Right) padding, out int[] outputShape)
    {
        if (x.ChannelExponents is { Length: > 0 } exponents)
            return ConvAccumulateByExponent(x, exponents, weight, stride, padding, out outputShape);
        int batch = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int cout = weight.Outputs, k = weight.Shape.Length == 4 ? weight.Shape[2] : 1;
        if (weight.RowLength != cin * k * k)
            throw new ArgumentException($"conv weight [{string.Join(", ", weight.Shape)}] does not fit input [{string.Join(", ", x.Shape)}]");
        var oh = Im2ColConvolution.OutputSize(h, padding.Top, padding.Bottom, k, stride);
        var ow = Im2ColConvolution.OutputSize(w, padding.Left, padding.Right, k, stride);
        var accumulators = new int[batch * cout * oh * ow];
        if (weight.RowLength <= ExactFloatRows)
        {
            // Every product is an integer of magnitude at most 128 · 128 and every partial sum at most
            // rows · 2^14 <= 2^24, so FP32 holds them all exactly; FP32 products run faster than int32 ones.
            var sums = new float[accumulators.Length];
            Im2ColConvolution.Accumulate(x.Data, x.Shape, Array.ConvertAll(weight.Values, value => (float)value), cout, k, stride, padding, sums, oh, ow, x.ZeroPoint);
            TensorPrimitives.ConvertTruncating(sums, accumulators);
        }
        else
        {
            Im2ColConvolution.Accumulate(x.Data, x.Shape, Array.ConvertAll(weight.Values, value => (int)value), cout, k, stride, padding, accumulators, oh, ow, x.ZeroPoint);
        }
        outputShape = [batch, cout, oh, ow];
        return accumulators;
    }

    /// <summary>
    /// <c>Σ w · q · 2^e</c> in int32 with wraparound for an input with channel exponents (a concatenation with split
    /// scales): one pass per exponent over its channels, each pass's sums shifted left by it and added, as the
    /// hardware adds one part's partial sum shifted.
    /// </summary>
    private static int[] ConvAccumulateByExponent(Int8Tensor x, int[] exponents, QuantizedWeights weight, int stride, (int Top, int Left, int Bottom, int Right) padding, out int[] outputShape)
    {
        int batch = x.Shape[0], cin = x.Shape[1], plane = x.Shape[2] * x.Shape[3];
        int[]? total = null;
        outputShape = [];
        foreach (var exponent in exponents.Distinct())
        {
            var part = new Int8Tensor([.. x.Shape], x.Scale);
            for (var n = 0; n < batch; n++)
            {
                for (var c = 0; c < cin; c++)
                {
                    if (exponents[c] == exponent)
                        x.Data.AsSpan(((n * cin) + c) * plane, plane).CopyTo(part.Data.AsSpan(((n * cin) + c) * plane));
                }
            }
            var sums = Conv2dAccumulate(part, weight, stride, padding, out outputShape);
            total ??= new int[sums.Length];
            for (var i = 0; i < sums.Length; i++)
                total[i] = unchecked(total[i] + (sums[i] << exponent));
        }
        return total!;
    }

    /// <summary>
    /// Channel concatenation [B, Ca + Cb, H, W] with each part rescaled on the way in (docs/numerics.md, "Concat"):
    /// to the concatenation's <paramref name="scale"/>, or with split scales to its own power-of-two step of it
    /// (<see cref="SplitConcat"/>), the tensor keeping an exponent per channel.
    /// </summary>
    public static Int8Tensor Concat(Int8Tensor a, Int8Tensor b, double scale, ConcatScales scales = ConcatScales.Shared)
    {
        if (a.ChannelExponents is not null || b.ChannelExponents is not null || a.ZeroPoint != 0 || b.ZeroPoint != 0)
            throw new ArgumentException("the parts of a concatenation are symmetric tensors with one scale each");
        int batch = a.Shape[0], ca = a.Shape[1], cb = b.Shape[1], plane = a.Shape[2] * a.Shape[3];
        var split = SplitConcat.For(scales, scale, a.Scale, b.Scale);
        var exponents = scales == ConcatScales.Split ? [.. Enumerable.Repeat(split.ExponentA, ca), .. Enumerable.Repeat(split.ExponentB, cb)] : (int[]?)null;
        var output = new Int8Tensor([batch, ca + cb, a.Shape[2], a.Shape[3]], split.Unit, channelExponents: exponents);
        var (ra, rb) = (ResidualAdd.Rescale(a.Scale, split.ScaleA), ResidualAdd.Rescale(b.Scale, split.ScaleB));
        for (var n = 0; n < batch; n++)
        {
            for (var i = 0; i < ca * plane; i++)
                output.Data[(n * (ca + cb) * plane) + i] = ra.Apply(a.Data[(n * ca * plane) + i], 0);
            for (var i = 0; i < cb * plane; i++)
                output.Data[(((n * (ca + cb)) + ca) * plane) + i] = rb.Apply(b.Data[(n * cb * plane) + i], 0);
        }
        return output;
    }

    /// <summary>Per-channel requantization of [B, C, ...] accumulators to int8 with the output scale.</summary>
    public static Int8Tensor Requantize(int[] accumulators, int[] shape, IReadOnlyList<RequantParameters> channels, double outputScale)
    {
        var output = new Int8Tensor(shape, outputScale);
        int batch = shape[0], count = shape[1], plane = accumulators.Length / (batch * count);
        foreach (var p in channels)
            p.Validate();
        Parallel.For(0, batch * count, index =>
        {
            var p = channels[index % count];
            for (var i = index * plane; i < (index + 1) * plane; i++)
                output.Data[i] = Requantization.ApplyValidated(accumulators[i], p);
        });
        return output;
    }

    /// <summary>GroupNorm per (sample, group) with <see cref="IntegerGroupNorm"/>; one channel transform per channel.</summary>
    public static Int8Tensor GroupNorm(Int8Tensor x, int groups, long epsilonTerm, IReadOnlyList<GroupNormChannel> channels, double outputScale)
    {
        int batch = x.Shape[0], count = x.Shape[1], plane = x.Length / (batch * count), perGroup = count / groups;
        var output = new Int8Tensor([.. x.Shape], outputScale);
        // A concatenation with split scales has a power-of-two exponent per channel; the sums are in its unit.
        int Exponent(int channel) => x.ChannelExponents?[channel] ?? 0;
        Parallel.For(0, batch * groups, index =>
        {
            var start = index * perGroup * plane;
            var first = index % groups * perGroup;
            var statistics = new GroupStatistics(0, 0, 0);
            for (var c = 0; c < perGroup; c++)
                statistics += GroupStatistics.Of(x.Data.AsSpan(start + (c * plane), plane), Exponent(first + c));
            var reciprocal = IntegerGroupNorm.ReciprocalSqrt(statistics, epsilonTerm);
            for (var c = 0; c < perGroup; c++)
            {
                var (channel, exponent) = (channels[first + c], Exponent(first + c));
                for (var i = start + (c * plane); i < start + ((c + 1) * plane); i++)
                    output.Data[i] = IntegerGroupNorm.Apply(x.Data[i], statistics, reciprocal, channel, exponent);
            }
        });
        return output;
    }

    /// <summary>
    /// Attention per head with int32 scores, <see cref="IntegerSoftmax"/> probabilities and int32 P·V
    /// accumulators [B, C, H, W]: <c>Σ_j (p_j − zero point) · v_j</c>, the probabilities' true steps.
    /// </summary>
    public static int[] AttentionAccumulate(Int8Tensor q, Int8Tensor k, Int8Tensor v, int headDim, ProbabilityFormat format = ProbabilityFormat.Signed)
    {
        int batch = q.Shape[0], channels = q.Shape[1], pixels = q.Shape[2] * q.Shape[3];
        headDim = headDim == 0 ? channels : headDim;
        var heads = channels / headDim;
        var exponentScale = IntegerSoftmax.ExponentScale(q.Scale * k.Scale / Math.Sqrt(headDim));
        var accumulators = new int[q.Length];
        Parallel.For(0, batch * heads * pixels, index =>
        {
            int n = index / (heads * pixels), head = index / pixels % heads, p = index % pixels;
            var planes = ((n * channels) + (head * headDim)) * pixels;
            var scores = new int[pixels];
            for (var j = 0; j < pixels; j++)
            {
                var score = 0;
                for (var d = 0; d < headDim; d++)
                    score += q.Data[planes + (d * pixels) + p] * k.Data[planes + (d * pixels) + j];
                scores[j] = score;
            }
            var probabilities = new sbyte[pixels];
            IntegerSoftmax.Apply(scores, exponentScale, probabilities, format);
            var zeroPoint = IntegerSoftmax.ZeroPoint(format);
            for (var d = 0; d < headDim; d++)
            {
                var sum = 0;
                var values = v.Data.AsSpan(planes + (d * pixels), pixels);
                for (var j = 0; j < pixels; j++)
                    sum += (probabilities[j] - zeroPoint) * values[j];
                accumulators[planes + (d * pixels) + p] = sum;
            }
        });
        return accumulators;
    }

    /// <summary>
    /// Records the integer softmax of every score row of one sample against the FP32 softmax of the
    /// same scores, in steps of the probability scale (1/127 or 1/255).
    /// </summary>
    public static void SoftmaxAccuracy(Int8Tensor q, Int8Tensor k, int headDim, OperatorAccuracy accuracy, ProbabilityFormat format = ProbabilityFormat.Signed)
    {
        int channels = q.Shape[1], pixels = q.Shape[2] * q.Shape[3];
        headDim = headDim == 0 ? channels : headDim;
        var unit = q.Scale * k.Scale / Math.Sqrt(headDim);
        var exponentScale = IntegerSoftmax.ExponentScale(unit);
        Parallel.For(0, (channels / headDim) * pixels, index =>
        {
            int head = index / pixels, p = index % pixels;
            var planes = head * headDim * pixels;
            var scores = new int[pixels];
            for (var j = 0; j < pixels; j++)
            {
                for (var d = 0; d < headDim; d++)
                    scores[j] += q.Data[planes + (d * pixels) + p] * k.Data[planes + (d * pixels) + j];
            }
            var integer = new sbyte[pixels];
            IntegerSoftmax.Apply(scores, exponentScale, integer, format);
            var reference = scores.Select(s => (float)(s * unit)).ToArray();
            TensorPrimitives.SoftMax(reference, reference);
            // The reference moves by the zero point, so code q is compared with p · one + zero point.
            var one = IntegerSoftmax.ProbabilityOne(format);
            TensorPrimitives.Add(reference, (float)IntegerSoftmax.ZeroPoint(format) / one, reference);
            accuracy.Record("softmax", integer, reference, 1.0 / one);
        });
    }
}
