using DiffAcc.Accelerator.Isa;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// GroupNorm, with an activation table (SiLU) in the same pass when one follows: per sample, the
/// statistics of every channel (GN_STATS over bands), one GN_FINISH for all groups, then GN_APPLY band
/// by band in place and the store. When the tensor fits the buffer it is loaded once for both passes,
/// the statistics of a band beside the load of the next and the store of a band beside the next one's apply.
/// The statistics table is one for all PE groups, so the samples of a batch take turns at the vector unit,
/// which keeps them in order; the next sample loads into its own groups meanwhile.
/// </summary>
internal static class GroupNormLowering
{
    public static DdrTensor Lower(LoweringContext ctx, string name, DdrTensor x, string? activationPoint)
    {
        var c = ctx.Config;
        var tn = ctx.Tn;
        var groups = ctx.Model.Config.NormNumGroups;
        var perGroup = x.Channels / groups;
        var span = x.PixelBytes;
        if (span > c.MaxChannels)
            throw new CompileException(name, $"{x.Channels} channels ({span} with padding) exceed MaxChannels {c.MaxChannels} of preset {c.Name}");
        for (var g = 0; g < groups; g++)
        {
            var first = x.ChannelMap[g * perGroup];
            if (first % perGroup != 0 || Enumerable.Range(0, perGroup).Any(j => x.ChannelMap[(g * perGroup) + j] != first + j))
                throw new CompileException(name, $"group {g}'s channels are not {perGroup} consecutive bytes on a group boundary of the concatenated tensor");
        }
        // GN_FINISH covers the groups from channel 0 to the last real one (gaps between parts have zero sums);
        // the padding after it has gain and offset 0, which needs no statistics.
        var finishChannels = x.ChannelMap.Max() + 1;
        var count = LayerConstants.GroupNormCount(ctx.Model.Config, x.Channels, x.Pixels);
        if (count > 1 << 20)
            throw new CompileException(name, $"{count} values per group exceed the 2^20 the GroupNorm unit counts");
        var output = ctx.NewTensor(activationPoint ?? name, x.Channels, x.Height, x.Width, x.Blocks, x.ChannelMap);
        var onChip = ctx.ResidentCopy(x);
        var place = onChip is null ? null : onChip.PlaceBeside(onChip.RowBuffer, ctx.Config.ActivationRows, ctx.LastLayerRows(), ctx.HeldRows(x));
        // Else one band of whole rows per group, as the convolution after it splits its rows, so it can stay.
        var bands = onChip is null || place is null ? StreamBands.For(name, x.Pixels, x.Blocks, c.ActivationRows, c.Name, ctx.GroupsPerSample, ctx.GroupsPerSample, x.Width) : null;
        var stays = bands is null ? null : ResidentTensor.OfBands(x, bands, ctx.Batch, ctx.GroupsPerSample);
        var stayAt = stays is null ? null : stays.PlaceBeside(stays.RowBuffer, ctx.Config.ActivationRows, held: ctx.HeldRows(x));

        ctx.Begin(activationPoint is null ? name : $"{name} + {activationPoint}", activationPoint is null ? "GroupNorm" : "GroupNorm + SiLU");
        var zero = GroupNormEntry.Of(new GroupNormChannel(0, 0, GroupNormChannel.MinShift));
        // GN_STATS reads no table, so the tables load after the first sample's bands, under its statistics,
        // and GN_FINISH takes their token.
        var (parameterSlot, tableSlot) = (ctx.ParameterSlots(1), ctx.ActivationTableSlot());
        var tables = new List<LoadTable>();
        tables.Add(ctx.StepGroupTable(TableKind.GroupNorm, 0, g =>
        {
            var entries = LayerConstants.GroupNormChannels(ctx.Model.Parameters, name, ctx.Scale(name, g));
            var physical = Enumerable.Repeat<DataWord>(zero, span).ToArray();
            for (var ch = 0; ch < x.Channels; ch++)
                physical[x.ChannelMap[ch]] = GroupNormEntry.Of(entries[ch], ctx.Exponent(x.Point, ch, g));
            return physical;
        }));
        tables.Add(ctx.StepGroupTable(TableKind.Parameters, parameterSlot, g => [new GroupNormParameters { Count = (int)count, EpsilonTerm = LayerConstants.GroupNormEpsilon(ctx.Model.Config, x.Channels, x.Pixels, ctx.Scale(x.Point, g)) }]));
        if (activationPoint is not null)
            tables.Add(ctx.StepGroupActivationTables(tableSlot, g => [[.. ctx.SiluTable(name, activationPoint, g).Entries]]));

        if (bands is null)
        {
            var (gathered, leadRowsFirst) = InPlace(ctx, x, output, onChip!, place!.Value, tables, finishChannels, perGroup, activationPoint is not null, parameterSlot, tableSlot);
            ctx.End($"{x.Channels}x{x.Height}x{x.Width}, {groups} groups", $"in the buffers where the layer before left it, {onChip!.Parts.Count} parts{(gathered ? ", statistics gathered by the ADDs that wrote it" : "")}{(leadRowsFirst ? ", every part's first rows first" : "")}", 0);
            ctx.KeepResident(output, [.. onChip.Parts.Select(p => p with { ActRow = place.Value })], leadRowsFirst: leadRowsFirst);
            return output;
        }
        var middles = new List<Store>();
        for (var sample = 0; sample < ctx.Batch; sample++)
        {
            int GroupOf(int band) => (sample * ctx.GroupsPerSample) + bands.Part(band);
            Load Load(int band, Engines wait) => new()
            {
                Base = BaseRegister.Work,
                Group = GroupOf(band),
                Offset = x.At(sample) + ((long)bands[band].First * x.PixelBytes),
                ActRow = bands.Region(band),
                Rows = bands[band].Pixels * x.Blocks,
                Chunks = 1,
                Wait = wait,
                Signal = Engines.Vector,
            };
            for (var b = 0; b < bands.Count; b++)
            {
                ctx.Emit(Load(b, bands.ReusesRegion(b) ? Engines.Vector : Engines.None));
                ctx.Emit(new GroupNormStatistics { Group = GroupOf(b), Src = bands.Region(b), Pixels = bands[b].Pixels, Blocks = x.Blocks, SrcStride = x.Blocks, ChannelBase = 0, Clear = b == 0, Wait = Engines.Load, Signal = bands.FreesRegion(b) ? Engines.Load : Engines.None });
            }
            if (sample == 0)
            {
                for (var t = 0; t < tables.Count; t++)
                    ctx.Emit(tables[t] with { Signal = t == tables.Count - 1 ? Engines.Vector : Engines.None });
            }
            ctx.Emit(new GroupNormFinish { Channels = finishChannels, ChannelsPerGroup = perGroup, Param = parameterSlot, Wait = sample == 0 ? Engines.Load : Engines.None });
            // A resident tensor is applied where the statistics pass read it; bands that shared regions load again.
            if (!bands.Resident)
                ctx.Emit(new Sync());
            for (var b = 0; b < bands.Count; b++)
            {
                if (!bands.Resident)
                    ctx.Emit(Load(b, bands.ReusesRegion(b) ? Engines.Store : Engines.None));
                var region = bands.Region(b);
                var dst = stayAt ?? region;
                ctx.Emit(new GroupNormApply
                {
                    Group = GroupOf(b),
                    Src = region,
                    Pixels = bands[b].Pixels,
                    Blocks = x.Blocks,
                    SrcStride = x.Blocks,
                    Dst = dst,
                    DstStride = x.Blocks,
                    ChannelBase = 0,
                    Param = parameterSlot,
                    ApplyTable = activationPoint is not null,
                    Slot = tableSlot,
                    Wait = bands.Resident ? Engines.None : Engines.Load,
                    Signal = Engines.Store,
                });
                if (stays is not null)
                {
                    var (edges, middle) = PartStores(output, sample, GroupOf(b), bands[b].First / x.Width, bands[b].Pixels / x.Width, dst);
                    edges.ToList().ForEach(ctx.Emit);
                    if (middle is not null)
                        middles.Add(middle);
                    continue;
                }
                ctx.Emit(new Store
                {
                    Base = BaseRegister.Work,
                    Group = GroupOf(b),
                    Offset = output.At(sample) + ((long)bands[b].First * output.PixelBytes),
                    ActRow = dst,
                    Rows = bands[b].Pixels * x.Blocks,
                    Chunks = 1,
                    Wait = Engines.Vector,
                    Signal = bands.FreesRegion(b) ? Engines.Load : Engines.None,
                });
            }
            middles.ForEach(ctx.Emit);
            middles.Clear();
        }
        ctx.End($"{x.Channels}x{x.Height}x{x.Width}, {groups} groups", bands.ToString() + (stayAt is null ? "" : ", stays in the buffers"), 0);
        if (stays is not null && stayAt is { } at)
            ctx.KeepResident(output, [.. stays.Parts.Select(p => p with { ActRow = at })]);
        return output;
    }

    /// <summary>
    /// The tensor the layer before left in the buffers: statistics over its parts where they lie, then each
    /// part applied to row <paramref name="place"/> of its group (where the next convolution's window wants
    /// it) and stored from there. Nothing is loaded; the tokens come from the footprints. A tensor whose
    /// writer finished its channel blocks in chunks (a convolution's output-channel chunks) is normalized
    /// chunk by chunk, GroupNorm's groups never spanning two: the first chunk's statistics, finish and apply
    /// run on the vector unit while the array still computes the next. A tensor the ADDs of one sample wrote
    /// needs no statistics pass: they gather it as they write (<see cref="LoweringContext.GatherStatistics"/>).
    /// Returns whether they did, and whether every part's first rows were applied first.
    /// </summary>
    private static (bool Gathered, bool LeadRowsFirst) InPlace(LoweringContext ctx, DdrTensor x, DdrTensor output, ResidentTensor onChip, int place, IReadOnlyList<LoadTable> tables, int finishChannels, int perGroup, bool applyTable, int parameterSlot, int tableSlot)
    {
        var chunks = Chunks(x, onChip.WrittenBlocks, perGroup, ctx.Tn);
        // The ADDs that wrote the tensor (a residual add, a concatenation's rescales) gathered its statistics.
        var gathered = chunks.Count == 1 && ctx.GatherStatistics(x);
        var leadRowsFirst = chunks.Count == 1;
        var middles = new List<Store>();
        // Chunk by chunk, each sample in turn: a chunk's groups share no statistics with the next chunk's.
        for (var k = 0; k < chunks.Count; k++)
        {
            var chunk = chunks[k];
            for (var sample = 0; sample < ctx.Batch; sample++)
            {
                var parts = onChip.Parts.Where(p => p.Sample == sample).OrderBy(p => p.FirstRow).ToList();
                for (var i = 0; i < parts.Count && !gathered; i++)
                    ctx.Emit(new GroupNormStatistics { Group = parts[i].Group, Src = parts[i].ActRow + chunk.First, Pixels = parts[i].Rows * x.Width, Blocks = chunk.Count, SrcStride = x.Blocks, ChannelBase = chunk.First, Clear = i == 0 });
                if (sample == 0 && k == 0)
                {
                    foreach (var table in tables)
                        ctx.Emit(table);
                }
                // A chunk of padding only has gain and offset 0: it needs no statistics.
                if (chunk.First * ctx.Tn < finishChannels)
                    ctx.Emit(new GroupNormFinish { FirstChannel = chunk.First * ctx.Tn, Channels = Math.Min(finishChannels, chunk.End * ctx.Tn), ChannelsPerGroup = perGroup, Param = parameterSlot });
                // A sample's rows over several groups, normalized in one chunk: every part's edge rows, which the next
                // convolution's neighbouring windows read (in this group, Conv.HaloGroups, or from their DDR copy where
                // it cannot; UnreadStores drops the copy nothing loads), are applied and stored first, then the rows
                // between. (With two chunks the edge stores met the next layer's weights at the DDR: slower.)
                var between = new List<GroupNormApply>();
                var next = new List<GroupNormApply>();
                var later = new List<GroupNormApply>();
                foreach (var part in parts)
                {
                    var apply = new GroupNormApply { Group = part.Group, Src = part.ActRow + chunk.First, Pixels = part.Rows * x.Width, Blocks = chunk.Count, SrcStride = x.Blocks, Dst = place + chunk.First, DstStride = x.Blocks, ChannelBase = chunk.First, Param = parameterSlot, ApplyTable = applyTable, Slot = tableSlot };
                    if (k < chunks.Count - 1)
                    {
                        ctx.Emit(apply);
                        continue;
                    }
                    var (edges, middle) = PartStores(output, sample, part.Group, part.FirstRow, part.Rows, place);
                    if (middle is null || chunks.Count > 1 || parts.Count == 1)
                    {
                        leadRowsFirst = false;
                        ctx.Emit(apply);
                        edges.ToList().ForEach(ctx.Emit);
                        if (middle is not null)
                            middles.Add(middle);
                        continue;
                    }
                    const int halo = ResidentTensor.HaloRows;
                    var rowBuffer = x.Width * x.Blocks;
                    GroupNormApply Rows(int from, int count) => apply with { Src = apply.Src + (from * rowBuffer), Dst = apply.Dst + (from * rowBuffer), Pixels = count * x.Width };
                    ctx.Emit(Rows(0, halo));
                    ctx.Emit(Rows(part.Rows - halo, halo));
                    edges.ToList().ForEach(ctx.Emit);
                    // The rows a convolution reading this output in place computes first (ConvLowering.LeadRows) go
                    // before the rest, every part's; then as many again, which its second CONV computes.
                    var lead = ConvLowering.LeadRows(part.Rows);
                    var rest = part.Rows - (2 * halo) - lead;
                    if (rest >= 1)
                    {
                        between.Add(Rows(halo, lead));
                        var second = rest > lead ? lead : 0;
                        if (second > 0)
                            next.Add(Rows(halo + lead, second));
                        later.Add(Rows(halo + lead + second, rest - second));
                    }
                    else
                    {
                        leadRowsFirst = false;
                        between.Add(Rows(halo, part.Rows - (2 * halo)));
                    }
                    middles.Add(middle);
                }
                between.ForEach(ctx.Emit);
                next.ForEach(ctx.Emit);
                later.ForEach(ctx.Emit);
            }
        }
        middles.ForEach(ctx.EmitLater);
        return (gathered, leadRowsFirst);
    }

    /// <summary>
    /// The chunks of channel blocks to normalize one after another: the writer's own, when they run from block 0
    /// upwards and no GroupNorm group spans two; else one chunk of every block. (The chunks before the last merged
    /// into one measured slower: CIFAR batch 1 2,169,864 cycles against 2,167,657, batch 4 7,682,504 against 7,649,192.)
    /// </summary>
    private static IReadOnlyList<BlockRange> Chunks(DdrTensor x, IReadOnlyList<BlockRange> written, int perGroup, int tn)
    {
        IReadOnlyList<BlockRange> whole = [new BlockRange(0, x.Blocks)];
        for (var k = 0; k < written.Count; k++)
        {
            if (written[k].First != (k == 0 ? 0 : written[k - 1].End))
                return whole;
        }
        if (written.Count < 2 || written[^1].End != x.Blocks)
            return whole;
        var boundaries = written.Skip(1).Select(r => r.First * tn).ToList();
        for (var first = 0; first < x.Channels; first += perGroup)
        {
            var physical = x.ChannelMap[first];
            if (boundaries.Any(b => physical < b && physical + perGroup > b))
                return whole;
        }
        // Each chunk as its CONV finishes it: a chunk's statistics, finish and apply run under the next chunk's CONV.
        return written;
    }

    /// <summary>
    /// The STOREs of a part that stays in the buffers: its first and last <see cref="ResidentTensor.HaloRows"/>
    /// image rows, which the next convolution's neighbouring windows load as their halo where they cannot read them in this group, right after the
    /// part's apply; then the rows between, which nothing waits for, once every part is applied.
    /// </summary>
    private static (IReadOnlyList<Store> Edges, Store? Middle) PartStores(DdrTensor output, int sample, int group, int firstRow, int rows, int actRow)
    {
        const int halo = ResidentTensor.HaloRows;
        var rowBuffer = output.Width * output.Blocks;
        Store Rows(int from, int count) => new() { Base = BaseRegister.Work, Group = group, Offset = output.At(sample) + ((long)(firstRow + from) * output.Width * output.PixelBytes), ActRow = actRow + (from * rowBuffer), Rows = count * rowBuffer, Chunks = 1 };
        return rows <= 2 * halo ? ([Rows(0, rows)], null) : ([Rows(0, halo), Rows(rows - halo, halo)], Rows(halo, rows - (2 * halo)));
    }
}
