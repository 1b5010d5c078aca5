using DiffAcc.Model.Quantization;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Model.Int8;

/// <summary>
/// The int8 reference model: the FP32 UNet's weights quantized per output channel, activations
/// per tensor with the scales of a <see cref="QuantizationFile"/> for the step group of each timestep,
/// and every operator in the integer arithmetic of <see cref="Numerics"/> that the accelerator runs.
/// </summary>
public sealed class QuantizedUNet : INoisePredictor
{
    private readonly UNet2D fp32;
    private readonly Dictionary<string, QuantizedWeights> weights;

    public QuantizedUNet(UNet2D fp32, QuantizationFile quantization)
    {
        this.fp32 = fp32;
        Quantization = quantization;
        // Only convolutions fold a zero point, and SiLU outputs feed nothing else.
        var silu = ActivationPoints.SiluOutputs(fp32.Config, fp32.Parameters.ContainsKey);
        if (quantization.ZeroPoints.Keys.Where(p => !silu.Contains(p)).Order(StringComparer.Ordinal).FirstOrDefault() is { } asymmetric)
            throw new ArgumentException($"{asymmetric}: only SiLU outputs take a zero point", nameof(quantization));
        // Conv and projection weights: every parameter of rank 2 or 4 except the time-embedding MLP, which stays on the host.
        weights = fp32.Parameters
            .Where(p => p.Value.Rank is 2 or 4 && p.Key.EndsWith(".weight", StringComparison.Ordinal) && !p.Key.StartsWith("time_embedding.", StringComparison.Ordinal) && !p.Key.Contains(".time_emb_proj.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key[..^".weight".Length], p => QuantizedWeights.Of(p.Value), StringComparer.Ordinal);
    }

    public UNetConfig Config => fp32.Config;

    public QuantizationFile Quantization { get; }

    /// <summary>Loads a quantization file for this model; a file for another model is reported by point.</summary>
    public static QuantizedUNet Load(UNet2D fp32, string quantizationFile)
        => new(fp32, QuantizationFile.Load(quantizationFile, ActivationPoints.Of(fp32.Config, fp32.Parameters.ContainsKey), ActivationPoints.SiluOutputs(fp32.Config, fp32.Parameters.ContainsKey)));

    public Tensor PredictNoise(Tensor sample, int timestep) => PredictNoise(sample, timestep, null);

    /// <summary>
    /// The predicted noise; with <paramref name="accuracy"/>, every integer operator is also compared with FP32 on its inputs;
    /// <paramref name="observe"/> sees every int8 activation by its point name (the sample, each layer's output).
    /// </summary>
    public Tensor PredictNoise(Tensor sample, int timestep, OperatorAccuracy? accuracy, Action<string, Int8Tensor>? observe = null)
    {
        var ops = new Int8Operators(this, Quantization.GroupOf(timestep), TimeEmbedding(timestep), accuracy, observe);
        return UNetGraph.Forward(Config, ops, sample, fp32.Parameters.ContainsKey);
    }

    /// <summary>The FP32 parameters (biases, GroupNorm affine, the time-embedding MLP).</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters => fp32.Parameters;

    /// <summary>Whether the model has a parameter: the graph walk asks for optional shortcut convolutions.</summary>
    public bool HasParameter(string name) => fp32.Parameters.ContainsKey(name);

    /// <summary>The activated time embedding of one timestep, which every resnet's time projection reads.</summary>
    public Tensor TimeEmbedding(int timestep) => Fp32Operators.ActivatedTimeEmbedding(Config, fp32.Parameters, [timestep]);

    /// <summary>The int8 weights of a convolution or channel projection, per output channel.</summary>
    public QuantizedWeights Weights(string name)
        => weights.TryGetValue(name, out var w) ? w : throw new KeyNotFoundException($"the model has no quantized weights '{name}'");

    internal Tensor Parameter(string name) => fp32.Parameters[name];
}
