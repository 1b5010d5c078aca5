using DiffAcc.Accelerator.Isa;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// Self-attention over the pixels, per sample and head, with both operands of each product on chip:
/// K becomes the weights (MOVE_WEIGHTS), Q x Kᵀ goes to the accumulator banks a tile of queries at a
/// time, SOFTMAX turns each tile's scores into int8 probabilities in the buffer, V takes K's place and
/// becomes the weights transposed, and P x V is requantized into the head's channels and stored.
/// Unsigned probabilities (steps of 1/255) take P x V in <see cref="UnsignedProbabilityPasses"/>, a tile of
/// queries at a time through the accumulator banks. Each sample in turn splits its queries over all the
/// groups, whatever the batch: K and V sit in the first group, whose rows become the weights every
/// group's array reads, each group loads its own queries, both products are one CONV for all of them,
/// and the vector unit takes each group's softmax in turn.
/// </summary>
internal static class AttentionLowering
{

    public static DdrTensor Lower(LoweringContext ctx, string point, DdrTensor q, DdrTensor k, DdrTensor v, int headDim)
    {
        var c = ctx.Config;
        int tm = ctx.Tm, tn = ctx.Tn;
        int channels = q.Channels, pixels = q.Pixels;
        var hd = headDim == 0 ? channels : headDim;
        foreach (var t in new[] { k, v })
        {
            if (t.Channels != channels || t.Pixels != pixels || !t.Contiguous || !q.Contiguous)
                throw new CompileException(point, "q, k and v must have one shape with their channels in order");
        }
        if (channels % hd != 0)
            throw new CompileException(point, $"{channels} channels are not whole heads of {hd}");
        if (hd % tn != 0)
            throw new CompileException(point, $"a head of {hd} channels is not whole channel blocks of Tn {tn} of preset {c.Name}");
        // Keys pad to whole channel blocks: the padding keys are zero rows in the buffer, and SOFTMAX leaves them out (Keys).
        var keysPadded = TensorLayout.Padded(pixels, tn);
        int heads = channels / hd, headBlocks = hd / tn, keyTm = keysPadded / tm, keyTn = keysPadded / tn;
        if (keyTm * headBlocks > c.WeightRows || hd / tm * keyTn > c.WeightRows)
            throw new CompileException(point, $"K ({keyTm * headBlocks} rows) or V transposed ({hd / tm * keyTn} rows) exceeds the {c.WeightRows} rows of a weight bank of preset {c.Name}");
        // Each sample's queries split over all the groups when they divide evenly, one sample after another:
        // its K and V are the weights every group's array reads, so a sample on its own group (batch as large
        // as the groups) would leave the other arrays idle through its products. Else one group takes them all.
        var parts = pixels % c.Groups == 0 ? c.Groups : 1;
        var part = pixels / parts;
        // The accumulator banks hold the scores of AccumulatorRows / keyTm queries; in two halves, alternate
        // tiles' Q x Kᵀ runs while the vector unit turns the tile before into probabilities.
        var capacity = c.AccumulatorRows / keyTm;
        var tile = Math.Min(part, capacity >= 2 ? capacity / 2 : capacity);
        if (tile < 1)
            throw new CompileException(point, $"one query's {keysPadded} scores take {keyTm} accumulator rows; preset {c.Name} has {c.AccumulatorRows}");
        var format = ctx.Model.Quantization.Probabilities;
        var unsigned = format == ProbabilityFormat.Unsigned;
        // Unsigned: P x V sums in the accumulator banks, a tile of queries at a time, and reads keyTn rows of 64;
        // signed, it requantizes straight from the PE groups, all queries in one.
        var valueTile = unsigned ? Math.Min(part, c.AccumulatorRows / (hd / tm)) : part;
        if (valueTile < 1)
            throw new CompileException(point, $"one query's P x V takes {hd / tm} accumulator rows; preset {c.Name} has {c.AccumulatorRows}");
        var valueTiles = (part + valueTile - 1) / valueTile;
        // Q and K where their projections left them (one head, one sample, each group holding its part's pixels
        // at one buffer row): the queries are read there, K's rows moved into the bank from each group in turn.
        var inPlace = ctx.Batch == 1 && heads == 1 && parts > 1 && part % tm == 0 && keysPadded == pixels;
        var qRow = inPlace ? InPlaceRow(ctx.ResidentCopy(q), parts, part, headBlocks) : null;
        var kRow = inPlace ? InPlaceRow(ctx.ResidentCopy(k), parts, part, headBlocks) : null;
        // Each group holds its part's queries (unless read in place), probabilities and outputs; K and V lie in the
        // first group only, at the same rows as the others' regions so that one CONV's addresses serve every group.
        var qRows = qRow is null ? part * headBlocks : 0;
        var rows = qRows + (keysPadded * headBlocks) + (part * keyTn) + (part * headBlocks) + (unsigned ? keyTn : 0);
        if (rows > c.ActivationRows)
            throw new CompileException(point, $"Q, K or V, the probabilities and the output of one head take {rows} buffer rows; preset {c.Name} has {c.ActivationRows}");
        // Around the tensors later layers read (the block's input, for its residual add) and Q and K read in place,
        // where the buffer has room.
        List<DdrTensor> loaded = [v];
        if (qRow is null)
            loaded.Add(q);
        if (kRow is null)
            loaded.Add(k);
        var held = ctx.HeldRows([.. loaded]);
        var at = ResidentTensor.FirstFree([0, .. held.Select(h => h.End).Order()], rows, c.ActivationRows, held) ?? 0;
        int qRegion = at, kvRegion = qRegion + qRows, pRegion = kvRegion + (keysPadded * headBlocks), oRegion = pRegion + (part * keyTn), halfRegion = oRegion + (part * headBlocks);
        var output = ctx.NewTensor(point, channels, q.Height, q.Width);

        ctx.Begin(point, "attention");
        var parameterSlot = ctx.ParameterSlots(1);
        ctx.Emit(ctx.StepGroupTable(TableKind.Parameters, parameterSlot, g => [SoftmaxParameters.Of(LayerConstants.SoftmaxExponent(ctx.Scale(q.Point, g), ctx.Scale(k.Point, g), hd))]));
        // The requantizers' table is loaded just before the first P x V product needs it: loaded first, it would
        // wait for the layer before to stop requantizing, and K's and Q's loads behind it in the load queue too.
        var requantizationLoaded = false;
        var tiles = (part + tile - 1) / tile;
        for (var sample = 0; sample < ctx.Batch; sample++)
        {
            if (sample > 0)
                ctx.Emit(new Sync());
            // K and V in the first group; the sample's queries, probabilities and outputs in each group.
            const int home = 0;
            var mask = ((1 << parts) - 1) << home;
            if (keysPadded > pixels)
                ctx.Emit(new Load { Base = BaseRegister.Constants, Group = home, Offset = ctx.Zeros((keysPadded - pixels) * hd), ActRow = kvRegion + (pixels * headBlocks), Rows = (keysPadded - pixels) * headBlocks, Chunks = 1 });
            if (unsigned)
            {
                for (var j = 0; j < parts; j++)
                    ctx.Emit(new Load { Base = BaseRegister.Constants, Group = home + j, Offset = ctx.Filled(UnsignedProbabilityPasses.RowValue, keysPadded), ActRow = halfRegion, Rows = keyTn, Chunks = 1 });
            }
            for (var head = 0; head < heads; head++)
            {
                if (head > 0)
                    ctx.Emit(new Sync());
                // Pixels first .. first + count - 1 of the head's channels of t, in group 'group' from row 'region'.
                Load Head(DdrTensor t, int group, int first, int count, int region, Engines wait, Engines signal) => new()
                {
                    Base = BaseRegister.Work,
                    Group = group,
                    Offset = t.At(sample) + ((long)first * t.PixelBytes) + (head * hd),
                    ActRow = region,
                    Rows = headBlocks,
                    Chunks = count,
                    DdrStride = t.PixelBytes,
                    ActStride = headBlocks,
                    Wait = wait,
                    Signal = signal,
                };
                if (kRow is { } kAt)
                {
                    for (var j = 0; j < parts; j++)
                        ctx.Emit(new MoveWeights { Group = home + j, ActRow = kAt, PixelStride = headBlocks, OutBlocks = part / tm, InBlocks = headBlocks, FirstRow = j * (part / tm) * headBlocks, Complete = j == parts - 1 });
                }
                else
                {
                    ctx.Emit(Head(k, home, 0, pixels, kvRegion, Engines.None, Engines.Weight));
                }
                if (qRow is null)
                {
                    for (var j = 0; j < parts; j++)
                        ctx.Emit(Head(q, home + j, j * part, part, qRegion, Engines.None, j == parts - 1 ? Engines.Compute : Engines.None));
                }
                if (kRow is null)
                    ctx.Emit(new MoveWeights { Group = home, ActRow = kvRegion, PixelStride = headBlocks, OutBlocks = keyTm, InBlocks = headBlocks, Complete = true, Wait = Engines.Load, Signal = Engines.Load });
                for (var t = 0; t < tiles; t++)
                {
                    var first = t * tile;
                    var queries = Math.Min(tile, part - first);
                    ctx.Emit(new Conv
                    {
                        GroupMask = mask,
                        InRow = (qRow ?? qRegion) + (first * headBlocks),
                        InPixelStride = headBlocks,
                        CinBlocks = headBlocks,
                        InRows = 1,
                        InCols = queries,
                        OutRows = 1,
                        OutCols = queries,
                        CoutBlocks = keyTm,
                        Output = ConvOutput.AccumulatorStore,
                        AccRow = t % 2 * tile * keyTm,
                        Release = t == tiles - 1,
                        Wait = t == 0 ? Engines.Load : Engines.Vector,
                        Signal = Engines.Vector,
                    });
                    for (var j = 0; j < parts; j++)
                        ctx.Emit(new Softmax { Group = home + j, Src = t % 2 * tile * keyTm, Dst = pRegion + (first * keyTn), Rows = queries, RowLength = keysPadded, Keys = pixels, DstStride = keyTn, Param = parameterSlot, Unsigned = unsigned, Wait = j == 0 ? Engines.Compute : Engines.None, Signal = j == parts - 1 ? Engines.Compute : Engines.None });
                }
                if (!requantizationLoaded)
                {
                    ctx.Emit(ctx.StepGroupTable(TableKind.Requantization, 0, g => [.. Enumerable.Repeat(RequantizerEntry.Of(LayerConstants.AttentionRequantization(ctx.Scale(v.Point, g), ctx.Scale(point, g), format)), hd)]));
                    requantizationLoaded = true;
                }
                ctx.Emit(Head(v, home, 0, pixels, kvRegion, Engines.Weight, Engines.Weight));
                ctx.Emit(new MoveWeights { Group = home, Transpose = true, ActRow = kvRegion, PixelStride = headBlocks, OutBlocks = hd / tm, InBlocks = keyTn, Complete = true, Wait = Engines.Load });
                for (var t = 0; t < valueTiles; t++)
                {
                    var first = t * valueTile;
                    var queries = Math.Min(valueTile, part - first);
                    var last = t == valueTiles - 1;
                    var product = new Conv
                    {
                        GroupMask = mask,
                        InRow = pRegion + (first * keyTn),
                        InPixelStride = keyTn,
                        CinBlocks = keyTn,
                        InRows = 1,
                        InCols = queries,
                        OutRows = 1,
                        OutCols = queries,
                        CoutBlocks = hd / tm,
                        OutRow = oRegion + (first * headBlocks),
                        OutPixelStride = headBlocks,
                        Release = last,
                        Wait = t == 0 ? Engines.Vector : Engines.None,
                        Signal = last ? Engines.Store : Engines.None,
                    };
                    foreach (var pass in unsigned ? UnsignedProbabilityPasses.Of(product, halfRegion) : [product])
                        ctx.Emit(pass);
                }
                for (var j = 0; j < parts; j++)
                {
                    ctx.Emit(new Store
                    {
                        Base = BaseRegister.Work,
                        Group = home + j,
                        Offset = output.At(sample) + ((long)j * part * output.PixelBytes) + (head * hd),
                        ActRow = oRegion,
                        Rows = headBlocks,
                        Chunks = part,
                        DdrStride = output.PixelBytes,
                        ActStride = headBlocks,
                        Wait = j == 0 ? Engines.Compute : Engines.None,
                    });
                }
            }
        }
        ctx.End($"{heads} head(s) of {hd} channels, {pixels} pixels", $"{(parts > 1 ? $"{parts} groups x " : "")}{tiles} query tile(s) of {tile}{InPlaceText(qRow, kRow)}" + (unsigned ? $"; unsigned probabilities: P x V in {UnsignedProbabilityPasses.Passes} passes, {valueTiles} tile(s) of {valueTile}" : ""), 2L * ctx.Batch * pixels * pixels * channels);
        // One sample's one head over the groups, each group's queries whole image rows: the output stays where
        // P x V wrote it, for the projection after it.
        if (ctx.Batch == 1 && heads == 1 && parts > 1 && part % q.Width == 0)
            ctx.KeepResident(output, [.. Enumerable.Range(0, parts).Select(j => new ResidentPart(0, j, j * part / q.Width, part / q.Width, oRegion))]);
        return output;
    }

    private static string InPlaceText(int? qRow, int? kRow) => (qRow, kRow) switch
    {
        (null, null) => "",
        (not null, not null) => ", Q and K where their projections left them",
        (not null, null) => ", Q where its projection left it",
        _ => ", K where its projection left it",
    };

    /// <summary>
    /// The buffer row where <paramref name="held"/> has group j's part j of <paramref name="part"/> pixels (sample 0),
    /// a pixel's <paramref name="blocks"/> blocks together, the same row in every group; null when it does not lie so.
    /// </summary>
    private static int? InPlaceRow(ResidentTensor? held, int parts, int part, int blocks)
    {
        if (held is null || held.Tensor.Blocks != blocks)
            return null;
        var found = Enumerable.Range(0, parts).Select(j => held.Find(0, j)).ToList();
        var width = held.Tensor.Width;
        if (found.Any(p => p is null) || found.Select((p, j) => p!.FirstRow * width == j * part && p.Rows * width == part).Any(ok => !ok))
            return null;
        var rows = found.Select(p => p!.ActRow).Distinct().ToList();
        return rows.Count == 1 ? rows[0] : null;
    }
}
