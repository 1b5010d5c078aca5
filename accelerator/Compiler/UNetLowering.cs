using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// The UNet's operators as instructions: the same graph walk (<see cref="UNetGraph"/>) as the FP32 and
/// int8 models, so every layer and activation point lines up with the int8 reference. Upsampling is
/// left to the convolution that reads it; a GroupNorm waits for its consumer, so a following SiLU
/// runs in the same pass. The walk is taken once per run of <see cref="BatchRuns"/> and turn of samples: it
/// lowers that run's calls, hands on what earlier runs lowered, and lowers none of the calls after.
/// </summary>
internal sealed class UNetLowering(LoweringContext ctx, Func<int?, TensorReads> readsOf) : IUNetOperators<LoweredValue>
{
    private readonly Dictionary<string, DdrTensor> normalized = new(StringComparer.Ordinal);
    // Pending sums lowered alone, where the concatenation after them could not write them.
    private readonly Dictionary<string, DdrTensor> pendingSums = new(StringComparer.Ordinal);
    // What each call of the walk returned when its run lowered it, for every sample at once.
    private readonly Dictionary<int, LoweredValue> lowered = [];
    private BatchRuns.Run run = new(0, int.MaxValue, false);
    private int call;

    public DdrTensor? SampleTensor { get; private set; }

    public DdrTensor? OutputTensor { get; private set; }

    /// <summary>Every tensor the program writes, by activation point (the sample and each layer's output).</summary>
    public Dictionary<string, DdrTensor> Tensors { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The next walk lowers the calls of <paramref name="next"/>, for <paramref name="sample"/> alone on every group
    /// or for all samples side by side (null). Samples lowered together layer by layer instead of in turns measured
    /// slower (CIFAR batch 4: 8.97 M cycles two at a time, 9.89 M all four, against 8.66 M): their tensors no
    /// longer fit the buffers together.
    /// </summary>
    public void Begin(BatchRuns.Run next, int? sample)
    {
        run = next;
        call = 0;
        normalized.Clear();
        pendingSums.Clear();
        ctx.BeginRun(sample);
    }

    public LoweredValue Input(Tensor sample) => Lower(() =>
    {
        SampleTensor = ctx.WholeBatch(ctx.NewTensor("sample", sample.Shape[1], sample.Shape[2], sample.Shape[3]));
        return Stored(ctx.ForSamples(SampleTensor));
    });

    public LoweredValue Conv(string name, LoweredValue x, int stride, (int Top, int Left, int Bottom, int Right) padding)
        => Lower(() => Convolve(name, See(x), stride, padding, new ConvLowering.FixedBias()));

    public LoweredValue ConvWithTimeEmbedding(string name, string projection, LoweredValue x)
        => Lower(() => Convolve(name, See(x), 1, (1, 1, 1, 1), new ConvLowering.TimeEmbeddedBias(projection)));

    public LoweredValue GroupNorm(string name, LoweredValue x) => Lower(() => new NormalizedValue(name, Materialize(See(x))));

    public LoweredValue Silu(string point, LoweredValue x) => Lower(() =>
    {
        if (See(x) is NormalizedValue n)
            return Stored(GroupNormLowering.Lower(ctx, n.Name, n.Source, point), n.Source);
        var input = Materialize(See(x));
        return Stored(ElementwiseLowering.Activate(ctx, point, input, g => ctx.SiluTable(x.Point, point, g)), input);
    });

    public LoweredValue Add(string point, LoweredValue a, LoweredValue b) => Lower(() =>
    {
        var (x, y) = (Materialize(See(a)), Materialize(See(b)));
        // A residual block's sum that only the concatenation after it reads, in this run, waits for it: that pass may write the sums.
        if (call < run.EndCall && readsOf(ctx.Sample).ConcatenatedResidualSum(point))
            return new PendingAddValue(point, x, y);
        return Stored(ElementwiseLowering.Add(ctx, point, x, y), x, y);
    });

    public LoweredValue Concat(string point, LoweredValue a, LoweredValue b) => Lower(() =>
    {
        var first = See(a);
        var y = Materialize(See(b));
        if (first is PendingAddValue sum && ElementwiseLowering.ConcatOfSum(ctx, point, sum, y) is { } written)
            return Stored(written, sum.A, sum.B, y);
        var x = Materialize(first);
        return Stored(ElementwiseLowering.Concat(ctx, point, x, y), x, y);
    });

    public LoweredValue Upsample2x(LoweredValue x) => Lower(() => new UpsampledValue(Materialize(See(x))));

    public LoweredValue ProjectChannels(string name, LoweredValue x)
        => Lower(() => Convolve(name, See(x), 1, (0, 0, 0, 0), new ConvLowering.FixedBias()));

    public LoweredValue Attention(string point, LoweredValue q, LoweredValue k, LoweredValue v, int headDim) => Lower(() =>
    {
        var (x, y, z) = (Materialize(See(q)), Materialize(See(k)), Materialize(See(v)));
        return Stored(AttentionLowering.Lower(ctx, point, x, y, z, headDim), x, y, z);
    });

    public Tensor Output(LoweredValue x)
    {
        if (x is NotLowered)
            return new Tensor([ctx.Samples]);
        OutputTensor = ctx.WholeBatch(Materialize(See(x)));
        return new Tensor([ctx.Samples, OutputTensor.Channels, OutputTensor.Height, OutputTensor.Width]);
    }

    /// <summary>
    /// One call of the walk: lowered when it is in this walk's run; what an earlier run lowered; nothing when a
    /// later run will. The walk passes every value for the whole batch; a lowering sees its inputs as its
    /// samples' (<see cref="See"/>).
    /// </summary>
    private LoweredValue Lower(Func<LoweredValue> lower)
    {
        var k = call++;
        if (k >= run.EndCall)
            return NotLowered.Value;
        if (k >= run.FirstCall)
            lowered[k] = Seen(lower(), ctx.WholeBatch);
        return lowered[k];
    }

    /// <summary>A whole-batch value as the samples being lowered see it.</summary>
    private LoweredValue See(LoweredValue value) => Seen(value, ctx.ForSamples);

    private static LoweredValue Seen(LoweredValue value, Func<DdrTensor, DdrTensor> view) => value switch
    {
        StoredValue s => new StoredValue(view(s.Tensor)),
        UpsampledValue u => new UpsampledValue(view(u.Source)),
        NormalizedValue n => new NormalizedValue(n.Name, view(n.Source)),
        PendingAddValue p => new PendingAddValue(p.Name, view(p.A), view(p.B)),
        _ => value,
    };

    /// <summary>A layer's output, after the layer read <paramref name="inputs"/>: those with no reader left leave the buffers.</summary>
    private StoredValue Stored(DdrTensor tensor, params DdrTensor[] inputs)
    {
        Tensors[tensor.Point] = ctx.WholeBatch(tensor);
        foreach (var input in inputs)
        {
            if (readsOf(ctx.Sample).ReadOnce(input.Point))
                ctx.Forget(input);
        }
        return new StoredValue(tensor);
    }

    private StoredValue Convolve(string name, LoweredValue x, int stride, (int Top, int Left, int Bottom, int Right) padding, ConvLowering.BiasSource bias)
    {
        // A convolution reads an upsampled tensor directly.
        var source = x is UpsampledValue u ? u.Source : Materialize(x);
        return Stored(ConvLowering.Lower(ctx, name, x is UpsampledValue ? x : new StoredValue(source), stride, padding, bias, readsOf(ctx.Sample).Normalized(name)), source);
    }

    private DdrTensor Materialize(LoweredValue x) => x switch
    {
        NotLowered => throw new InvalidOperationException("a call reads a value a later run lowers"),
        StoredValue s => s.Tensor,
        NormalizedValue n => normalized.TryGetValue(n.Name, out var done) ? done : normalized[n.Name] = Stored(GroupNormLowering.Lower(ctx, n.Name, n.Source, null), n.Source).Tensor,
        PendingAddValue p => pendingSums.TryGetValue(p.Name, out var sum) ? sum : pendingSums[p.Name] = Stored(ElementwiseLowering.Add(ctx, p.Name, p.A, p.B), p.A, p.B).Tensor,
        UpsampledValue u => throw new CompileException(u.Source.Point, "an upsampled tensor is read only by a convolution"),
        _ => throw new InvalidOperationException($"unknown value {x}"),
    };
}

/// <summary>What a call returns in a walk that leaves it to a later run.</summary>
internal sealed record NotLowered : LoweredValue
{
    public static NotLowered Value { get; } = new();

    public override string Point => "";
}
