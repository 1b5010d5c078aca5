using DiffAcc.Model.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DiffAcc.Model.Fp32;

/// <summary>
/// The FP32 operators of the diffusion UNet, vectorized with System.Numerics.Tensors and spread
/// over cores with Parallel.For. Image tensors are [batch, channels, height, width].
/// </summary>
public static class Fp32Ops
{
    /// <summary>2-D convolution (square kernel) with zero padding (top, left, bottom, right) and a stride.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride, (int Top, int Left, int Bottom, int Right) padding)
    {
        int batch = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int cout = weight.Shape[0], k = weight.Shape[2];
        if (weight.Shape[1] != cin || weight.Shape[3] != k)
            throw new ArgumentException($"conv weight {weight.ShapeText} does not fit input {x.ShapeText}");
        var oh = Im2ColConvolution.OutputSize(h, padding.Top, padding.Bottom, k, stride);
        var ow = Im2ColConvolution.OutputSize(w, padding.Left, padding.Right, k, stride);
        var output = new Tensor([batch, cout, oh, ow]);
        if (bias is not null)
        {
            for (var plane = 0; plane < batch * cout; plane++)
                output.Data.AsSpan(plane * oh * ow, oh * ow).Fill(bias.Data[plane % cout]);
        }
        Im2ColConvolution.Accumulate(x.Data, x.Shape, weight.Data, cout, k, stride, padding, output.Data, oh, ow);
        return output;
    }

    /// <summary>Convolution with the same zero padding on every side.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0)
        => Conv2d(x, weight, bias, stride, (padding, padding, padding, padding));

    /// <summary>GroupNorm: each group of C/G channels normalized by its mean and biased variance, then scaled and shifted per channel.</summary>
    public static Tensor GroupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps)
    {
        int batch = x.Shape[0], channels = x.Shape[1];
        var plane = x.Length / (batch * channels);
        if (channels % groups != 0)
            throw new ArgumentException($"{channels} channels do not split into {groups} groups");
        var perGroup = channels / groups;
        var output = new Tensor([.. x.Shape]);
        Parallel.For(0, batch * groups, index =>
        {
            var start = index * perGroup * plane;
            var values = x.Data.AsSpan(start, perGroup * plane);
            double sum = 0, squares = 0;
            foreach (var v in values)
            {
                sum += v;
                squares += (double)v * v;
            }
            var mean = sum / values.Length;
            var variance = Math.Max(0, (squares / values.Length) - (mean * mean));
            var inverse = (float)(1 / Math.Sqrt(variance + eps));
            for (var c = 0; c < perGroup; c++)
            {
                var channel = (index % groups * perGroup) + c;
                var scale = gamma.Data[channel] * inverse;
                var shift = beta.Data[channel] - ((float)mean * scale);
                var source = x.Data.AsSpan(start + (c * plane), plane);
                var target = output.Data.AsSpan(start + (c * plane), plane);
                TensorPrimitives.Multiply(source, scale, target);
                TensorPrimitives.Add(target, shift, target);
            }
        });
        return output;
    }

    /// <summary>SiLU: x * sigmoid(x).</summary>
    public static Tensor Silu(Tensor x)
    {
        var output = new Tensor([.. x.Shape]);
        TensorPrimitives.Sigmoid(x.Data, output.Data);
        TensorPrimitives.Multiply(x.Data, output.Data, output.Data);
        return output;
    }

    /// <summary>y = x W^T + b for x [rows, in] and W [out, in].</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        int rows = x.Shape[0], inputs = x.Shape[1], outputs = weight.Shape[0];
        if (weight.Shape[1] != inputs)
            throw new ArgumentException($"linear weight {weight.ShapeText} does not fit input {x.ShapeText}");
        var result = new Tensor([rows, outputs]);
        Parallel.For(0, rows * outputs, index =>
        {
            int r = index / outputs, o = index % outputs;
            result.Data[index] = TensorPrimitives.Dot(x.Data.AsSpan(r * inputs, inputs), weight.Data.AsSpan(o * inputs, inputs)) + (bias?.Data[o] ?? 0f);
        });
        return result;
    }

    /// <summary>Nearest-neighbour 2x upsampling.</summary>
    public static Tensor Upsample2x(Tensor x)
    {
        int batch = x.Shape[0], channels = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var output = new Tensor([batch, channels, 2 * h, 2 * w]);
        ImageLayout.Upsample2x(x.Data, output.Data, batch * channels, h, w);
        return output;
    }

    /// <summary>Concatenation along channels of [B, C_i, H, W] tensors.</summary>
    public static Tensor ConcatChannels(Tensor a, Tensor b)
    {
        int batch = a.Shape[0], ca = a.Shape[1], cb = b.Shape[1], plane = a.Shape[2] * a.Shape[3];
        var output = new Tensor([batch, ca + cb, a.Shape[2], a.Shape[3]]);
        for (var n = 0; n < batch; n++)
        {
            a.Data.AsSpan(n * ca * plane, ca * plane).CopyTo(output.Data.AsSpan(n * (ca + cb) * plane));
            b.Data.AsSpan(n * cb * plane, cb * plane).CopyTo(output.Data.AsSpan(((n * (ca + cb)) + ca) * plane));
        }
        return output;
    }

    /// <summary>
    /// The sinusoidal timestep embedding of diffusers' get_timestep_embedding: exponents
    /// -ln(10000) * i / (half - freqShift), [sin, cos] (or [cos, sin] with flipSinToCos).
    /// </summary>
    public static Tensor TimestepEmbedding(IReadOnlyList<float> timesteps, int dim, bool flipSinToCos, float freqShift)
    {
        var half = dim / 2;
        var output = new Tensor([timesteps.Count, dim]);
        for (var n = 0; n < timesteps.Count; n++)
        {
            for (var i = 0; i < half; i++)
            {
                var frequency = MathF.Exp(-MathF.Log(10000f) * i / (half - freqShift));
                var angle = timesteps[n] * frequency;
                var (first, second) = flipSinToCos ? (MathF.Cos(angle), MathF.Sin(angle)) : (MathF.Sin(angle), MathF.Cos(angle));
                output.Data[(n * dim) + i] = first;
                output.Data[(n * dim) + half + i] = second;
            }
        }
        return output;
    }

    /// <summary>
    /// Self-attention over the pixels of [B, C, H, W] with residual, as diffusers' attention block:
    /// GroupNorm, q/k/v projections, softmax(q k^T / sqrt(headDim)) v per head, output projection, + x.
    /// </summary>
    public static Tensor SelfAttention(Tensor x, int groups, float eps, Tensor normWeight, Tensor normBias, (Tensor W, Tensor B) q, (Tensor W, Tensor B) k, (Tensor W, Tensor B) v, (Tensor W, Tensor B) output, int headDim)
    {
        var normalized = GroupNorm(x, groups, normWeight, normBias, eps);
        var attended = Attention(ProjectChannels(normalized, q.W, q.B), ProjectChannels(normalized, k.W, k.B), ProjectChannels(normalized, v.W, v.B), headDim);
        var result = ProjectChannels(attended, output.W, output.B);
        TensorPrimitives.Add(result.Data, x.Data, result.Data);
        return result;
    }

    /// <summary>A linear map over channels at every pixel of [B, C, H, W]: a 1x1 convolution with weight [C_out, C_in].</summary>
    public static Tensor ProjectChannels(Tensor x, Tensor weight, Tensor? bias)
        => Conv2d(x, new Tensor([weight.Shape[0], weight.Shape[1], 1, 1], weight.Data), bias);

    /// <summary>softmax(q kᵀ / sqrt(headDim)) v per head, with the pixels of [B, C, H, W] as tokens; headDim 0 means one head.</summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, int headDim)
    {
        int batch = q.Shape[0], channels = q.Shape[1], pixels = q.Shape[2] * q.Shape[3];
        headDim = headDim == 0 ? channels : headDim;
        var heads = channels / headDim;
        var scale = 1f / MathF.Sqrt(headDim);
        var (qs, ks, vs) = (Tokens(q), Tokens(k), Tokens(v));
        var attended = new float[batch * pixels * channels];
        Parallel.For(0, batch * heads * pixels, index =>
        {
            int n = index / (heads * pixels), head = index / pixels % heads, p = index % pixels;
            var rows = n * pixels * channels;
            var scores = new float[pixels];
            var query = qs.AsSpan(rows + (p * channels) + (head * headDim), headDim);
            for (var j = 0; j < pixels; j++)
                scores[j] = TensorPrimitives.Dot(query, ks.AsSpan(rows + (j * channels) + (head * headDim), headDim)) * scale;
            TensorPrimitives.SoftMax(scores, scores);
            var target = attended.AsSpan(rows + (p * channels) + (head * headDim), headDim);
            for (var j = 0; j < pixels; j++)
                TensorPrimitives.MultiplyAdd(vs.AsSpan(rows + (j * channels) + (head * headDim), headDim), scores[j], target, target);
        });
        var result = new Tensor([.. q.Shape]);
        for (var n = 0; n < batch; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                for (var p = 0; p < pixels; p++)
                    result.Data[(((n * channels) + c) * pixels) + p] = attended[(((n * pixels) + p) * channels) + c];
            }
        }
        return result;
    }

    /// <summary>[B, C, H, W] as [B, pixels, C] rows.</summary>
    private static float[] Tokens(Tensor x)
    {
        int batch = x.Shape[0], channels = x.Shape[1], pixels = x.Shape[2] * x.Shape[3];
        var tokens = new float[x.Length];
        for (var n = 0; n < batch; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                for (var p = 0; p < pixels; p++)
                    tokens[(((n * pixels) + p) * channels) + c] = x.Data[(((n * channels) + c) * pixels) + p];
            }
        }
        return tokens;
    }
}
