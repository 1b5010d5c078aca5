using DiffAcc.Accelerator.Isa;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// A convolution (1x1 or 3x3, stride 1 or 2, optionally reading its input nearest-2x upsampled) or a
/// channel projection, from DDR to DDR, in bands of output rows; an input with a zero point is padded
/// with it and its biases fold it in. The weights are split into sets that fit a weight bank: output-channel chunks (Tm blocks) and, when one output block's taps x input
/// blocks exceed a bank, passes over the input blocks through the accumulator banks. With one set the
/// weights load once for every band; with several, each band runs every set. Bands are double-buffered:
/// the load of band i+1 and the store of band i-1 overlap the convolution of band i.
/// </summary>
internal static class ConvLowering
{
    /// <summary>Where a convolution's bias comes from: fixed per step group, or per step with the time embedding folded in.</summary>
    public abstract record BiasSource;

    public sealed record FixedBias : BiasSource;

    public sealed record TimeEmbeddedBias(string Projection) : BiasSource;

    public static DdrTensor Lower(LoweringContext ctx, string name, LoweredValue input, int stride, (int Top, int Left, int Bottom, int Right) padding, BiasSource bias)
    {
        var c = ctx.Config;
        int tm = ctx.Tm, tn = ctx.Tn;
        var (x, upsample) = input switch
        {
            StoredValue s => (s.Tensor, false),
            UpsampledValue u => (u.Source, true),
            _ => throw new InvalidOperationException($"{name}: the input must be materialized first"),
        };
        var weights = ctx.Model.Weights(name);
        var kernel = weights.Shape.Length == 4 ? weights.Shape[2] : 1;
        var cout = weights.Outputs;
        var cin = weights.RowLength / (kernel * kernel);
        if (cin != x.Channels)
            throw new CompileException(name, $"the weights take {cin} input channels but the input has {x.Channels}");
        if (kernel is not (1 or 3) || stride is not (1 or 2))
            throw new CompileException(name, $"a {kernel}x{kernel} kernel with stride {stride}: the machine runs 1x1 and 3x3, stride 1 or 2");
        var taps = kernel * kernel;
        int gridRows = x.Height << (upsample ? 1 : 0), gridCols = x.Width << (upsample ? 1 : 0);
        var outRows = ((gridRows + padding.Top + padding.Bottom - kernel) / stride) + 1;
        var outCols = ((gridCols + padding.Left + padding.Right - kernel) / stride) + 1;
        var output = ctx.NewTensor(name, cout, outRows, outCols);
        var outBlocks = output.Blocks;
        var coutBlocks = outBlocks * tn / tm;
        if (outBlocks * tn > c.MaxChannels)
            throw new CompileException(name, $"{cout} output channels ({outBlocks * tn} with padding) exceed MaxChannels {c.MaxChannels} of preset {c.Name}");
        if (taps > c.WeightRows)
            throw new CompileException(name, $"{taps} taps need more weight rows than the {c.WeightRows} of a weight bank of preset {c.Name}");

        // Weight sets: input-block passes, then output-block chunks, each as even as the bank allows. The two
        // parts of a concatenation with split scales take passes of their own, each shifting its sums by its exponent.
        var cinBlocks = x.Blocks;
        var maxPassBlocks = Math.Min(cinBlocks, c.WeightRows / taps);
        var partBlocks = ctx.SplitBlocks(x.Point);
        var inputPasses = partBlocks is { } blocksA
            ? [.. InputPasses(0, blocksA, maxPassBlocks, 1), .. InputPasses(blocksA, cinBlocks - blocksA, maxPassBlocks, 2)]
            : InputPasses(0, cinBlocks, maxPassBlocks, 0);
        var passes = inputPasses.Count;
        var passBlocks = inputPasses.Max(p => p.InBlocks);
        var chunks = Ceiling(coutBlocks, Math.Min(coutBlocks, c.WeightRows / (taps * passBlocks)));
        var chunkBlocks = Ceiling(coutBlocks, chunks);
        var logicalInput = x.LogicalOfPhysical();
        var sets = new List<(int Chunk, int Pass, int FirstBlock, int Blocks, int FirstIn, int InBlocks, int Exponent, long Offset)>();
        for (var ch = 0; ch < chunks; ch++)
        {
            for (var p = 0; p < passes; p++)
            {
                int first = ch * chunkBlocks, blocks = Math.Min(chunkBlocks, coutBlocks - first);
                var (firstIn, inBlocks, exponent) = inputPasses[p];
                var rows = TensorLayout.ConvWeightRows(weights.Values, cout, logicalInput, kernel, tm, tn, first, blocks, firstIn, inBlocks);
                sets.Add((ch, p, first, blocks, firstIn, inBlocks, exponent, ctx.Constants.Put(rows)));
            }
        }

        // Bands of output rows: one copy of the buffers when the whole layer fits, else two (double-buffered).
        int InputRows(int firstRow, int rows)
        {
            var (top, bottom) = SourceRows(firstRow, rows, stride, kernel, padding.Top, gridRows, upsample);
            return bottom - top + 1;
        }
        int MaxInputRows(int rows) => Enumerable.Range(0, Ceiling(outRows, rows)).Max(b => InputRows(b * rows, Math.Min(rows, outRows - (b * rows))));
        long BufferRows(int rows) => ((long)MaxInputRows(rows) * x.Width * cinBlocks) + ((long)rows * outCols * outBlocks);
        bool AccumulatorsFit(int rows) => passes == 1 || (long)rows * outCols * chunkBlocks <= c.AccumulatorRows;
        var band = outRows;
        var copies = 1;
        if (BufferRows(band) > c.ActivationRows || !AccumulatorsFit(band))
        {
            copies = 2;
            while (band > 0 && (2 * BufferRows(band) > c.ActivationRows || !AccumulatorsFit(band)))
                band--;
        }
        if (band == 0)
            throw new CompileException(name, $"one output row ({outCols} pixels x {outBlocks} blocks, from {InputRows(0, 1)} input rows of {x.Width} pixels x {cinBlocks} blocks) does not fit the {c.ActivationRows} activation buffer rows{(passes > 1 ? $" and {c.AccumulatorRows} accumulator rows" : "")} of preset {c.Name}");
        var inputRegion = MaxInputRows(band) * x.Width * cinBlocks;
        var outputRegion = band * outCols * outBlocks;
        int InBuffer(int b) => b % copies * (inputRegion + outputRegion);
        int OutBuffer(int b) => InBuffer(b) + inputRegion;

        ctx.Begin(name, upsample ? "upsample + conv" : kernel == 1 ? "conv 1x1" : stride == 2 ? "conv 3x3 / 2" : "conv 3x3");
        ctx.Emit(RequantizationTable(ctx, name, x, cout, outBlocks * tn, bias));
        // An asymmetric input is padded with its zero point, which, like the scales, changes with the step group.
        var padWithZeroPoint = ctx.Asymmetric(x.Point);
        if (padWithZeroPoint)
            ctx.Emit(ctx.StepGroupTable(TableKind.Padding, 0, g => [new PadValue { Value = ctx.ZeroPoint(x.Point, g) }]));
        if (partBlocks is not null)
        {
            ctx.Emit(ctx.StepGroupTable(TableKind.InputExponents, 0, g =>
            {
                var split = ctx.Split(x.Point, g)!.Value;
                return [new InputExponents { A = split.ExponentA, B = split.ExponentB }];
            }));
        }
        var bands = Ceiling(outRows, band);
        for (var b = 0; b < bands; b++)
        {
            var firstRow = b * band;
            var rows = Math.Min(band, outRows - firstRow);
            var (top, bottom) = SourceRows(firstRow, rows, stride, kernel, padding.Top, gridRows, upsample);
            for (var g = 0; g < ctx.Batch; g++)
            {
                ctx.Emit(new Load
                {
                    Base = BaseRegister.Work,
                    Group = g,
                    Offset = x.At(g) + ((long)top * x.Width * x.PixelBytes),
                    ActRow = InBuffer(b),
                    Rows = (bottom - top + 1) * x.Width * cinBlocks,
                    Chunks = 1,
                    Wait = g == 0 && b >= 2 ? Engines.Compute : Engines.None,
                    Signal = g == ctx.Batch - 1 ? Engines.Compute : Engines.None,
                });
            }
            for (var s = 0; s < sets.Count; s++)
            {
                var set = sets[s];
                if (sets.Count > 1 || b == 0)
                    ctx.Emit(new LoadWeights { Base = BaseRegister.Constants, Offset = set.Offset, Rows = set.Blocks * taps * set.InBlocks, Complete = true });
                var lastOfBand = s == sets.Count - 1;
                ctx.Emit(new Conv
                {
                    GroupMask = ctx.GroupMask,
                    InRow = InBuffer(b) + set.FirstIn,
                    InPixelStride = cinBlocks,
                    CinBlocks = set.InBlocks,
                    InRows = bottom - top + 1,
                    InCols = x.Width,
                    Upsample = upsample,
                    RowOffset = (firstRow * stride) - padding.Top - ((upsample ? 2 : 1) * top),
                    ColOffset = -padding.Left,
                    Kernel3x3 = kernel == 3,
                    Stride2 = stride == 2,
                    OutRows = rows,
                    OutCols = outCols,
                    CoutBlocks = set.Blocks,
                    CoutBase = set.FirstBlock,
                    Output = passes == 1 ? ConvOutput.Requantize : set.Pass == 0 ? ConvOutput.AccumulatorStore : set.Pass == passes - 1 ? ConvOutput.AccumulatorAddRequantize : ConvOutput.AccumulatorAdd,
                    OutRow = OutBuffer(b),
                    OutPixelStride = outBlocks,
                    AccRow = 0,
                    Release = sets.Count > 1 || b == bands - 1,
                    PadWithZeroPoint = padWithZeroPoint,
                    Exponent = set.Exponent,
                    Wait = s == 0 ? Engines.Load | (b >= 2 ? Engines.Store : Engines.None) : Engines.None,
                    Signal = lastOfBand ? Engines.Store | (b + 2 < bands ? Engines.Load : Engines.None) : Engines.None,
                });
            }
            for (var g = 0; g < ctx.Batch; g++)
            {
                ctx.Emit(new Store
                {
                    Base = BaseRegister.Work,
                    Group = g,
                    Offset = output.At(g) + ((long)firstRow * outCols * output.PixelBytes),
                    ActRow = OutBuffer(b),
                    Rows = rows * outCols * outBlocks,
                    Chunks = 1,
                    Wait = g == 0 ? Engines.Compute : Engines.None,
                    Signal = g == ctx.Batch - 1 && b + 2 < bands ? Engines.Compute : Engines.None,
                });
            }
        }
        var macs = (long)ctx.Batch * outRows * outCols * cout * cin * taps;
        ctx.End($"{x.Channels}x{x.Height}x{x.Width}{(upsample ? " (2x)" : "")} -> {cout}x{outRows}x{outCols}",
            $"{bands} x {band} rows{(copies == 2 ? " (2 buffers)" : "")}; {(sets.Count == 1 ? "1 weight set" : $"{sets.Count} weight sets ({chunks} out x {passes} in)")}",
            macs);
        return output;
    }

    /// <summary>The source rows a band of output rows reads: grid rows clipped to the image, halved when upsampling.</summary>
    private static (int Top, int Bottom) SourceRows(int firstRow, int rows, int stride, int kernel, int padTop, int gridRows, bool upsample)
    {
        var top = Math.Max(0, (firstRow * stride) - padTop);
        var bottom = Math.Min(gridRows - 1, ((firstRow + rows - 1) * stride) - padTop + kernel - 1);
        return upsample ? (top >> 1, bottom >> 1) : (top, bottom);
    }

    private static LoadTable RequantizationTable(LoweringContext ctx, string name, DdrTensor x, int cout, int paddedChannels, BiasSource bias)
    {
        var weights = ctx.Model.Weights(name);
        IReadOnlyList<DataWord> Entries(IReadOnlyList<float> b, int stepGroup)
        {
            var entries = LayerConstants.ConvRequantization(ctx.Scale(x.Point, stepGroup), weights, b, ctx.Scale(name, stepGroup), ctx.ZeroPoint(x.Point, stepGroup));
            // Padding channels requantize to 0 (multiplier 0), so the next layer reads zeros there.
            return [.. entries.Select(RequantizerEntry.Of), .. Enumerable.Repeat(RequantizerEntry.Of(new RequantParameters(0, 0, 0)), paddedChannels - cout)];
        }
        return bias switch
        {
            TimeEmbeddedBias t => ctx.StepTable(TableKind.Requantization, 0, step => Entries(LayerConstants.TimeEmbeddedBias(ctx.Model.Parameters, name, t.Projection, ctx.TimeEmbedding(step)), ctx.StepGroupOf(step))),
            _ => ctx.StepGroupTable(TableKind.Requantization, 0, g => Entries(ctx.Model.Parameters[$"{name}.bias"].Data, g)),
        };
    }

    /// <summary>Input blocks first .. first + count − 1 in passes as even as <paramref name="maxBlocks"/> allows, each with the CONV's Exponent.</summary>
    private static List<(int FirstIn, int InBlocks, int Exponent)> InputPasses(int first, int count, int maxBlocks, int exponent)
    {
        var passes = Ceiling(count, maxBlocks);
        var blocks = Ceiling(count, passes);
        return [.. Enumerable.Range(0, passes).Select(p => (first + (p * blocks), Math.Min(blocks, count - (p * blocks)), exponent))];
    }

    private static int Ceiling(int a, int b) => (a + b - 1) / b;
}
