using DiffAcc.Accelerator.Isa;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// The passes that stream whole pixels through the vector unit from DDR to DDR: residual add, an
/// activation table alone, and concatenation (each part placed in its channel blocks of the buffer
/// rows and rescaled in place to the concatenation's scale). In the buffer each pixel's inputs lie
/// side by side, so every load and the store is one DDR run per band.
/// </summary>
internal static class ElementwiseLowering
{
    public static DdrTensor Add(LoweringContext ctx, string point, DdrTensor a, DdrTensor b)
    {
        if (a.Channels != b.Channels || a.Pixels != b.Pixels || !a.ChannelMap.SequenceEqual(b.ChannelMap))
            throw new CompileException(point, $"the operands {a.Channels}x{a.Height}x{a.Width} and {b.Channels}x{b.Height}x{b.Width} do not have one shape and channel layout");
        if (ctx.SplitBlocks(a.Point) is not null || ctx.SplitBlocks(b.Point) is not null)
            throw new CompileException(point, "a concatenation with split scales added without a shortcut convolution: the residual add has one scale per operand");
        var output = ctx.NewTensor(point, a.Channels, a.Height, a.Width, a.Blocks, a.ChannelMap);
        var (heldA, heldB) = (ctx.ResidentCopy(a), ctx.ResidentCopy(b));
        var onChip = heldA ?? heldB;
        var place = onChip is null ? null : onChip.PlaceBeside(onChip.RowBuffer, ctx.Config.ActivationRows, held: ctx.HeldRows(onChip.Tensor));
        ctx.Begin(point, "residual add");
        var slot = ctx.ParameterSlots(1);
        ctx.Emit(ctx.StepGroupTable(TableKind.Parameters, slot, g => [AddParameters.Of(ResidualAdd.FromScales(ctx.Scale(a.Point, g), ctx.Scale(b.Point, g), ctx.Scale(point, g)))]));
        if (heldA is not null && heldB is not null && heldA.SameParts(heldB))
        {
            // Both operands are where the layers before left them, part for part: the sum replaces the first.
            foreach (var (pa, pb) in heldA.Parts.Zip(heldB.Parts))
            {
                var pixels = pa.Rows * a.Width;
                ctx.EmitWriting(new Isa.Add { Group = pa.Group, Src = pa.ActRow, SrcB = pb.ActRow, Pixels = pixels, Blocks = a.Blocks, SrcStride = a.Blocks, Dst = pa.ActRow, DstStride = a.Blocks, Param = slot }, output, 0);
                ctx.Emit(new Store { Base = BaseRegister.Work, Group = pa.Group, Offset = output.At(pa.Sample) + ((long)pa.FirstRow * a.Width * a.PixelBytes), ActRow = pa.ActRow, Rows = pixels * a.Blocks, Chunks = 1 });
            }
            ctx.End($"{a.Channels}x{a.Height}x{a.Width}", $"both operands in the buffers, {heldA.Parts.Count} parts", 0);
            ctx.KeepResident(output, heldA.Parts);
            return output;
        }
        if (onChip is not null && place is { } row)
        {
            // One operand is where the layer before left it: the other loads beside it, part by part, and the sum stays there.
            var aHeld = ReferenceEquals(onChip.Tensor, a);
            var other = aHeld ? b : a;
            foreach (var part in onChip.Parts)
            {
                var pixels = part.Rows * a.Width;
                var offset = (long)part.FirstRow * a.Width * a.PixelBytes;
                ctx.Emit(new Load { Base = BaseRegister.Work, Group = part.Group, Offset = other.At(part.Sample) + offset, ActRow = row, Rows = pixels * a.Blocks, Chunks = 1 });
                ctx.EmitWriting(new Isa.Add { Group = part.Group, Src = aHeld ? part.ActRow : row, SrcB = aHeld ? row : part.ActRow, Pixels = pixels, Blocks = a.Blocks, SrcStride = a.Blocks, Dst = row, DstStride = a.Blocks, Param = slot }, output, 0);
                ctx.Emit(new Store { Base = BaseRegister.Work, Group = part.Group, Offset = output.At(part.Sample) + offset, ActRow = row, Rows = pixels * a.Blocks, Chunks = 1 });
            }
            ctx.End($"{a.Channels}x{a.Height}x{a.Width}", $"{(aHeld ? "first" : "second")} operand in the buffers, {onChip.Parts.Count} parts", 0);
            ctx.KeepResident(output, [.. onChip.Parts.Select(p => p with { ActRow = row })]);
            return output;
        }
        var bands = Stream(ctx, point, [a, b], output, (group, region, pixels) =>
            [new Isa.Add { Group = group, Src = region, SrcB = region + a.Blocks, Pixels = pixels, Blocks = a.Blocks, SrcStride = 2 * a.Blocks, Dst = region, DstStride = 2 * a.Blocks, Param = slot }]);
        ctx.End($"{a.Channels}x{a.Height}x{a.Width}", bands.ToString(), 0);
        return output;
    }

    public static DdrTensor Activate(LoweringContext ctx, string point, DdrTensor x, Func<int, ActivationTable> table)
    {
        var output = ctx.NewTensor(point, x.Channels, x.Height, x.Width, x.Blocks, x.ChannelMap);
        ctx.Begin(point, "activation table");
        var slot = ctx.ActivationTableSlot();
        ctx.Emit(ctx.StepGroupActivationTables(slot, g => [[.. table(g).Entries]]));
        var bands = Stream(ctx, point, [x], output, (group, region, pixels) =>
            [new Activate { Group = group, Src = region, Pixels = pixels, Blocks = x.Blocks, SrcStride = x.Blocks, Dst = region, DstStride = x.Blocks, Slot = slot }]);
        ctx.End($"{x.Channels}x{x.Height}x{x.Width}", bands.ToString(), 0);
        return output;
    }

    public static DdrTensor Concat(LoweringContext ctx, string point, DdrTensor a, DdrTensor b)
        => Concat(ctx, point, a, b, sum: null) ?? throw new InvalidOperationException("a concatenation of stored parts is always lowered");

    /// <summary>
    /// The concatenation of a pending residual add's sums (<paramref name="sum"/>) and <paramref name="b"/>, the ADD
    /// writing its sums straight into the first part's channel blocks through a table that rescales them to the
    /// concatenation's scale: one pass where the sum and its rescale took two. Null, with nothing emitted, when the
    /// add's operands are not both in the buffers part for part or the concatenation has no room to stay there.
    /// </summary>
    public static DdrTensor? ConcatOfSum(LoweringContext ctx, string point, PendingAddValue sum, DdrTensor b)
    {
        var (x, y) = (sum.A, sum.B);
        if (x.Channels != y.Channels || x.Pixels != y.Pixels || !x.ChannelMap.SequenceEqual(y.ChannelMap) || ctx.SplitBlocks(x.Point) is not null || ctx.SplitBlocks(y.Point) is not null)
            return null;
        var (heldX, heldY) = (ctx.ResidentCopy(x), ctx.ResidentCopy(y));
        if (heldX is null || heldY is null || !heldX.SameParts(heldY) || (ctx.ResidentCopy(b) is { } heldB && !heldB.SameParts(heldX)))
            return null;
        var a = ctx.NewTensor(sum.Name, x.Channels, x.Height, x.Width, x.Blocks, x.ChannelMap);
        return Concat(ctx, point, a, b, new SumOperands(sum.Name, x, y, heldX, heldY));
    }

    /// <summary>The operands of the residual add that writes a concatenation's first part, both in the buffers, part for part.</summary>
    private sealed record SumOperands(string Point, DdrTensor X, DdrTensor Y, ResidentTensor HeldX, ResidentTensor HeldY);

    private static DdrTensor? Concat(LoweringContext ctx, string point, DdrTensor a, DdrTensor b, SumOperands? sum)
    {
        if (a.Height != b.Height || a.Width != b.Width)
            throw new CompileException(point, $"the parts {a.Height}x{a.Width} and {b.Height}x{b.Width} differ in size");
        var map = a.ChannelMap.Concat(b.ChannelMap.Select(p => p + a.PixelBytes)).ToArray();
        var output = ctx.NewTensor(point, a.Channels + b.Channels, a.Height, a.Width, a.Blocks + b.Blocks, map);
        if (output.PixelBytes > ctx.Config.MaxChannels)
            throw new CompileException(point, $"{output.Channels} channels ({output.PixelBytes} with padding) exceed MaxChannels {ctx.Config.MaxChannels} of preset {ctx.Config.Name}");
        var blocks = output.Blocks;
        var parts = sum is null ? InPlaceParts(ctx, a, b) : (sum.HeldX, ctx.ResidentCopy(b) is null ? 1 : 2);
        var place = parts?.Held.PlaceBeside(a.Width * blocks, ctx.Config.ActivationRows, ctx.LastLayerRows(), ctx.HeldRows(), busier: ctx.LastLayerRows(2));
        if (sum is not null && place is null)
            return null;
        ctx.Begin(point, "concat + rescale");
        // With split scales each part goes to its own power-of-two step of the concatenation's scale.
        if (ctx.Model.Quantization.Concat == ConcatScales.Split)
            ctx.RecordSplitConcat(point, a, b);
        var slot = ctx.ParameterSlots(2);
        // A table load per part: a part that is ready early (a skip tensor in DDR) is rescaled without waiting for the other's parameters' slot.
        SplitConcat Split(int g) => SplitConcat.For(ctx.Model.Quantization.Concat, ctx.Model.Quantization.Scale(point, g), ctx.Scale(a.Point, g), ctx.Scale(b.Point, g));
        ResidualAdd RescaleA(int g) => ResidualAdd.Rescale(ctx.Scale(a.Point, g), Split(g).ScaleA);
        var tableSlot = 0;
        if (sum is null)
        {
            ctx.Emit(ctx.StepGroupTable(TableKind.Parameters, slot, g => [AddParameters.Of(RescaleA(g))]));
        }
        else
        {
            // The sum's own rounding first, then the rescale's: the table holds the rescale of every int8 sum.
            ctx.Emit(ctx.StepGroupTable(TableKind.Parameters, slot, g => [AddParameters.Of(ResidualAdd.FromScales(ctx.Scale(sum.X.Point, g), ctx.Scale(sum.Y.Point, g), ctx.Scale(sum.Point, g)))]));
            tableSlot = ctx.ActivationTableSlot();
            ctx.Emit(ctx.StepGroupActivationTables(tableSlot, g => [[.. Enumerable.Range(sbyte.MinValue, 256).Select(v => RescaleA(g).Apply((sbyte)v, 0))]]));
        }
        ctx.Emit(ctx.StepGroupTable(TableKind.Parameters, slot + 1, g => [AddParameters.Of(ResidualAdd.Rescale(ctx.Scale(b.Point, g), Split(g).ScaleB))]));
        if (parts is { } inPlace && place is { } row)
        {
            // A part in the buffers is rescaled from where it lies into its blocks of the output's rows; the other
            // is loaded there first and rescaled in place. The concatenation stays in the buffers.
            for (var k = 0; k < inPlace.Held.Parts.Count; k++)
            {
                var part = inPlace.Held.Parts[k];
                var pixels = part.Rows * a.Width;
                var first = 0;
                foreach (var (t, param) in new[] { (a, slot), (b, slot + 1) })
                {
                    if (sum is not null && ReferenceEquals(t, a))
                    {
                        ctx.EmitWriting(new Isa.Add { Group = part.Group, Src = part.ActRow, SrcB = sum.HeldY.Parts[k].ActRow, Pixels = pixels, Blocks = a.Blocks, SrcStride = a.Blocks, Dst = row + first, DstStride = blocks, Param = param, ApplyTable = true, Slot = tableSlot }, output, first);
                    }
                    else
                    {
                        // Asked again for every part: the output's place may lie over the other part's rows (where the
                        // buffer has no room beside both), and then the rescale of the first has written over them.
                        var src = ctx.ResidentCopy(t)?.Find(part.Sample, part.Group) is { } held && held.FirstRow == part.FirstRow && held.Rows == part.Rows ? held : null;
                        if (src is null)
                            ctx.Emit(new Load { Base = BaseRegister.Work, Group = part.Group, Offset = t.At(part.Sample) + ((long)part.FirstRow * t.Width * t.PixelBytes), ActRow = row + first, Rows = t.Blocks, Chunks = pixels, DdrStride = t.PixelBytes, ActStride = blocks });
                        ctx.EmitWriting(new Isa.Add { Group = part.Group, Src = src?.ActRow ?? row + first, Pixels = pixels, Blocks = t.Blocks, SrcStride = src is null ? blocks : t.Blocks, Dst = row + first, DstStride = blocks, Param = param, SingleOperand = true }, output, first);
                    }
                    first += t.Blocks;
                }
                ctx.Emit(new Store { Base = BaseRegister.Work, Group = part.Group, Offset = output.At(part.Sample) + ((long)part.FirstRow * output.Width * output.PixelBytes), ActRow = row, Rows = pixels * blocks, Chunks = 1 });
            }
            var summed = sum is null ? "" : $", the first summed there by {sum.Point}";
            ctx.End($"{a.Channels} + {b.Channels} -> {output.Channels}x{a.Height}x{a.Width}", $"{inPlace.Count} of 2 parts in the buffers{summed}, {inPlace.Held.Parts.Count} parts, stays in the buffers", 0);
            ctx.KeepResident(output, [.. inPlace.Held.Parts.Select(p => p with { ActRow = row })]);
            return output;
        }
        var bands = Stream(ctx, point, [a, b], output, (group, region, pixels) =>
        [
            new Isa.Add { Group = group, Src = region, Pixels = pixels, Blocks = a.Blocks, SrcStride = blocks, Dst = region, DstStride = blocks, Param = slot, SingleOperand = true },
            new Isa.Add { Group = group, Src = region + a.Blocks, Pixels = pixels, Blocks = b.Blocks, SrcStride = blocks, Dst = region + a.Blocks, DstStride = blocks, Param = slot + 1, SingleOperand = true },
        ]);
        // Each band rescaled where it was loaded, a pixel's blocks together: the concatenation stays there.
        var stays = ResidentTensor.OfBands(output, bands, ctx.Batch, ctx.GroupsPerSample);
        ctx.End($"{a.Channels} + {b.Channels} -> {output.Channels}x{a.Height}x{a.Width}", bands.ToString() + (stays is null ? "" : ", stays in the buffers"), 0);
        if (stays is not null)
            ctx.KeepResident(output, stays.Parts);
        return output;
    }

    /// <summary>
    /// The parts of whichever of <paramref name="a"/> and <paramref name="b"/> lie in the buffers, when every part is
    /// whole image rows and the other tensor, if it lies there too, has the same parts; and how many of the two do.
    /// </summary>
    private static (ResidentTensor Held, int Count)? InPlaceParts(LoweringContext ctx, DdrTensor a, DdrTensor b)
    {
        var (heldA, heldB) = (ctx.ResidentCopy(a), ctx.ResidentCopy(b));
        if (heldA is not null && heldB is not null)
            return heldA.SameParts(heldB) ? (heldA, 2) : null;
        var held = heldA ?? heldB;
        return held is null ? null : (held, 1);
    }

    /// <summary>
    /// Loads every input side by side into each pixel's buffer rows, runs <paramref name="work"/> per sample
    /// on a band (its group, first buffer row and pixel count) as soon as that sample's rows are in (the
    /// samples of a batch lie in groups of their own, so one loads while the vector unit works on another), and stores the first <paramref name="output"/>.Blocks rows of each pixel.
    /// </summary>
    private static StreamBands Stream(LoweringContext ctx, string layer, IReadOnlyList<DdrTensor> inputs, DdrTensor output, Func<int, int, int, IReadOnlyList<VectorMap>> work)
    {
        var rowsPerPixel = inputs.Sum(t => t.Blocks);
        var bands = StreamBands.For(layer, output.Pixels, rowsPerPixel, ctx.Config.ActivationRows, ctx.Config.Name, ctx.GroupsPerSample);
        int GroupOf(int sample, int band) => (sample * ctx.GroupsPerSample) + bands.Part(band);
        for (var b = 0; b < bands.Count; b++)
        {
            var (first, pixels) = bands[b];
            var region = bands.Region(b);
            for (var sample = 0; sample < ctx.Batch; sample++)
            {
                var place = 0;
                for (var k = 0; k < inputs.Count; k++)
                {
                    var t = inputs[k];
                    ctx.Emit(new Load
                    {
                        Base = BaseRegister.Work,
                        Group = GroupOf(sample, b),
                        Offset = t.At(sample) + ((long)first * t.PixelBytes),
                        ActRow = region + place,
                        Rows = t.Blocks,
                        Chunks = pixels,
                        DdrStride = t.PixelBytes,
                        ActStride = rowsPerPixel,
                        Wait = sample == 0 && k == 0 && bands.ReusesRegion(b) ? Engines.Store : Engines.None,
                        Signal = k == inputs.Count - 1 ? Engines.Vector : Engines.None,
                    });
                    place += t.Blocks;
                }
            }
            for (var sample = 0; sample < ctx.Batch; sample++)
            {
                var instructions = work(GroupOf(sample, b), region, pixels);
                for (var i = 0; i < instructions.Count; i++)
                {
                    // The work writes each pixel's first output.Blocks rows from the band's region on.
                    ctx.EmitWriting(instructions[i] with { Wait = i == 0 ? Engines.Load : Engines.None, Signal = i == instructions.Count - 1 ? Engines.Store : Engines.None }, output, instructions[i].Dst - region);
                }
            }
            for (var sample = 0; sample < ctx.Batch; sample++)
            {
                ctx.Emit(new Store
                {
                    Base = BaseRegister.Work,
                    Group = GroupOf(sample, b),
                    Offset = output.At(sample) + ((long)first * output.PixelBytes),
                    ActRow = region,
                    Rows = output.Blocks,
                    Chunks = pixels,
                    DdrStride = output.PixelBytes,
                    ActStride = rowsPerPixel,
                    Wait = Engines.Vector,
                    Signal = sample == ctx.Batch - 1 && bands.FreesRegion(b) ? Engines.Load : Engines.None,
                });
            }
        }
        return bands;
    }
}
