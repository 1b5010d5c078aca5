using DiffAcc.Accelerator.Isa;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// A convolution (1x1 or 3x3, stride 1 or 2, optionally reading its input nearest-2x upsampled) or a
/// channel projection, from DDR to DDR, in bands of output rows; an input with a zero point is padded
/// with it and its biases fold it in. A sample with several PE groups (a batch smaller than the
/// groups) has each band's rows split over them, one CONV for all. The weights are split into sets that fit a weight bank: output-channel chunks (Tm blocks) and, when one output block's taps x input
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

    public static DdrTensor Lower(LoweringContext ctx, string name, LoweredValue input, int stride, (int Top, int Left, int Bottom, int Right) padding, BiasSource bias, bool normalizedNext)
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

        // Weight sets: input-block passes, then output-block chunks, as even as the bank allows. The two
        // parts of a concatenation with split scales take passes of their own, each shifting its sums by its exponent.
        var cinBlocks = x.Blocks;
        var maxPassBlocks = Math.Min(cinBlocks, c.WeightRows / taps);
        var partBlocks = ctx.SplitBlocks(x.Point);
        var inputPasses = partBlocks is { } blocksA
            ? [.. InputPasses(0, blocksA, maxPassBlocks, 1), .. InputPasses(blocksA, cinBlocks - blocksA, maxPassBlocks, 2)]
            : InputPasses(0, cinBlocks, maxPassBlocks, 0);
        var passes = inputPasses.Count;
        var passBlocks = inputPasses.Max(p => p.InBlocks);
        var evenChunks = Ceiling(coutBlocks, Math.Min(coutBlocks, c.WeightRows / (taps * passBlocks)));
        var chunkBlocks = Ceiling(coutBlocks, evenChunks);
        // An output a GroupNorm reads is normalized chunk by chunk as the CONVs finish them (GroupNormLowering), and
        // only the last chunk's statistics and apply wait after the last CONV: that chunk is one Tn block. (Every
        // chunk one block measured slower: CIFAR batch 1 2,163,785 cycles against 2,161,001.)
        var lastBlocks = tn % tm == 0 ? tn / tm : 1;
        var lastAlone = normalizedNext && coutBlocks > lastBlocks && lastBlocks <= chunkBlocks;
        var body = lastAlone ? coutBlocks - lastBlocks : coutBlocks;
        var bodyBlocks = Ceiling(body, Ceiling(body, chunkBlocks));
        var chunkList = new List<(int First, int Blocks)>();
        for (var first = 0; first < body; first += bodyBlocks)
            chunkList.Add((first, Math.Min(bodyBlocks, body - first)));
        if (lastAlone)
            chunkList.Add((body, lastBlocks));
        var chunks = chunkList.Count;
        var logicalInput = x.LogicalOfPhysical();
        var sets = new List<(int Chunk, int Pass, int FirstBlock, int Blocks, int FirstIn, int InBlocks, int Exponent, long Offset)>();
        for (var ch = 0; ch < chunks; ch++)
        {
            for (var p = 0; p < passes; p++)
            {
                var (first, blocks) = chunkList[ch];
                var (firstIn, inBlocks, exponent) = inputPasses[p];
                var rows = TensorLayout.ConvWeightRows(weights.Values, cout, logicalInput, kernel, tm, tn, first, blocks, firstIn, inBlocks);
                sets.Add((ch, p, first, blocks, firstIn, inBlocks, exponent, ctx.Constants.Put(WeightPortShares.Arrange(c, rows))));
            }
        }

        // Bands of output rows: one copy of the buffers when the whole layer fits, else two (double-buffered).
        // With several groups per sample, a band is split into equal parts, one per group (see Split).
        var parts = ctx.GroupsPerSample;
        // Bands smaller than the buffer allows can pay: the first band's load and the last one's store are
        // what does not overlap the array (with several weight sets, each band loads them all again).
        var pipeline = new BandPipeline(parts * ctx.Batch, tn, outCols * coutBlocks * taps * cinBlocks, (long)coutBlocks * taps * cinBlocks * tm * tn, sets.Count, c.WeightPorts);
        BandLayout? Layout(int bufferRows, bool required) => parts == 1
            ? Whole(name, c, x, outRows, outCols, outBlocks, cinBlocks, stride, kernel, padding.Top, gridRows, upsample, passes, chunkBlocks, pipeline, bufferRows, required)
            : Split(name, c, x, outRows, outCols, outBlocks, cinBlocks, stride, kernel, padding.Top, upsample, passes, chunkBlocks, parts, pipeline, bufferRows, required);
        // Placed above the rows the last layer works in and the tensors still in the buffers, the loads run
        // while that layer computes; from row 0 when the bands would have to be smaller there.
        var layout = Layout(c.ActivationRows, true)!;
        var inUse = ctx.RowsInUse();
        var inputBase = 0;
        if (inUse > 0 && inUse < c.ActivationRows && Layout(c.ActivationRows - inUse, false) is { } above && above.GroupRows == layout.GroupRows)
            (layout, inputBase) = (above, inUse);
        // An input the layer before left in the buffers is read there: one band, every group's window placed
        // around its rows, and only the rows it does not hold (halo, padding) loaded.
        var onChip = upsample ? null : ctx.ResidentCopy(x);
        int? outputBase = null;
        // Each group holding its band of the input where one CONV reads them all, the rows above and below a band
        // are read in the neighbouring groups (HaloGroups): nothing is loaded, so its writer stores no halo rows.
        var neighbours = false;
        if (onChip is not null && parts > 1 && kernel == 3 && NeighbourWindow(c, x, onChip, ctx.Batch, parts, outRows, outCols, outBlocks, stride, padding.Top, passes, chunkBlocks) is { } window
            && OutputPlace(ctx, onChip, window.InputBase, window.Layout.InputRegion, window.Layout.OutputRegion) is { } windowOutput)
            (layout, inputBase, outputBase, neighbours) = (window.Layout, window.InputBase, windowOutput, true);
        else if (onChip is not null && ResidentWindow(c, x, onChip, ctx.Batch, parts, outRows, outCols, outBlocks, stride, kernel, padding.Top, gridRows, passes, chunkBlocks) is { } around
            && OutputPlace(ctx, onChip, around.InputBase, around.Layout.InputRegion, around.Layout.OutputRegion) is { } placed)
            (layout, inputBase, outputBase) = (around.Layout, around.InputBase, placed);
        else
            onChip = null;
        var (band, copies, inputRegion, outputRegion) = (layout.GroupRows, layout.Copies, layout.InputRegion, layout.OutputRegion);
        int InBuffer(int b) => inputBase + (b % copies * (inputRegion + outputRegion));
        int OutBuffer(int b) => outputBase ?? (InBuffer(b) + inputRegion);
        var pad = parts == 1 ? default : ctx.PadRows(x.Point, x.Width * cinBlocks * tn);

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
        var rowBytes = x.Width * x.PixelBytes;
        var imageRowBuffer = x.Width * cinBlocks;
        var bands = Ceiling(outRows, band * parts);
        for (var b = 0; b < bands; b++)
        {
            // Each group's part of the band: its first output row, the rows it stores, and its source window
            // (rows outside the image are the padding rows a LOAD writes, so every group's CONV reads alike).
            var groupParts = new List<(int Group, int Sample, int FirstRow, int Rows)>();
            for (var sample = 0; sample < ctx.Batch; sample++)
            {
                for (var j = 0; j < parts; j++)
                {
                    var first = ((b * parts) + j) * band;
                    if (first < outRows)
                        groupParts.Add(((sample * parts) + j, sample, first, Math.Min(band, outRows - first)));
                }
            }
            var loads = new List<Load>();
            // Source rows first .. last of the group's sample into its buffer from row actRow, but those the buffer already holds there.
            IEnumerable<Load> ImageRows((int Group, int Sample, int FirstRow, int Rows) g, int first, int last, int actRow)
            {
                Load Rows(int from, int to) => new() { Base = BaseRegister.Work, Group = g.Group, Offset = x.At(g.Sample) + ((long)from * rowBytes), ActRow = actRow + ((from - first) * imageRowBuffer), Rows = (to - from + 1) * imageRowBuffer, Chunks = 1 };
                var held = onChip?.Find(g.Sample, g.Group);
                var (from, to) = held is null ? (last + 1, last) : (Math.Max(first, held.FirstRow), Math.Min(last, held.FirstRow + held.Rows - 1));
                if (from > to)
                {
                    yield return Rows(first, last);
                    yield break;
                }
                if (from > first)
                    yield return Rows(first, from - 1);
                if (to < last)
                    yield return Rows(to + 1, last);
            }
            int inRows, rowOffset;
            if (parts == 1)
            {
                var (top, bottom) = SourceRows(groupParts[0].FirstRow, groupParts[0].Rows, stride, kernel, padding.Top, gridRows, upsample);
                (inRows, rowOffset) = (bottom - top + 1, (groupParts[0].FirstRow * stride) - padding.Top - ((upsample ? 2 : 1) * top));
                loads.AddRange(groupParts.SelectMany(g => ImageRows(g, top, bottom, InBuffer(b))));
            }
            else if (neighbours)
            {
                (inRows, rowOffset) = (layout.InRows, layout.RowOffset);
            }
            else
            {
                foreach (var g in groupParts)
                {
                    var (top, rows, offset) = Window(g.FirstRow, band, stride, kernel, padding.Top, upsample);
                    if ((rows, offset) != (layout.InRows, layout.RowOffset))
                        throw new InvalidOperationException($"{name}: group {g.Group}'s window ({rows} rows, offset {offset}) differs from the CONV's ({layout.InRows}, {layout.RowOffset}): a compiler bug");
                    var (first, last) = (Math.Max(0, top), Math.Min(x.Height, top + rows) - 1);
                    Load PadLoad(int from, int count) => new()
                    {
                        Base = pad.Base,
                        StepMode = pad.Mode,
                        Group = g.Group,
                        Offset = pad.Offset,
                        ActRow = InBuffer(b) + ((from - top) * imageRowBuffer),
                        Rows = imageRowBuffer,
                        Chunks = count,
                        ActStride = imageRowBuffer,
                    };
                    if (first > top)
                        loads.Add(PadLoad(top, Math.Min(first, top + rows) - top));
                    if (last >= first)
                        loads.AddRange(ImageRows(g, first, last, InBuffer(b) + ((first - top) * imageRowBuffer)));
                    var below = Math.Max(first, last + 1);
                    if (top + rows > below)
                        loads.Add(PadLoad(below, top + rows - below));
                }
                (inRows, rowOffset) = (layout.InRows, layout.RowOffset);
            }
            if (onChip is not null && parts > 1)
            {
                // The load engine runs its LOADs in order: the padding rows first, then the halo rows in the order
                // their owners' rows were written (group by group), so the last group's rows, written last, hold up
                // only the load that copies them.
                int Owner(Load load)
                {
                    if (load.Base == pad.Base && load.Offset == pad.Offset)
                        return -1;
                    var sample = groupParts.First(p => p.Group == load.Group).Sample;
                    var row = (int)((load.Offset - x.At(sample)) / rowBytes);
                    return onChip.Parts.FirstOrDefault(p => p.Sample == sample && p.FirstRow <= row && row < p.FirstRow + p.Rows)?.Group ?? int.MaxValue;
                }
                loads = [.. loads.OrderBy(Owner)];
            }
            for (var l = 0; l < loads.Count; l++)
                ctx.Emit(loads[l] with { Wait = l == 0 && b >= 2 ? Engines.Compute : Engines.None, Signal = l == loads.Count - 1 ? Engines.Compute : Engines.None });
            var mask = groupParts.Aggregate(0, (m, g) => m | (1 << g.Group));
            for (var s = 0; s < sets.Count; s++)
            {
                var set = sets[s];
                if (sets.Count > 1 || b == 0)
                    ctx.Emit(new LoadWeights { Base = BaseRegister.Constants, Offset = set.Offset, Rows = set.Blocks * taps * set.InBlocks, Complete = true });
                var lastOfBand = s == sets.Count - 1;
                var conv = new Conv
                {
                    GroupMask = mask,
                    InRow = InBuffer(b) + set.FirstIn,
                    InPixelStride = cinBlocks,
                    CinBlocks = set.InBlocks,
                    InRows = inRows,
                    InCols = x.Width,
                    Upsample = upsample,
                    RowOffset = rowOffset,
                    ColOffset = -padding.Left,
                    Kernel3x3 = kernel == 3,
                    Stride2 = stride == 2,
                    OutRows = parts == 1 ? groupParts[0].Rows : band,
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
                    HaloGroups = neighbours ? parts : 0,
                    Wait = s == 0 ? Engines.Load | (b >= 2 ? Engines.Store : Engines.None) : Engines.None,
                    Signal = lastOfBand ? Engines.Store | (b + 2 < bands ? Engines.Load : Engines.None) : Engines.None,
                };
                // Reading an input whose writer wrote each part's first rows first (a GroupNorm), the first weight set's
                // CONV starts on those rows while the writer does the rest. Padding rows are in the window (RowOffset
                // 0), so the second CONV's first rows are real.
                var lead = LeadRows(band);
                var split = s == 0 && onChip is { LeadRowsFirst: true } && bands == 1 && parts > 1 && passes == 1 && stride == 1 && !upsample && band >= 4
                    && (neighbours ? conv.RowOffset + lead <= MaxRowOffset : conv.RowOffset == 0);
                if (!split)
                {
                    ctx.Emit(conv);
                    continue;
                }
                // `rows` output rows from row `from` on. Reading its neighbours' rows, a piece keeps the window (its rows
                // are where the neighbours' halo is) and starts lower in it; else its window moves down.
                Conv Piece(int from, int rows, bool last) => neighbours
                    ? conv with { OutRows = rows, RowOffset = conv.RowOffset + from, OutRow = conv.OutRow + (from * outCols * outBlocks), Release = last && conv.Release }
                    : conv with { OutRows = rows, InRows = last ? conv.InRows - from : rows + kernel - 1, InRow = conv.InRow + (from * imageRowBuffer), OutRow = conv.OutRow + (from * outCols * outBlocks), Release = last && conv.Release };
                ctx.Emit(Piece(0, lead, false));
                // As many rows again in a second CONV, which starts when the writer has done its second rows, and the rest
                // in a third (CIFAR batch 1 2,160,393 -> 2,144,534 cycles, batch 4 7,620,552 -> 7,557,206; more CONVs of
                // the lead's rows measured no better).
                var second = conv.OutRows - (2 * lead) >= 1 && (!neighbours || conv.RowOffset + (2 * lead) <= MaxRowOffset);
                if (second)
                    ctx.Emit(Piece(lead, lead, false));
                var done = second ? 2 * lead : lead;
                ctx.Emit(Piece(done, conv.OutRows - done, true));
            }
            for (var i = 0; i < groupParts.Count; i++)
            {
                var g = groupParts[i];
                ctx.Emit(new Store
                {
                    Base = BaseRegister.Work,
                    Group = g.Group,
                    Offset = output.At(g.Sample) + ((long)g.FirstRow * outCols * output.PixelBytes),
                    ActRow = OutBuffer(b),
                    Rows = g.Rows * outCols * outBlocks,
                    Chunks = 1,
                    Wait = i == 0 ? Engines.Compute : Engines.None,
                    Signal = i == groupParts.Count - 1 && b + 2 < bands ? Engines.Compute : Engines.None,
                });
            }
        }
        var macs = (long)ctx.Batch * outRows * outCols * cout * cin * taps;
        ctx.End($"{x.Channels}x{x.Height}x{x.Width}{(upsample ? " (2x)" : "")} -> {cout}x{outRows}x{outCols}",
            $"{bands} x {(parts == 1 ? $"{band}" : $"{parts} groups x {band}")} rows{(copies == 2 ? " (2 buffers)" : "")}{(onChip is null ? "" : ", input in the buffers")}; {(sets.Count == 1 ? "1 weight set" : $"{sets.Count} weight sets ({chunks} out x {passes} in)")}",
            macs);
        // One band leaves the whole output in the buffers, each group's rows from OutBuffer(0).
        if (bands == 1)
        {
            var held = new List<ResidentPart>();
            for (var sample = 0; sample < ctx.Batch; sample++)
            {
                for (var j = 0; j < parts && j * band < outRows; j++)
                    held.Add(new ResidentPart(sample, (sample * parts) + j, j * band, Math.Min(band, outRows - (j * band)), OutBuffer(0)));
            }
            // The output-channel chunks (Tm blocks) in the order the CONVs finish them, as Tn blocks of the output
            // rows when every chunk starts on a buffer row.
            var chunkRanges = sets.Where(s => s.Pass == passes - 1).Select(s => (First: s.FirstBlock * tm, End: Math.Min(cout, (s.FirstBlock + s.Blocks) * tm))).ToList();
            IReadOnlyList<BlockRange>? written = chunkRanges.All(r => r.First % tn == 0)
                ? [.. chunkRanges.Select((r, k) => new BlockRange(r.First / tn, (k == chunkRanges.Count - 1 ? outBlocks : chunkRanges[k + 1].First / tn) - (r.First / tn)))]
                : null;
            ctx.KeepResident(output, held, written);
        }
        return output;
    }

    /// <summary>
    /// The output rows of each part that a convolution reading its input in place computes first, in a CONV of
    /// their own (a quarter of the part: measured against a half and an eighth on the CIFAR-shaped UNet).
    /// </summary>
    public static int LeadRows(int partRows) => Math.Max(1, partRows / 4);

    /// <summary>
    /// Where the output of a layer that reads its input in place goes: the first run of the buffer, from right after
    /// the input's window on, that meets neither the window nor a tensor a later layer still reads there; right after
    /// the window (over such a tensor, which then leaves the buffers and is loaded again by the layer that reads it)
    /// when there is none, else the first run anywhere that meets the window alone; null when none does. When the layer before read the same input (attention's three projections), the output avoids what
    /// that layer reads and writes too (its STOREs still read its own output), where the buffer has room: the
    /// projections then compute back to back instead of each waiting for the stores of the one before.
    /// </summary>
    private static int? OutputPlace(LoweringContext ctx, ResidentTensor onChip, int inputBase, int inputRegion, int outputRegion)
    {
        var after = inputBase + inputRegion;
        var rows = ctx.Config.ActivationRows;
        List<(int First, int End)> held = [(inputBase, after), .. ctx.Residents().SelectMany(r => r.Parts.Select(r.Rows))];
        int? Free(IReadOnlyList<(int First, int End)> taken) => ResidentTensor.FirstFree([after, .. taken.Select(t => t.End).Where(e => e > after).Order(), 0, .. taken.Select(t => t.End).Where(e => e < after).Order()], outputRegion, rows, taken);
        var apart = ctx.LastLayerRead(onChip) ? Free([.. held, .. ctx.LastLayerRows()]) : null;
        return apart ?? Free(held) ?? (after + outputRegion <= rows ? after : Free([(inputBase, after)]));
    }

    /// <summary>
    /// The layout of one band for an input resident in the buffers, and the buffer row its windows start at:
    /// every group's window holds its resident rows where they lie (the same offset in every group, since one
    /// CONV reads them all) and fits the buffer; null when any of it fails (<see cref="OutputPlace"/> places the output).
    /// </summary>
    private static (BandLayout Layout, int InputBase)? ResidentWindow(Configuration.AcceleratorConfig c, DdrTensor x, ResidentTensor onChip, int batch, int parts, int outRows, int outCols, int outBlocks, int stride, int kernel, int padTop, int gridRows, int passes, int chunkBlocks)
    {
        var rowBuffer = onChip.RowBuffer;
        int band, inRows, rowOffset;
        var tops = new List<(int Sample, int Group, int Top)>();
        if (parts == 1)
        {
            band = outRows;
            var (top, bottom) = SourceRows(0, outRows, stride, kernel, padTop, gridRows, false);
            (inRows, rowOffset) = (bottom - top + 1, 0);
            tops.AddRange(Enumerable.Range(0, batch).Select(sample => (sample, sample, top)));
        }
        else
        {
            band = Ceiling(outRows, parts);
            (_, inRows, rowOffset) = Window(0, band, stride, kernel, padTop, false);
            for (var sample = 0; sample < batch; sample++)
            {
                for (var j = 0; j < parts && j * band < outRows; j++)
                    tops.Add((sample, (sample * parts) + j, Window(j * band, band, stride, kernel, padTop, false).Top));
            }
        }
        if (passes > 1 && (long)band * outCols * chunkBlocks > c.AccumulatorRows)
            return null;
        var bases = tops.Select(t => onChip.Find(t.Sample, t.Group) is { } part ? part.ActRow - ((part.FirstRow - t.Top) * rowBuffer) : -1).Distinct().ToList();
        if (bases.Count != 1 || bases[0] < 0)
            return null;
        int inputRegion = inRows * x.Width * x.Blocks, outputRegion = band * outCols * outBlocks;
        if (bases[0] + inputRegion > c.ActivationRows)
            return null;
        return (new BandLayout(band, 1, inputRegion, outputRegion, parts == 1 ? 0 : inRows, parts == 1 ? 0 : rowOffset), bases[0]);
    }

    /// <summary>The largest <see cref="Conv.RowOffset"/> its field holds.</summary>
    private static readonly int MaxRowOffset = (1 << (FieldOf<Conv>.Bits(v => v.RowOffset) - 1)) - 1;

    /// <summary>
    /// The layout of one band for an input whose sample's groups each hold an equal band of its rows at the same
    /// buffer row: the window is that band alone (the rows above and below it are the neighbours'), the input
    /// row it starts at; null when the rows do not divide into such bands or the parts lie otherwise.
    /// </summary>
    private static (BandLayout Layout, int InputBase)? NeighbourWindow(Configuration.AcceleratorConfig c, DdrTensor x, ResidentTensor onChip, int batch, int parts, int outRows, int outCols, int outBlocks, int stride, int padTop, int passes, int chunkBlocks)
    {
        if (outRows % parts != 0 || x.Height % parts != 0 || onChip.RowBuffer != x.Width * x.Blocks)
            return null;
        int band = outRows / parts, inBand = x.Height / parts;
        // Every grid row a part reads lies in its band or its neighbours'.
        if (band * stride != inBand || padTop > inBand || ((band - 1) * stride) + 2 - padTop >= 2 * inBand)
            return null;
        if (passes > 1 && (long)band * outCols * chunkBlocks > c.AccumulatorRows)
            return null;
        var bases = new HashSet<int>();
        for (var sample = 0; sample < batch; sample++)
        {
            for (var j = 0; j < parts; j++)
            {
                if (onChip.Find(sample, (sample * parts) + j) is not { } part || part.FirstRow != j * inBand || part.Rows != inBand)
                    return null;
                bases.Add(part.ActRow);
            }
        }
        if (bases.Count != 1)
            return null;
        int inputRegion = inBand * x.Width * x.Blocks, outputRegion = band * outCols * outBlocks;
        return (new BandLayout(band, 1, inputRegion, outputRegion, inBand, -padTop), bases.Single());
    }

    /// <summary>
    /// How a layer's output rows are cut: <see cref="GroupRows"/> output rows per group and band, the
    /// buffer copies (2: double-buffered) and each copy's input and output regions; for a split layer
    /// also the window every group's CONV reads (source rows, row offset into the grid).
    /// </summary>
    private sealed record BandLayout(int GroupRows, int Copies, int InputRegion, int OutputRegion, int InRows, int RowOffset);

    /// <summary>One group per sample: bands as large as the buffers allow, each reading the source rows it needs, clipped to the image.</summary>
    private static BandLayout? Whole(string name, Configuration.AcceleratorConfig c, DdrTensor x, int outRows, int outCols, int outBlocks, int cinBlocks, int stride, int kernel, int padTop, int gridRows, bool upsample, int passes, int chunkBlocks, BandPipeline pipeline, int bufferRows, bool required)
    {
        int InputRows(int firstRow, int rows)
        {
            var (top, bottom) = SourceRows(firstRow, rows, stride, kernel, padTop, gridRows, upsample);
            return bottom - top + 1;
        }
        int MaxInputRows(int rows) => Enumerable.Range(0, Ceiling(outRows, rows)).Max(b => InputRows(b * rows, Math.Min(rows, outRows - (b * rows))));
        long InputRegion(int rows) => (long)MaxInputRows(rows) * x.Width * cinBlocks;
        long OutputRegion(int rows) => (long)rows * outCols * outBlocks;
        var (band, copies) = Fit(outRows, 1, InputRegion, OutputRegion, rows => passes == 1 || (long)rows * outCols * chunkBlocks <= c.AccumulatorRows, bufferRows, pipeline);
        if (band <= 0 && !required)
            return null;
        if (band <= 0)
            throw TooLarge(name, c, outCols, outBlocks, InputRows(0, 1), x.Width, cinBlocks, passes);
        return new BandLayout(band, copies, (int)InputRegion(band), (int)OutputRegion(band), 0, 0);
    }

    /// <summary>
    /// Several groups per sample: a band is <paramref name="parts"/> equal parts of output rows, one per
    /// group, and one CONV computes them all, so every group's window has the same shape: the grid rows
    /// its part reads, with the rows outside the image loaded as padding. A part runs past the last
    /// output row when the rows do not divide; those rows are computed and not stored. With upsampling
    /// the parts hold an even number of rows, so every window starts at the same parity of the grid.
    /// </summary>
    private static BandLayout? Split(string name, Configuration.AcceleratorConfig c, DdrTensor x, int outRows, int outCols, int outBlocks, int cinBlocks, int stride, int kernel, int padTop, bool upsample, int passes, int chunkBlocks, int parts, BandPipeline pipeline, int bufferRows, bool required)
    {
        var step = upsample && stride % 2 == 1 ? 2 : 1;
        long InputRegion(int rows) => (long)Window(0, rows, stride, kernel, padTop, upsample).Rows * x.Width * cinBlocks;
        long OutputRegion(int rows) => (long)rows * outCols * outBlocks;
        var first = Ceiling(Ceiling(outRows, parts), step) * step;
        var (band, copies) = Fit(first, step, InputRegion, OutputRegion, rows => passes == 1 || (long)rows * outCols * chunkBlocks <= c.AccumulatorRows, bufferRows, pipeline);
        if (band <= 0 && !required)
            return null;
        if (band <= 0)
            throw TooLarge(name, c, outCols, outBlocks, Window(0, step, stride, kernel, padTop, upsample).Rows, x.Width, cinBlocks, passes);
        var (_, inRows, rowOffset) = Window(0, band, stride, kernel, padTop, upsample);
        return new BandLayout(band, copies, (int)InputRegion(band), (int)OutputRegion(band), inRows, rowOffset);
    }

    /// <summary>
    /// The band (output rows per group, from <paramref name="rows"/> down in steps of <paramref name="step"/>)
    /// and buffer copies: of the largest that fits once, else twice (double-buffered), and the smaller
    /// double-buffered ones, the one <paramref name="pipeline"/> estimates fastest; 0 when none fits.
    /// </summary>
    private static (int Band, int Copies) Fit(int rows, int step, Func<int, long> inputRegion, Func<int, long> outputRegion, Func<int, bool> accumulatorsFit, int activationRows, BandPipeline pipeline)
    {
        long BufferRows(int band) => inputRegion(band) + outputRegion(band);
        var choices = new List<(int Band, int Copies)>();
        var once = BufferRows(rows) <= activationRows && accumulatorsFit(rows);
        if (once)
            choices.Add((rows, 1));
        for (var band = once ? rows - step : rows; band > 0; band -= step)
        {
            if (2 * BufferRows(band) <= activationRows && accumulatorsFit(band))
                choices.Add((band, 2));
        }
        if (choices.Count == 0)
            return (0, 2);
        // The largest band within a few percent of the fastest: smaller bands load halo rows and weight
        // sets again, DDR traffic an estimate this coarse should not trade for less than its own error.
        var costs = choices.Select(choice => pipeline.Cycles(Ceiling(rows, choice.Band), inputRegion(choice.Band), choice.Band, outputRegion(choice.Band))).ToList();
        var fastest = costs.Min();
        var chosen = choices[costs.FindIndex(cost => cost <= fastest * BandPipeline.Tolerance)];
        // Bands bound by their stores (a thin input, few terms an output row: conv_in's three channels) store the
        // output only for the next layer to load it back; one band keeps it in the buffers for that layer.
        return once && chosen.Band != rows && pipeline.StoreBound(chosen.Band, outputRegion(chosen.Band)) ? (rows, 1) : chosen;
    }

    private static CompileException TooLarge(string name, Configuration.AcceleratorConfig c, int outCols, int outBlocks, int inputRows, int width, int cinBlocks, int passes)
        => new(name, $"one output row ({outCols} pixels x {outBlocks} blocks, from {inputRows} input rows of {width} pixels x {cinBlocks} blocks) does not fit the {c.ActivationRows} activation buffer rows{(passes > 1 ? $" and {c.AccumulatorRows} accumulator rows" : "")} of preset {c.Name}");

    /// <summary>
    /// The source rows a part of <paramref name="rows"/> output rows from <paramref name="firstRow"/> reads,
    /// unclipped (rows above and below the image are padding): the first, how many, and the CONV's row
    /// offset into the grid they form (with upsampling, the window's first grid row may be a source row's second).
    /// </summary>
    private static (int Top, int Rows, int RowOffset) Window(int firstRow, int rows, int stride, int kernel, int padTop, bool upsample)
    {
        var gridTop = (firstRow * stride) - padTop;
        var gridRows = ((rows - 1) * stride) + kernel;
        if (!upsample)
            return (gridTop, gridRows, 0);
        var top = gridTop >> 1;
        return (top, ((gridTop + gridRows - 1) >> 1) - top + 1, gridTop - (2 * top));
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
