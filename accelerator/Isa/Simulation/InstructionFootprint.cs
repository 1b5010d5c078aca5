using DiffAcc.Accelerator.Configuration;

namespace DiffAcc.Accelerator.Isa.Simulation;

/// <summary>One access of an instruction: <see cref="Count"/> units from <see cref="First"/> of a memory (<see cref="Space"/>); <see cref="Ddr"/> for DDR lines.</summary>
public readonly record struct MemoryAccess(string Space, long First, long Count, bool Write, bool Ddr = false);

/// <summary>
/// Where DDR accesses go for the hazard analysis: physical 16-byte lines when the registers are known (the
/// functional simulator), else lines relative to each base register with STEP taken as 0 (the program
/// builder, which knows neither; two bases are assumed not to overlap).
/// </summary>
public sealed record DdrSpaces(Func<DmaInstruction, int, (string Space, long Address)> Locate)
{
    public static DdrSpaces Physical(MachineRegisters registers) => new((i, stepGroup) => ("DDR line", i.Address(registers, stepGroup)));

    public static DdrSpaces PerBase { get; } = new((i, stepGroup) => ($"DDR line of BASE{i.Base}", i.Offset + (i.StepMode == StepMode.StepGroup ? (long)stepGroup * i.StepStride : 0)));
}

/// <summary>
/// What an instruction reads and writes, by memory: activation buffer and accumulator bank rows per group,
/// requantizer, GroupNorm, activation and parameter table entries, the pad value, the input exponents and DDR
/// lines. One definition for the functional simulator's race check and the program builder's: each unit is
/// exactly what the simulator's semantics touch (a test compares the two on every scenario). The weight
/// buffer's banks are not here: the schedule orders them.
/// </summary>
public static class InstructionFootprint
{
    public const string PadValue = "pad value";

    public const string InputExponents = "input exponents";

    public const string GroupNormChannels = "GroupNorm channel table, channel";

    public const string ActivationTables = "activation table slot";

    public const string Parameters = "parameter slot";

    public static string ActivationRows(int group) => $"activation buffer {group} row";

    public static string AccumulatorRows(int group) => $"accumulator bank {group} row";

    public static string RequantizerChannels(AcceleratorConfig config, int stepGroup, bool bank) => $"requantizer table slot {config.RequantizerSlot(stepGroup, bank)}, channel";

    public static IEnumerable<MemoryAccess> Of(AcceleratorConfig c, ScheduledInstruction step, DdrSpaces ddr) => step.Instruction switch
    {
        Load i => Load(c, i, step.StepGroup, ddr),
        Store i => Store(c, i, step.StepGroup, ddr),
        LoadTable i => LoadTable(c, i, step.StepGroup, ddr),
        MoveWeights i => MoveWeights(c, i),
        Conv i => Conv(c, i, step.StepGroup),
        Activate i => [new(ActivationTables, i.Slot, 1, false), .. Map(i, i.Group, i.Dst, i.DstStride, secondOperand: null)],
        Add i => [new(Parameters, i.Param, 1, false), .. i.ApplyTable ? [new MemoryAccess(ActivationTables, i.Slot, 1, false)] : Array.Empty<MemoryAccess>(), .. Map(i, i.Group, i.Dst, i.DstStride, i.SingleOperand ? null : i.SrcB)],
        GroupNormStatistics i => [.. Rows(i, 0, 0).Select(r => new MemoryAccess(ActivationRows(i.Group), r.Src, 1, false))],
        GroupNormFinish i => GroupNormFinish(i),
        GroupNormApply i => GroupNormApply(c, i),
        Softmax i => Softmax(c, i),
        _ => [],
    };

    /// <summary>The DDR lines of <paramref name="bytes"/> bytes from <paramref name="address"/>: AXI beats, so two instructions touching different bytes of a line touch the same memory.</summary>
    public static MemoryAccess DdrLines(string space, long address, long bytes, bool write) => new(space, address >> 4, ((address + bytes - 1) >> 4) - (address >> 4) + 1, write, Ddr: true);

    private static IEnumerable<MemoryAccess> Load(AcceleratorConfig c, Load i, int stepGroup, DdrSpaces ddr)
    {
        var (space, address) = ddr.Locate(i, stepGroup);
        for (var k = 0; k < i.Chunks; k++)
        {
            yield return DdrLines(space, address + (k * i.DdrStride), (long)i.Rows * c.Tn, false);
            yield return new(ActivationRows(i.Group), i.ActRow + (k * i.ActStride), i.Rows, true);
        }
    }

    private static IEnumerable<MemoryAccess> Store(AcceleratorConfig c, Store i, int stepGroup, DdrSpaces ddr)
    {
        var (space, address) = ddr.Locate(i, stepGroup);
        for (var k = 0; k < i.Chunks; k++)
        {
            yield return new(ActivationRows(i.Group), i.ActRow + (k * i.ActStride), i.Rows, false);
            yield return DdrLines(space, address + (k * i.DdrStride), (long)i.Rows * c.Tn, true);
        }
    }

    private static IEnumerable<MemoryAccess> LoadTable(AcceleratorConfig c, LoadTable i, int stepGroup, DdrSpaces ddr)
    {
        var (space, address) = ddr.Locate(i, stepGroup);
        var entryBytes = i.Kind == TableKind.Activation ? 256 : DataWord.Bytes;
        yield return DdrLines(space, address, (long)i.Count * entryBytes, false);
        var table = i.Kind switch
        {
            TableKind.Requantization => RequantizerChannels(c, stepGroup, i.TableBank),
            TableKind.GroupNorm => GroupNormChannels,
            TableKind.Activation => ActivationTables,
            TableKind.Padding => PadValue,
            TableKind.InputExponents => InputExponents,
            _ => Parameters,
        };
        yield return new(table, i.First, i.Count, true);
    }

    private static IEnumerable<MemoryAccess> MoveWeights(AcceleratorConfig c, MoveWeights i)
    {
        int tm = c.Tm, tn = c.Tn;
        var rows = ActivationRows(i.Group);
        for (var o = 0; o < i.OutBlocks; o++)
        {
            for (var b = 0; b < i.InBlocks; b++)
            {
                if (!i.Transpose)
                {
                    for (var m = 0; m < tm; m++)
                        yield return new(rows, i.ActRow + (((o * tm) + m) * i.PixelStride) + b, 1, false);
                }
                else
                {
                    for (var n = 0; n < tn; n++)
                        yield return new(rows, i.ActRow + (((b * tn) + n) * i.PixelStride) + (o * tm / tn), 1, false);
                }
            }
        }
    }

    private static IEnumerable<MemoryAccess> Conv(AcceleratorConfig c, Conv v, int stepGroup)
    {
        int tm = c.Tm, tn = c.Tn;
        if (v.PadWithZeroPoint)
            yield return new(PadValue, 0, 1, false);
        if (v.Exponent != 0)
            yield return new(InputExponents, 0, 1, false);
        foreach (var (group, first, count) in ConvInputRows(v, c.Groups))
            yield return new(ActivationRows(group), first, count, false);
        var requantizes = v.Output is ConvOutput.Requantize or ConvOutput.AccumulatorAddRequantize;
        for (var g = 0; g < c.Groups; g++)
        {
            if ((v.GroupMask >> g & 1) == 0)
                continue;
            for (var o = 0; o < v.CoutBlocks; o++)
            {
                var block = v.CoutBase + o;
                for (var pixel = 0; pixel < v.OutRows * v.OutCols; pixel++)
                {
                    if (v.Output != ConvOutput.Requantize)
                    {
                        var row = v.AccRow + (pixel * v.CoutBlocks) + o;
                        if (v.Output != ConvOutput.AccumulatorStore)
                            yield return new(AccumulatorRows(g), row, 1, false);
                        yield return new(AccumulatorRows(g), row, 1, true);
                    }
                    if (!requantizes)
                        continue;
                    yield return new(RequantizerChannels(c, stepGroup, v.TableBank), block * tm, tm, false);
                    yield return new(ActivationRows(g), v.OutRow + (pixel * v.OutPixelStride) + (block * tm / tn), 1, true);
                }
            }
        }
    }

    /// <summary>
    /// The activation rows a CONV reads, as runs in each group: every input pixel a tap inside the grid reads, each
    /// of its CinBlocks rows, in the group that holds it (a neighbour's with <see cref="Conv.HaloGroups"/>).
    /// </summary>
    public static IEnumerable<(int Group, int First, int Count)> ConvInputRows(Conv v, int groups)
    {
        var taps = v.Kernel3x3 ? 9 : 1;
        var k = v.Kernel3x3 ? 3 : 1;
        var stride = v.Stride2 ? 2 : 1;
        var up = v.Upsample ? 1 : 0;
        var gridRows = v.InRows << up;
        var gridCols = v.InCols << up;
        var read = Enumerable.Range(0, groups).Select(_ => new SortedSet<int>()).ToArray();
        for (var g = 0; g < groups; g++)
        {
            if ((v.GroupMask >> g & 1) == 0)
                continue;
            for (var oy = 0; oy < v.OutRows; oy++)
            {
                for (var ox = 0; ox < v.OutCols; ox++)
                {
                    for (var tap = 0; tap < taps; tap++)
                    {
                        var gx = (ox * stride) + (tap % k) + v.ColOffset;
                        if (gx < 0 || gx >= gridCols || ConvHalo.Source(v, g, groups, (oy * stride) + (tap / k) + v.RowOffset, gridRows) is not { } source)
                            continue;
                        read[source.Group].Add(v.InRow + ((((source.Row >> up) * v.InCols) + (gx >> up)) * v.InPixelStride));
                    }
                }
            }
        }
        for (var g = 0; g < groups; g++)
        {
            foreach (var (first, count) in Runs(read[g].SelectMany(r => Enumerable.Range(r, v.CinBlocks))))
                yield return (g, first, count);
        }
    }

    private static IEnumerable<(int Src, int Dst, int Block)> Rows(VectorStream s, int dst, int dstStride)
    {
        for (var p = 0; p < s.Pixels; p++)
        {
            for (var b = 0; b < s.Blocks; b++)
                yield return (s.Src + (p * s.SrcStride) + b, dst + (p * dstStride) + b, b);
        }
    }

    private static IEnumerable<MemoryAccess> Map(VectorStream s, int group, int dst, int dstStride, int? secondOperand)
    {
        var rows = ActivationRows(group);
        foreach (var (src, to, _) in Rows(s, dst, dstStride))
        {
            yield return new(rows, src, 1, false);
            if (secondOperand is { } srcB)
                yield return new(rows, srcB + (src - s.Src), 1, false);
            yield return new(rows, to, 1, true);
        }
    }

    private static IEnumerable<MemoryAccess> GroupNormFinish(GroupNormFinish f)
    {
        yield return new(Parameters, f.Param, 1, false);
        // The exponent of every channel of every group the instruction covers is read at finish.
        for (var first = f.FirstChannel; first < f.Channels; first += f.ChannelsPerGroup)
            yield return new(GroupNormChannels, first, f.ChannelsPerGroup, false);
    }

    private static IEnumerable<MemoryAccess> GroupNormApply(AcceleratorConfig c, GroupNormApply a)
    {
        yield return new(Parameters, a.Param, 1, false);
        if (a.ApplyTable)
            yield return new(ActivationTables, a.Slot, 1, false);
        var rows = ActivationRows(a.Group);
        foreach (var (src, dst, block) in Rows(a, a.Dst, a.DstStride))
        {
            yield return new(rows, src, 1, false);
            yield return new(GroupNormChannels, (a.ChannelBase + block) * c.Tn, c.Tn, false);
            yield return new(rows, dst, 1, true);
        }
    }

    private static IEnumerable<MemoryAccess> Softmax(AcceleratorConfig c, Softmax s)
    {
        yield return new(Parameters, s.Param, 1, false);
        for (var r = 0; r < s.Rows; r++)
        {
            yield return new(AccumulatorRows(s.Group), s.Src + (r * s.RowLength / c.Tm), s.RowLength / c.Tm, false);
            yield return new(ActivationRows(s.Group), s.Dst + (r * s.DstStride), s.RowLength / c.Tn, true);
        }
    }

    /// <summary>Row numbers (any order, duplicates allowed) as runs of consecutive rows.</summary>
    private static IEnumerable<(int First, int Count)> Runs(IEnumerable<int> rows)
    {
        int first = -1, count = 0;
        foreach (var r in rows.Distinct().Order())
        {
            if (count > 0 && r == first + count)
            {
                count++;
                continue;
            }
            if (count > 0)
                yield return (first, count);
            (first, count) = (r, 1);
        }
        if (count > 0)
            yield return (first, count);
    }
}
