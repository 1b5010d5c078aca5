using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// The UNet's operators as instructions: the same graph walk (<see cref="UNetGraph"/>) as the FP32 and
/// int8 models, so every layer and activation point lines up with the int8 reference. Upsampling is
/// left to the convolution that reads it; a GroupNorm waits for its consumer, so a following SiLU
/// runs in the same pass.
/// </summary>
internal sealed class UNetLowering(LoweringContext ctx) : IUNetOperators<LoweredValue>
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
        => Stored(ConvLowering.Lower(ctx, name, Readable(x), stride, padding, new ConvLowering.FixedBias()));

    public LoweredValue ConvWithTimeEmbedding(string name, string projection, LoweredValue x)
        => Stored(ConvLowering.Lower(ctx, name, Readable(x), 1, (1, 1, 1, 1), new ConvLowering.TimeEmbeddedBias(projection)));

    public LoweredValue GroupNorm(string name, LoweredValue x) => new NormalizedValue(name, Materialize(x));

    public LoweredValue Silu(string point, LoweredValue x)
        => x is NormalizedValue n
            ? Stored(GroupNormLowering.Lower(ctx, n.Name, n.Source, point))
            : Stored(ElementwiseLowering.Activate(ctx, point, Materialize(x), g => ctx.SiluTable(x.Point, point, g)));

    public LoweredValue Add(string point, LoweredValue a, LoweredValue b) => Stored(ElementwiseLowering.Add(ctx, point, Materialize(a), Materialize(b)));

    public LoweredValue Concat(string point, LoweredValue a, LoweredValue b) => Stored(ElementwiseLowering.Concat(ctx, point, Materialize(a), Materialize(b)));

    public LoweredValue Upsample2x(LoweredValue x) => new UpsampledValue(Materialize(x));

    public LoweredValue ProjectChannels(string name, LoweredValue x) => Conv(name, x, 1, (0, 0, 0, 0));

    public LoweredValue Attention(string point, LoweredValue q, LoweredValue k, LoweredValue v, int headDim)
        => Stored(AttentionLowering.Lower(ctx, point, Materialize(q), Materialize(k), Materialize(v), headDim));

    public Tensor Output(LoweredValue x)
    {
        OutputTensor = Materialize(x);
        return new Tensor([ctx.Batch, OutputTensor.Channels, OutputTensor.Height, OutputTensor.Width]);
    }

    private StoredValue Stored(DdrTensor tensor)
    {
        Tensors[tensor.Point] = tensor;
        return new StoredValue(tensor);
    }

    /// <summary>A value a convolution reads directly: a stored tensor or an upsampled one.</summary>
    private LoweredValue Readable(LoweredValue x) => x is UpsampledValue ? x : new StoredValue(Materialize(x));

    private DdrTensor Materialize(LoweredValue x) => x switch
    {
        StoredValue s => s.Tensor,
        NormalizedValue n => normalized.TryGetValue(n, out var done) ? done : normalized[n] = Stored(GroupNormLowering.Lower(ctx, n.Name, n.Source, null)).Tensor,
        UpsampledValue u => throw new CompileException(u.Source.Point, "an upsampled tensor is read only by a convolution"),
        _ => throw new InvalidOperationException($"unknown value {x}"),
    };
}
