using DiffAcc.Model.Fp32;
using DiffAcc.Model.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DiffAcc.Model.Unet;

/// <summary>Sees every activation point of an FP32 forward pass (calibration collects its statistics here).</summary>
public interface IActivationObserver
{
    void Observe(string point, Tensor value);
}

/// <summary>The FP32 operators of one forward pass at given timesteps (one per sample).</summary>
public sealed class Fp32Operators : IUNetOperators<Tensor>
{
    private readonly UNetConfig config;
    private readonly IReadOnlyDictionary<string, Tensor> parameters;
    private readonly Tensor timeEmbedding;
    private readonly IActivationObserver? observer;

    public Fp32Operators(UNetConfig config, IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyList<float> timesteps, IActivationObserver? observer = null)
    {
        this.config = config;
        this.parameters = parameters;
        this.observer = observer;
        timeEmbedding = ActivatedTimeEmbedding(config, parameters, timesteps);
    }

    /// <summary>SiLU(linear_2(SiLU(linear_1(sinusoidal(t))))): what every resnet's time projection reads.</summary>
    public static Tensor ActivatedTimeEmbedding(UNetConfig c, IReadOnlyDictionary<string, Tensor> p, IReadOnlyList<float> timesteps)
    {
        var temb = Fp32Ops.TimestepEmbedding(timesteps, c.BlockOutChannels[0], c.FlipSinToCos, c.FreqShift);
        temb = Fp32Ops.Linear(temb, p["time_embedding.linear_1.weight"], p["time_embedding.linear_1.bias"]);
        temb = Fp32Ops.Linear(Fp32Ops.Silu(temb), p["time_embedding.linear_2.weight"], p["time_embedding.linear_2.bias"]);
        return Fp32Ops.Silu(temb);
    }

    public Tensor Input(Tensor sample) => Seen("sample", sample);

    public Tensor Conv(string name, Tensor x, int stride, (int Top, int Left, int Bottom, int Right) padding)
        => Seen(name, Fp32Ops.Conv2d(x, P($"{name}.weight"), P($"{name}.bias"), stride, padding));

    public Tensor ConvWithTimeEmbedding(string name, string projection, Tensor x)
    {
        var h = Fp32Ops.Conv2d(x, P($"{name}.weight"), P($"{name}.bias"), 1, 1);
        var t = Fp32Ops.Linear(timeEmbedding, P($"{projection}.weight"), P($"{projection}.bias"));
        int batch = h.Shape[0], channels = h.Shape[1], plane = h.Shape[2] * h.Shape[3];
        for (var n = 0; n < batch; n++)
        {
            for (var ch = 0; ch < channels; ch++)
            {
                var target = h.Data.AsSpan(((n * channels) + ch) * plane, plane);
                TensorPrimitives.Add(target, t.Data[(n * channels) + ch], target);
            }
        }
        return Seen(name, h);
    }

    public Tensor GroupNorm(string name, Tensor x)
        => Seen(name, Fp32Ops.GroupNorm(x, config.NormNumGroups, P($"{name}.weight"), P($"{name}.bias"), config.NormEps));

    public Tensor Silu(string point, Tensor x) => Seen(point, Fp32Ops.Silu(x));

    public Tensor Add(string point, Tensor a, Tensor b)
    {
        var sum = new Tensor([.. a.Shape]);
        TensorPrimitives.Add(a.Data, b.Data, sum.Data);
        return Seen(point, sum);
    }

    public Tensor Concat(string point, Tensor a, Tensor b) => Seen(point, Fp32Ops.ConcatChannels(a, b));

    public Tensor Upsample2x(Tensor x) => Fp32Ops.Upsample2x(x);

    public Tensor ProjectChannels(string name, Tensor x) => Seen(name, Fp32Ops.ProjectChannels(x, P($"{name}.weight"), P($"{name}.bias")));

    public Tensor Attention(string point, Tensor q, Tensor k, Tensor v, int headDim) => Seen(point, Fp32Ops.Attention(q, k, v, headDim));

    public Tensor Output(Tensor x) => x;

    private Tensor Seen(string point, Tensor value)
    {
        observer?.Observe(point, value);
        return value;
    }

    private Tensor P(string name) => parameters[name];
}
