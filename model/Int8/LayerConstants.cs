using DiffAcc.Model.Fp32;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Model.Int8;

/// <summary>
/// The integer constants of one layer for one step group (or one step), derived from the FP32
/// parameters and the activation scales: what the int8 model applies, and what the accelerator's
/// compiler writes into the hardware's tables. One derivation serves both, so they cannot drift.
/// </summary>
public static class LayerConstants
{
    /// <summary>An FP32 value as int8 at a scale: <c>sat8(floor(v / s + 1/2))</c> (the sample entering the network).</summary>
    public static sbyte Quantize(float value, double scale) => Saturation.ToInt8((long)Math.Clamp(Math.Floor((value / scale) + 0.5), -1e9, 1e9));

    /// <summary>
    /// Per output channel: the bias in accumulator units (<c>s_x · s_w[c]</c>, saturated to int32) and
    /// the multiplier and shift of <c>s_x · s_w[c] / s_out</c>. An input zero point z folds into the
    /// bias as <c>−z · Σ w[c]</c>: Σ w · (q − z) = Σ w · q − z · Σ w.
    /// </summary>
    public static RequantParameters[] ConvRequantization(double inputScale, QuantizedWeights weights, IReadOnlyList<float> bias, double outputScale, int inputZeroPoint = 0)
    {
        var channels = new RequantParameters[weights.Outputs];
        for (var c = 0; c < channels.Length; c++)
        {
            var accumulatorScale = inputScale * weights.ChannelScales[c];
            long fold = 0;
            if (inputZeroPoint != 0)
            {
                foreach (var w in weights.Values.AsSpan(c * weights.RowLength, weights.RowLength))
                    fold -= inputZeroPoint * w;
            }
            // The bias joins the int32 accumulator in its units; beyond int32 it saturates.
            var integerBias = (int)Math.Clamp(Math.Floor((bias[c] / accumulatorScale) + 0.5) + fold, int.MinValue, int.MaxValue);
            channels[c] = RequantParameters.FromScale(accumulatorScale / outputScale, integerBias);
        }
        return channels;
    }

    /// <summary>A resnet's first convolution's bias with the timestep folded in: <c>b[c] + time_emb_proj(temb(t))[c]</c>.</summary>
    public static float[] TimeEmbeddedBias(IReadOnlyDictionary<string, Tensor> parameters, string name, string projection, Tensor timeEmbedding)
    {
        var projected = Fp32Ops.Linear(timeEmbedding, parameters[$"{projection}.weight"], parameters[$"{projection}.bias"]);
        return [.. parameters[$"{name}.bias"].Data.Select((b, c) => b + projected.Data[c])];
    }

    /// <summary>Each channel's gain, offset and shift for <c>γ / s_out</c> and <c>β / s_out</c>.</summary>
    public static GroupNormChannel[] GroupNormChannels(IReadOnlyDictionary<string, Tensor> parameters, string name, double outputScale)
    {
        var gamma = parameters[$"{name}.weight"].Data;
        var beta = parameters[$"{name}.bias"].Data;
        return [.. Enumerable.Range(0, gamma.Length).Select(c => GroupNormChannel.FromScale(gamma[c] / outputScale, beta[c] / outputScale))];
    }

    /// <summary>The values of one GroupNorm group: channels per group times pixels.</summary>
    public static long GroupNormCount(UNetConfig config, int channels, int pixels) => (long)channels / config.NormNumGroups * pixels;

    /// <summary>The eps term of a GroupNorm over <paramref name="channels"/> channels of <paramref name="pixels"/> pixels.</summary>
    public static long GroupNormEpsilon(UNetConfig config, int channels, int pixels, double inputScale)
        => IntegerGroupNorm.EpsilonTerm(config.NormEps, GroupNormCount(config, channels, pixels), inputScale);

    /// <summary>The exponent multiplier of the softmax over scores <c>q · k / sqrt(head_dim)</c>.</summary>
    public static RequantParameters SoftmaxExponent(double queryScale, double keyScale, int headDim)
        => IntegerSoftmax.ExponentScale(queryScale * keyScale / Math.Sqrt(headDim));

    /// <summary>The requantization of P · V (probabilities in 1/127 or 1/255) to the attention output's scale, the same for every channel.</summary>
    public static RequantParameters AttentionRequantization(double valueScale, double outputScale, ProbabilityFormat probabilities = ProbabilityFormat.Signed)
        => RequantParameters.FromScale(valueScale / IntegerSoftmax.ProbabilityOne(probabilities) / outputScale);
}
