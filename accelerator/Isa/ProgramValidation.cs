using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Isa;

/// <summary>
/// The checks a program passes before it runs: every field within its configuration's buffers and
/// tables, the masks name other engines, the program ends with its only FINISH, every token is
/// taken, the hardware's queues and weight banks cannot deadlock it, and no two instructions of different
/// engines touch the same memory without a token between them (<see cref="HazardAnalysis"/>; DDR by base
/// register, as the builder knows no addresses).
/// </summary>
public static class ProgramValidation
{
    /// <summary>Parameter slots of the vector unit (a 4-bit field).</summary>
    public const int ParameterSlots = 16;

    public static IReadOnlyList<string> Check(AcceleratorConfig config, IReadOnlyList<Instruction> program)
    {
        var problems = new List<string>();
        for (var i = 0; i < program.Count; i++)
        {
            var instruction = program[i];
            var format = InstructionSet.Format(instruction);
            var name = $"instruction {i} ({format.Mnemonic})";
            try
            {
                InstructionSet.Encode(instruction, name);
            }
            catch (FieldRangeException e)
            {
                problems.Add(e.Message);
                continue;
            }
            foreach (var problem in Fields(config, instruction))
                problems.Add($"{name}: {problem}");
        }
        var finishes = program.Select((p, i) => (p, i)).Where(x => x.p is Finish).Select(x => x.i).ToList();
        if (finishes.Count != 1 || finishes[0] != program.Count - 1)
            problems.Add(finishes.Count == 0 ? "the program does not end with FINISH" : $"FINISH must be the last instruction and appear once (found at {string.Join(", ", finishes)} of {program.Count})");
        if (problems.Count > 0)
            return problems;

        // The schedule the hardware may take, with every instruction's footprint: a deadlock, and every pair of
        // accesses to the same memory that no token orders (the hardware may run them either way round).
        try
        {
            var hazards = HazardAnalysis.Check(config, program);
            problems.AddRange(hazards.Races.Select(race => $"race: {race}"));
            if (hazards.RaceCount > hazards.Races.Count)
                problems.Add($"race: and {hazards.RaceCount - hazards.Races.Count} more unordered access(es)");
        }
        catch (DeadlockException e)
        {
            problems.Add(e.Message);
        }
        foreach (var (from, to, count, givers) in UntakenTokens(program))
        {
            // Tokens are counts, so the surplus is the last givers': name them, as a person would look for them.
            var surplus = givers.TakeLast(count).ToList();
            var named = string.Join(", ", surplus.Take(5).Select(i => $"{i} ({InstructionSet.Format(program[i]).Mnemonic})")) + (surplus.Count > 5 ? $" and {surplus.Count - 5} more" : "");
            problems.Add($"{count} token(s) from {from.ToString().ToUpperInvariant()} to {to.ToString().ToUpperInvariant()} are given but never taken: the surplus is given by instruction {named}");
        }
        return problems;
    }

    /// <summary>
    /// What is wrong with one instruction's fields on <paramref name="config"/>: ranges of the buffers,
    /// banks, tables and groups it touches, alignments, counts. The checked builder reports these for the
    /// whole program; the functional simulator raises the first as a <see cref="Simulation.MachineFault"/>
    /// when it runs an unchecked program's instruction.
    /// </summary>
    public static IEnumerable<string> InstructionProblems(AcceleratorConfig config, Instruction instruction) => Fields(config, instruction);

    private static IEnumerable<(Engine From, Engine To, int Count, IReadOnlyList<int> Givers)> UntakenTokens(IReadOnlyList<Instruction> program)
    {
        foreach (var from in EngineSets.Queued)
        {
            foreach (var to in EngineSets.Queued)
            {
                var givers = Enumerable.Range(0, program.Count).Where(i => InstructionSet.Format(program[i]).Engine == from && program[i].Signal.HasFlag(EngineSets.Of(to))).ToList();
                var taken = program.Count(p => InstructionSet.Format(p).Engine == to && p.Wait.HasFlag(EngineSets.Of(from)));
                if (givers.Count > taken)
                    yield return (from, to, givers.Count - taken, givers);
            }
        }
    }

    private static IEnumerable<string> Fields(AcceleratorConfig c, Instruction instruction)
    {
        var engine = InstructionSet.Format(instruction).Engine;
        var problems = new List<string?>();
        if (engine == Engine.Control && (instruction.Wait != Engines.None || instruction.Signal != Engines.None))
            problems.Add("control instructions take no tokens: Wait and Signal must be empty");
        if (engine != Engine.Control && (instruction.Wait.HasFlag(EngineSets.Of(engine)) || instruction.Signal.HasFlag(EngineSets.Of(engine))))
            problems.Add($"an engine's instructions run in order: Wait and Signal cannot name {engine.ToString().ToUpperInvariant()} itself");
        int tm = c.Tm, tn = c.Tn, actRows = c.ActivationRows, accRows = c.AccumulatorRows;
        var alignment = Math.Min(tn, 16);
        IEnumerable<string> Positive(params (string Name, long Value)[] fields) => fields.Where(f => f.Value < 1).Select(f => $"{f.Name} must be at least 1, not {f.Value}");
        string? Group(int group) => group < c.Groups ? null : $"Group {group} does not exist: the configuration has {c.Groups} PE group(s)";
        string? ActivationRange(string what, long first, long last) => last < actRows ? null : $"{what} reach activation buffer row {last} but the buffer has {actRows} rows (0 .. {actRows - 1})";
        string? Aligned(string what, long value, int to) => value % to == 0 ? null : $"{what} = {value} is not a multiple of {to}";
        switch (instruction)
        {
            case ActivationTransfer t:
                problems.Add(Group(t.Group));
                problems.AddRange(Positive(("Rows", t.Rows), ("Chunks", t.Chunks)));
                if (t.Rows >= 1 && t.Chunks >= 1)
                    problems.Add(ActivationRange("the chunks", t.ActRow, t.ActRow + ((long)(t.Chunks - 1) * t.ActStride) + t.Rows - 1));
                problems.Add(Aligned("Offset", t.Offset, alignment));
                problems.Add(Aligned("DdrStride", t.DdrStride, alignment));
                problems.Add(Aligned("StepStride", t.StepStride, alignment));
                break;
            case LoadTable t:
                problems.AddRange(Positive(("Count", t.Count)));
                problems.Add(Aligned("Offset", t.Offset, 16));
                problems.Add(Aligned("StepStride", t.StepStride, 16));
                var (limit, unit) = t.Kind switch
                {
                    TableKind.Requantization or TableKind.GroupNorm => (c.MaxChannels, "channels (MaxChannels)"),
                    TableKind.Activation => (c.ActivationTableSlots, "activation table slots"),
                    TableKind.Padding => (1, "pad value"),
                    TableKind.InputExponents => (1, "input exponent word"),
                    _ => (ParameterSlots, "parameter slots"),
                };
                if (t.First + t.Count > limit)
                    problems.Add($"First {t.First} + Count {t.Count} exceeds the {limit} {unit} of the configuration");
                break;
            case LoadWeights w:
                problems.AddRange(Positive(("Rows", w.Rows)));
                problems.Add(Aligned("Offset", w.Offset, 16));
                problems.Add(Aligned("StepStride", w.StepStride, 16));
                if (w.FirstRow + w.Rows > c.WeightRows)
                    problems.Add($"FirstRow {w.FirstRow} + Rows {w.Rows} exceeds the {c.WeightRows} rows of a weight bank");
                break;
            case MoveWeights m:
                problems.Add(Group(m.Group));
                problems.AddRange(Positive(("OutBlocks", m.OutBlocks), ("InBlocks", m.InBlocks), ("PixelStride", m.PixelStride)));
                if (m.OutBlocks >= 1 && m.InBlocks >= 1)
                {
                    var last = m.Transpose
                        ? m.ActRow + ((((long)(m.InBlocks - 1) * tn) + tn - 1) * m.PixelStride) + ((long)(m.OutBlocks - 1) * tm / tn)
                        : m.ActRow + ((((long)(m.OutBlocks - 1) * tm) + tm - 1) * m.PixelStride) + m.InBlocks - 1;
                    problems.Add(ActivationRange("the source rows", m.ActRow, last));
                    if (m.FirstRow + ((long)m.OutBlocks * m.InBlocks) > c.WeightRows)
                        problems.Add($"FirstRow {m.FirstRow} + {m.OutBlocks} x {m.InBlocks} rows exceeds the {c.WeightRows} rows of a weight bank");
                }
                break;
            case Conv v:
                problems.AddRange(Positive(("InRows", v.InRows), ("InCols", v.InCols), ("OutRows", v.OutRows), ("OutCols", v.OutCols), ("CinBlocks", v.CinBlocks), ("CoutBlocks", v.CoutBlocks)));
                if (v.Exponent is < 0 or > 2)
                    problems.Add($"Exponent {v.Exponent} must be 0 (none), 1 (input exponent A) or 2 (B)");
                if (v.InPixelStride < 0)
                    problems.Add($"InPixelStride must be at least 0, not {v.InPixelStride}");
                if (v.GroupMask == 0 || v.GroupMask >> c.Groups != 0)
                    problems.Add($"GroupMask 0b{Convert.ToString(v.GroupMask, 2)} must name some of the {c.Groups} PE group(s) and no others");
                // Stride 0 is one constant pixel that every pixel reads (the unsigned-probability passes).
                if (v.InPixelStride > 0 && v.CinBlocks > v.InPixelStride)
                    problems.Add($"CinBlocks {v.CinBlocks} exceeds InPixelStride {v.InPixelStride}: a pixel's blocks would overlap the next pixel");
                if (v.HaloGroups != 0 && (v.HaloGroups > c.Groups || c.Groups % v.HaloGroups != 0))
                {
                    problems.Add($"HaloGroups {v.HaloGroups} must divide the {c.Groups} PE group(s) (0: padding above and below)");
                }
                else if (v.HaloGroups != 0)
                {
                    var whole = (1 << v.HaloGroups) - 1;
                    var runs = Enumerable.Range(0, c.Groups / v.HaloGroups).Select(r => (v.GroupMask >> (r * v.HaloGroups)) & whole);
                    if (runs.Any(run => run != 0 && run != whole))
                        problems.Add($"GroupMask 0b{Convert.ToString(v.GroupMask, 2)} splits a run of HaloGroups {v.HaloGroups} groups: a group would read a neighbour that does not compute");
                }
                if (problems.Any(p => p is not null))
                    break;
                var taps = v.Kernel3x3 ? 9 : 1;
                problems.Add(ActivationRange("the input pixels", v.InRow, v.InRow + (((long)v.InRows * v.InCols) - 1) * v.InPixelStride + v.CinBlocks - 1));
                if ((long)v.CoutBlocks * taps * v.CinBlocks > c.WeightRows)
                    problems.Add($"{v.CoutBlocks} output blocks x {taps} taps x {v.CinBlocks} input blocks = {(long)v.CoutBlocks * taps * v.CinBlocks} weight rows exceed the {c.WeightRows} rows of a weight bank");
                var pixels = (long)v.OutRows * v.OutCols;
                if (v.Output is ConvOutput.Requantize or ConvOutput.AccumulatorAddRequantize)
                {
                    if (v.CoutBase + v.CoutBlocks > c.ChannelsPerLane)
                        problems.Add($"output blocks {v.CoutBase} .. {v.CoutBase + v.CoutBlocks - 1} exceed the requantizer tables' {c.ChannelsPerLane} blocks of {tm} channels (MaxChannels {c.MaxChannels})");
                    problems.Add(ActivationRange("the output pixels", v.OutRow, v.OutRow + ((pixels - 1) * v.OutPixelStride) + (((long)(v.CoutBase + v.CoutBlocks) * tm) - 1) / tn));
                }
                if (v.Output != ConvOutput.Requantize && v.AccRow + (pixels * v.CoutBlocks) > accRows)
                    problems.Add($"AccRow {v.AccRow} + {pixels} pixels x {v.CoutBlocks} blocks exceeds the {accRows} accumulator rows");
                break;
            case VectorStream s:
                problems.Add(Group(s.Group));
                problems.AddRange(Positive(("Pixels", s.Pixels), ("Blocks", s.Blocks)));
                if (s.Pixels < 1 || s.Blocks < 1)
                    break;
                problems.Add(ActivationRange("the source rows", s.Src, s.Src + ((long)(s.Pixels - 1) * s.SrcStride) + s.Blocks - 1));
                if (s is VectorMap map)
                    problems.Add(ActivationRange("the output rows", map.Dst, map.Dst + ((long)(map.Pixels - 1) * map.DstStride) + map.Blocks - 1));
                if (s is Add { SingleOperand: false } add)
                    problems.Add(ActivationRange("the second operand's rows", add.SrcB, add.SrcB + ((long)(add.Pixels - 1) * add.SrcStride) + add.Blocks - 1));
                var channelBase = s switch { GroupNormStatistics g => g.ChannelBase, GroupNormApply g => g.ChannelBase, Add g => g.StatisticsBase, _ => 0 };
                if (s is GroupNormStatistics or GroupNormApply or Add { Statistics: true } && (long)(channelBase + s.Blocks) * tn > c.MaxChannels)
                    problems.Add($"channels {channelBase * tn} .. {((channelBase + s.Blocks) * tn) - 1} exceed the GroupNorm tables' {c.MaxChannels} channels (MaxChannels)");
                problems.Add(s switch
                {
                    Activate a when a.Slot >= c.ActivationTableSlots => $"Slot {a.Slot} does not exist: {c.ActivationTableSlots} activation table slots",
                    GroupNormApply { ApplyTable: true } g when g.Slot >= c.ActivationTableSlots => $"Slot {g.Slot} does not exist: {c.ActivationTableSlots} activation table slots",
                    Add { ApplyTable: true } g when g.Slot >= c.ActivationTableSlots => $"Slot {g.Slot} does not exist: {c.ActivationTableSlots} activation table slots",
                    _ => null,
                });
                break;
            case GroupNormFinish f:
                problems.AddRange(Positive(("Channels", f.Channels), ("ChannelsPerGroup", f.ChannelsPerGroup)));
                if (f.Channels > c.MaxChannels)
                    problems.Add($"Channels {f.Channels} exceed the GroupNorm tables' {c.MaxChannels} channels (MaxChannels)");
                if (f.ChannelsPerGroup >= 1 && f.Channels % f.ChannelsPerGroup != 0)
                    problems.Add($"Channels {f.Channels} is not a multiple of ChannelsPerGroup {f.ChannelsPerGroup}");
                if (f.ChannelsPerGroup >= 1 && f.FirstChannel % f.ChannelsPerGroup != 0)
                    problems.Add($"FirstChannel {f.FirstChannel} is not a multiple of ChannelsPerGroup {f.ChannelsPerGroup}");
                if (f.FirstChannel >= f.Channels)
                    problems.Add($"FirstChannel {f.FirstChannel} is not below Channels {f.Channels}");
                break;
            case Softmax s:
                problems.Add(Group(s.Group));
                problems.AddRange(Positive(("Rows", s.Rows), ("RowLength", s.RowLength), ("Keys", s.Keys)));
                if (s.Keys > s.RowLength)
                    problems.Add($"Keys {s.Keys} exceed RowLength {s.RowLength}");
                if (s.RowLength % tm != 0 || s.RowLength % tn != 0)
                    problems.Add($"RowLength {s.RowLength} must be a multiple of Tm {tm} and Tn {tn}: a row fills whole accumulator and buffer rows");
                else if (s.Rows >= 1 && s.RowLength >= 1)
                {
                    if (s.Src + ((long)s.Rows * s.RowLength / tm) > accRows)
                        problems.Add($"Src {s.Src} + {s.Rows} rows x {s.RowLength / tm} exceeds the {accRows} accumulator rows");
                    problems.Add(ActivationRange("the output rows", s.Dst, s.Dst + ((long)(s.Rows - 1) * s.DstStride) + (s.RowLength / tn) - 1));
                }
                break;
        }
        return problems.Where(p => p is not null).Select(p => p!);
    }
}
