using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// The UNet's operators as instructions: the same graph walk (<see cref="UNetGraph"/>) as the FP32 and
/// int8 models, so every layer and activation point lines up with the int8 reference. Upsampling is
/// left to the convolution that reads it; a GroupNorm waits for its consumer, so a following SiLU
/// runs in the same pass.
/// </summary>
internal sealed class UNetLowering(LoweringContext ctx, TensorReads reads) : IUNetOperators<LoweredValue>
{
    private readonly Dictionary<NormalizedValue, DdrTensor> normalized = new(ReferenceEqualityComparer.Instance);

    public DdrTensor? SampleTensor { get; private set; }

    public DdrTensor? OutputTensor { get; private set; }

    /// <summary>Every tensor the program writes, by activation point (the sample and each layer's output).</summary>
    public Dictionary<string, DdrTensor> Tensors { get; } = new(StringComparer.Ordinal);

    public LoweredValue Input(Tensor sample)
    {
        SampleTensor = ctx.NewTensor("sample", sample.Shape[1], sample.Shape[2], sample.Shape[3]);
        return Stored(SampleTensor);
    }

    public LoweredValue Conv(string name, LoweredValue x, int stride, (int Top, int Left, int Bottom, int Right) padding)
        => Convolve(name, x, stride, padding, new ConvLowering.FixedBias());

    public LoweredValue ConvWithTimeEmbedding(string name, string projection, LoweredValue x)
        => Convolve(name, x, 1, (1, 1, 1, 1), new ConvLowering.TimeEmbeddedBias(projection));

    public LoweredValue GroupNorm(string name, LoweredValue x) => new NormalizedValue(name, Materialize(x));

    public LoweredValue Silu(string point, LoweredValue x)
    {
        if (x is NormalizedValue n)
            return Stored(GroupNormLowering.Lower(ctx, n.Name, n.Source, point), n.Source);
        var input = Materialize(x);
        return Stored(ElementwiseLowering.Activate(ctx, point, input, g => ctx.SiluTable(x.Point, point, g)), input);
    }

    public LoweredValue Add(string point, LoweredValue a, LoweredValue b)
    {
        var (x, y) = (Materialize(a), Materialize(b));
        return Stored(ElementwiseLowering.Add(ctx, point, x, y), x, y);
    }

    public LoweredValue Concat(string point, LoweredValue a, LoweredValue b)
    {
        var (x, y) = (Materialize(a), Materialize(b));
        return Stored(ElementwiseLowering.Concat(ctx, point, x, y), x, y);
    }

    public LoweredValue Upsample2x(LoweredValue x) => new UpsampledValue(Materialize(x));

    public LoweredValue ProjectChannels(string name, LoweredValue x) => Conv(name, x, 1, (0, 0, 0, 0));

    public LoweredValue Attention(string point, LoweredValue q, LoweredValue k, LoweredValue v, int headDim)
    {
        var (x, y, z) = (Materialize(q), Materialize(k), Materialize(v));
        return Stored(AttentionLowering.Lower(ctx, point, x, y, z, headDim), x, y, z);
    }

    public Tensor Output(LoweredValue x)
    {
        OutputTensor = Materialize(x);
        return new Tensor([ctx.Batch, OutputTensor.Channels, OutputTensor.Height, OutputTensor.Width]);
    }

    /// <summary>A layer's output, after the layer read <paramref name="inputs"/>: those with no reader left leave the buffers.</summary>
    private StoredValue Stored(DdrTensor tensor, params DdrTensor[] inputs)
    {
        Tensors[tensor.Point] = tensor;
        foreach (var input in inputs)
        {
            if (reads.ReadOnce(input.Point))
                ctx.Forget(input);
        }
        return new StoredValue(tensor);
    }

    private StoredValue Convolve(string name, LoweredValue x, int stride, (int Top, int Left, int Bottom, int Right) padding, ConvLowering.BiasSource bias)
    {
        // A convolution reads an upsampled tensor directly.
        var source = x is UpsampledValue u ? u.Source : Materialize(x);
        return Stored(ConvLowering.Lower(ctx, name, x is UpsampledValue ? x : new StoredValue(source), stride, padding, bias), source);
    }

    private DdrTensor Materialize(LoweredValue x) => x switch
    {
        StoredValue s => s.Tensor,
        NormalizedValue n => normalized.TryGetValue(n, out var done) ? done : normalized[n] = Stored(GroupNormLowering.Lower(ctx, n.Name, n.Source, null), n.Source).Tensor,
        UpsampledValue u => throw new CompileException(u.Source.Point, "an upsampled tensor is read only by a convolution"),
        _ => throw new InvalidOperationException($"unknown value {x}"),
    };
}
