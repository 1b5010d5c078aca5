using DiffAcc.Model.Fp32;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Model.Int8;

/// <summary>
/// The int8 operators of one forward pass at one timestep, with the activation scales of that
/// timestep's step group. Only the sample's quantization and the output's dequantization touch
/// floating point; per-layer constants (multipliers, shifts, tables, the per-step bias) are derived
/// from the scales as a compiler would derive them.
/// </summary>
internal sealed class Int8Operators(QuantizedUNet model, int group, Tensor timeEmbedding, OperatorAccuracy? accuracy = null, Action<string, Int8Tensor>? observe = null) : IUNetOperators<Int8Tensor>
{
    private readonly UNetConfig config = model.Config;

    public Int8Tensor Input(Tensor sample)
    {
        var scale = S("sample");
        var output = new Int8Tensor([.. sample.Shape], scale);
        for (var i = 0; i < sample.Length; i++)
            output.Data[i] = LayerConstants.Quantize(sample.Data[i], scale);
        return Seen("sample", output);
    }

    public Int8Tensor Conv(string name, Int8Tensor x, int stride, (int Top, int Left, int Bottom, int Right) padding)
        => ConvWithBias(name, x, stride, padding, model.Parameter($"{name}.bias").Data);

    public Int8Tensor ConvWithTimeEmbedding(string name, string projection, Int8Tensor x)
    {
        // The time path folds into a per-step bias: conv bias + time_emb_proj(temb(t)), one per channel.
        return ConvWithBias(name, x, 1, (1, 1, 1, 1), LayerConstants.TimeEmbeddedBias(model.Parameters, name, projection, timeEmbedding));
    }

    public Int8Tensor GroupNorm(string name, Int8Tensor x)
    {
        var scale = S(name);
        int count = x.Shape[1], plane = x.Length / (x.Shape[0] * count);
        var epsilon = LayerConstants.GroupNormEpsilon(config, count, plane, x.Scale);
        var output = Int8Ops.GroupNorm(x, config.NormNumGroups, epsilon, LayerConstants.GroupNormChannels(model.Parameters, name, scale), scale);
        accuracy?.Record("GroupNorm", output, Fp32Ops.GroupNorm(x.Dequantize(), config.NormNumGroups, model.Parameter($"{name}.weight"), model.Parameter($"{name}.bias"), config.NormEps));
        return Seen(name, output);
    }

    public Int8Tensor Silu(string point, Int8Tensor x)
    {
        var (scale, zeroPoint) = (S(point), model.Quantization.ZeroPoint(point, group));
        var output = new Int8Tensor([.. x.Shape], scale, zeroPoint: zeroPoint);
        ActivationTable.Silu(x.Scale, scale, x.ZeroPoint, zeroPoint).Apply(x.Data, output.Data);
        accuracy?.Record("SiLU", output, Fp32Ops.Silu(x.Dequantize()));
        return Seen(point, output);
    }

    public Int8Tensor Add(string point, Int8Tensor a, Int8Tensor b)
    {
        var scale = S(point);
        var output = new Int8Tensor([.. a.Shape], scale);
        if (a.ChannelExponents is null && b.ChannelExponents is null)
        {
            var add = ResidualAdd.FromScales(a.Scale, b.Scale, scale);
            for (var i = 0; i < output.Length; i++)
                output.Data[i] = add.Apply(a.Data[i], b.Data[i]);
        }
        else
        {
            // A concatenation with split scales added without a shortcut conv: each channel at its own scale.
            int channels = a.Shape[1], plane = output.Length / Math.Max(1, a.Shape[0] * channels);
            var adds = Enumerable.Range(0, channels).Select(c => ResidualAdd.FromScales(a.ChannelScale(c), b.ChannelScale(c), scale)).ToArray();
            for (var i = 0; i < output.Length; i++)
                output.Data[i] = adds[i / plane % channels].Apply(a.Data[i], b.Data[i]);
        }
        if (accuracy is not null)
        {
            var reference = a.Dequantize();
            System.Numerics.Tensors.TensorPrimitives.Add(reference.Data, b.Dequantize().Data, reference.Data);
            accuracy.Record("residual add", output, reference);
        }
        return Seen(point, output);
    }

    public Int8Tensor Concat(string point, Int8Tensor a, Int8Tensor b)
    {
        var output = Int8Ops.Concat(a, b, S(point), model.Quantization.Concat);
        accuracy?.Record("concat rescale", output, Fp32Ops.ConcatChannels(a.Dequantize(), b.Dequantize()));
        return Seen(point, output);
    }

    public Int8Tensor Upsample2x(Int8Tensor x)
    {
        int batch = x.Shape[0], channels = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var output = new Int8Tensor([batch, channels, 2 * h, 2 * w], x.Scale, zeroPoint: x.ZeroPoint);
        ImageLayout.Upsample2x(x.Data, output.Data, batch * channels, h, w);
        return output;
    }

    public Int8Tensor ProjectChannels(string name, Int8Tensor x) => Conv(name, x, 1, (0, 0, 0, 0));

    public Int8Tensor Attention(string point, Int8Tensor q, Int8Tensor k, Int8Tensor v, int headDim)
    {
        var scale = S(point);
        var format = model.Quantization.Probabilities;
        var accumulators = Int8Ops.AttentionAccumulate(q, k, v, headDim, format);
        var requant = LayerConstants.AttentionRequantization(v.Scale, scale, format);
        var output = Int8Ops.Requantize(accumulators, [.. q.Shape], Enumerable.Repeat(requant, q.Shape[1]).ToArray(), scale);
        if (accuracy is not null)
        {
            accuracy.Record("attention (softmax, P·V)", output, Fp32Ops.Attention(q.Dequantize(), k.Dequantize(), v.Dequantize(), headDim));
            Int8Ops.SoftmaxAccuracy(q, k, headDim, accuracy, format);
        }
        return Seen(point, output);
    }

    public Tensor Output(Int8Tensor x) => x.Dequantize();

    private Int8Tensor ConvWithBias(string name, Int8Tensor x, int stride, (int Top, int Left, int Bottom, int Right) padding, IReadOnlyList<float> bias)
    {
        var weights = model.Weights(name);
        var scale = S(name);
        var accumulators = Int8Ops.Conv2dAccumulate(x, weights, stride, padding, out var shape);
        return Seen(name, Int8Ops.Requantize(accumulators, shape, LayerConstants.ConvRequantization(x.Scale, weights, bias, scale, x.ZeroPoint), scale));
    }

    private Int8Tensor Seen(string point, Int8Tensor value)
    {
        observe?.Invoke(point, value);
        return value;
    }

    private double S(string point) => model.Quantization.Scale(point, group);
}
