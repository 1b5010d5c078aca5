using DiffAcc.Accelerator.Configuration;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Isa.Simulation;

/// <summary>Counts of a run that the hardware's performance counters report too.</summary>
public sealed record FunctionalStatistics
{
    /// <summary>Instructions dispatched: every one up to and including FINISH (control instructions too), as the INSTRUCTIONS counter.</summary>
    public long Instructions { get; init; }

    /// <summary>Cycles the PE groups take a term: output blocks x pixels x taps x input blocks of every CONV.</summary>
    public long PeTerms { get; init; }

    /// <summary>Bytes of the AXI read beats: instructions, loads (whole 16-byte beats), tables and weights.</summary>
    public long BytesRead { get; init; }

    public long BytesWritten { get; init; }
}

/// <summary>What a program computed: the DDR image after FINISH, the counts, and any races between engines.</summary>
public sealed record FunctionalRun(DdrImage Ddr, FunctionalStatistics Statistics, IReadOnlyList<string> Races, int RaceCount)
{
    public bool RaceFree => RaceCount == 0;
}

/// <summary>
/// The golden model of the instruction set (the role of VTA's fsim): runs a program on a DDR image
/// with exactly the numerics of model/Numerics — requantization, packed MACs as int8 dot products
/// with 32-bit accumulation, GroupNorm, tables, residual add, softmax — in an order the hardware's
/// tokens allow (<see cref="TokenSchedule"/>), and reports races between engines and reads of
/// memory nothing wrote. The RTL must produce the same DDR bytes.
/// </summary>
public sealed class FunctionalSimulator(AcceleratorConfig config)
{
    /// <summary>Bits of a GroupNorm channel's Σx and Σx² accumulators in hardware (they wrap beyond).</summary>
    public const int StatisticsSumBits = Vector.ReciprocalSqrtUnit.ChannelSumBits;

    public const int StatisticsSquareBits = Vector.ReciprocalSqrtUnit.ChannelSquaresBits;

    /// <summary>Bits of a group's sums, of values q x 2^e (they wrap beyond).</summary>
    public const int GroupSumBits = Vector.ReciprocalSqrtUnit.SumBits;

    public const int GroupSquareBits = Vector.ReciprocalSqrtUnit.SquaresBits;

    public AcceleratorConfig Config { get; } = config.Validated(config.Name);

    public FunctionalRun Run(AcceleratorProgram program, DdrImage image, MachineRegisters registers) => Run(program.Instructions, image, registers);

    public FunctionalRun Run(IReadOnlyList<Instruction> program, DdrImage image, MachineRegisters registers)
    {
        var machine = new Machine(Config, image.Clone(), registers, program);
        if (registers.Windows.Count > RegisterMap.Windows)
            throw new ArgumentException($"{registers.Windows.Count} DMA windows given; the machine has {RegisterMap.Windows}", nameof(registers));
        try
        {
            foreach (var step in TokenSchedule.Run(program, registers.StepGroup))
                machine.Execute(step);
        }
        catch (DeadlockException e)
        {
            throw new MachineFault(e.Message);
        }
        // INSTRUCTIONS counts what the dispatcher dispatched, as the hardware's counter does: every
        // instruction up to and including FINISH (SET_STEP and SYNC too), all of them without one.
        var finish = program.Select((p, i) => (p, i)).FirstOrDefault(x => x.p is Finish, (null!, program.Count - 1)).i;
        return new FunctionalRun(machine.Ddr, machine.Statistics with { Instructions = finish + 1, BytesRead = machine.Statistics.BytesRead + ((long)program.Count * InstructionSet.Bytes) }, machine.Tracker.Races, machine.Tracker.RaceCount);
    }

    private sealed class Machine
    {
        private readonly AcceleratorConfig c;
        private readonly MachineRegisters registers;
        private readonly sbyte[][] act;
        private readonly ulong[][] actWritten;
        private readonly int[][] acc;
        private readonly bool[][] accWritten;
        private readonly RequantParameters?[,] requant;
        private readonly sbyte[]?[] activationTables;
        /// <summary>Per channel, the GroupNorm entry LOAD_TABLE wrote: gain, offset, shift and the exponent e of its values q x 2^e.</summary>
        private readonly GroupNormEntry?[] groupNorm;
        private readonly byte[]?[] parameters = new byte[ProgramValidation.ParameterSlots][];
        private readonly long[] statisticsSum;
        private readonly long[] statisticsSquares;
        private readonly (long Sum, long Root, int HalfShift)?[] finished;
        private readonly List<sbyte[]> weightSets = [];
        private readonly HazardAnalysis hazards;
        private sbyte[] filling;
        private int released;
        private sbyte? padValue;

        private InputExponents? inputExponents;

        public Machine(AcceleratorConfig config, DdrImage ddr, MachineRegisters registers, IReadOnlyList<Instruction> program)
        {
            c = config;
            Ddr = ddr;
            this.registers = registers;
            act = [.. Enumerable.Range(0, c.Groups).Select(_ => new sbyte[c.ActivationRows * c.Tn])];
            actWritten = [.. Enumerable.Range(0, c.Groups).Select(_ => new ulong[c.ActivationRows])];
            acc = [.. Enumerable.Range(0, c.Groups).Select(_ => new int[c.AccumulatorRows * c.Tm])];
            accWritten = [.. Enumerable.Range(0, c.Groups).Select(_ => new bool[c.AccumulatorRows])];
            requant = new RequantParameters?[1 << c.RequantizerSlotBits, c.MaxChannels];
            activationTables = new sbyte[c.ActivationTableSlots][];
            groupNorm = new GroupNormEntry?[c.MaxChannels];
            statisticsSum = new long[c.MaxChannels];
            statisticsSquares = new long[c.MaxChannels];
            finished = new (long, long, int)?[c.MaxChannels];
            filling = new sbyte[c.WeightRows * c.Tm * c.Tn];
            hazards = new HazardAnalysis(config, program, registers.StepGroup, DdrSpaces.Physical(registers));
        }

        public DdrImage Ddr { get; }

        public HazardTracker Tracker => hazards.Tracker;

        public FunctionalStatistics Statistics { get; private set; } = new();

        private int RowBytes => c.Tm * c.Tn;

        public void Execute(ScheduledInstruction step)
        {
            // An unchecked program's instruction that reaches past a buffer, bank or table, or breaks an
            // alignment, is a fault here, named as the checked builder names it.
            if (ProgramValidation.InstructionProblems(c, step.Instruction).FirstOrDefault() is { } problem)
                throw new MachineFault($"{step.Name}: {problem}");
            // The engines check every burst against the DMA windows before they issue it.
            DmaWindowRule.Require(c, registers, step.Instruction, step.StepGroup, step.Index);
            // What the instruction touches, against what the tokens order before it (the footprint is the race check's one source).
            hazards.Apply(step);
            switch (step.Instruction)
            {
                case Load i: Load(step, i); break;
                case Store i: Store(step, i); break;
                case LoadTable i: LoadTable(step, i); break;
                case LoadWeights i: LoadWeights(step, i); break;
                case MoveWeights i: MoveWeights(step, i); break;
                case Conv i: Conv(step, i); break;
                case Activate i: Activate(step, i); break;
                case Add i: Add(step, i); break;
                case GroupNormStatistics i: Statistics_(step, i); break;
                case GroupNormFinish i: Finish(step, i); break;
                case GroupNormApply i: Apply(step, i); break;
                case Softmax i: Softmax(step, i); break;
                default: throw new MachineFault($"{step.Name} has no semantics in the functional simulator");
            }
        }

        // ---- DMA ----

        private long Address(DmaInstruction i, int stepGroup) => i.Address(registers, stepGroup);

        private IEnumerable<(long Address, long Bytes)> Runs(ActivationTransfer t, long address) => t.Runs(address, c.Tn);

        private static long Beats(long address, long bytes) => ((address + bytes + 15) >> 4) - (address >> 4);

        private void Load(ScheduledInstruction step, Load i)
        {
            var address = Address(i, step.StepGroup);
            for (var k = 0; k < i.Chunks; k++)
            {
                var from = address + (k * i.DdrStride);
                var row = i.ActRow + (k * i.ActStride);
                var index = Ddr.Index(from, (long)i.Rows * c.Tn, step.Name);
                for (var r = 0; r < i.Rows; r++)
                {
                    for (var n = 0; n < c.Tn; n++)
                        act[i.Group][((row + r) * c.Tn) + n] = (sbyte)Ddr.Bytes[index + (r * c.Tn) + n];
                }
                WriteAct(step, i.Group, row, i.Rows, AllLanes);
            }
            AddRead(Runs(i, address).Sum(r => Beats(r.Address, r.Bytes)) * 16);
        }

        private void Store(ScheduledInstruction step, Store i)
        {
            var address = Address(i, step.StepGroup);
            for (var k = 0; k < i.Chunks; k++)
            {
                var to = address + (k * i.DdrStride);
                var row = i.ActRow + (k * i.ActStride);
                ReadAct(step, i.Group, row, i.Rows, AllLanes);
                var index = Ddr.Index(to, (long)i.Rows * c.Tn, step.Name);
                for (var r = 0; r < i.Rows; r++)
                {
                    for (var n = 0; n < c.Tn; n++)
                        Ddr.Bytes[index + (r * c.Tn) + n] = (byte)act[i.Group][((row + r) * c.Tn) + n];
                }
            }
            Statistics = Statistics with { BytesWritten = Statistics.BytesWritten + ((long)i.Chunks * i.Rows * c.Tn) };
        }

        private void LoadTable(ScheduledInstruction step, LoadTable i)
        {
            var address = Address(i, step.StepGroup);
            var entryBytes = i.Kind == TableKind.Activation ? 256 : DataWord.Bytes;
            var index = Ddr.Index(address, (long)i.Count * entryBytes, step.Name);
            for (var k = 0; k < i.Count; k++)
            {
                var word = Ddr.Bytes.AsSpan(index + (k * entryBytes), entryBytes);
                var slot = i.First + k;
                switch (i.Kind)
                {
                    case TableKind.Requantization:
                        requant[c.RequantizerSlot(step.StepGroup, i.TableBank), slot] = DataWord.Decode<RequantizerEntry>(word).ToParameters();
                        break;
                    case TableKind.GroupNorm:
                        groupNorm[slot] = DataWord.Decode<GroupNormEntry>(word);
                        break;
                    case TableKind.Activation:
                        activationTables[slot] = [.. word.ToArray().Select(b => (sbyte)b)];
                        break;
                    case TableKind.Padding:
                        padValue = (sbyte)DataWord.Decode<PadValue>(word).Value;
                        break;
                    case TableKind.InputExponents:
                        inputExponents = DataWord.Decode<InputExponents>(word);
                        break;
                    default:
                        parameters[slot] = word.ToArray();
                        break;
                }
            }
            AddRead((long)i.Count * entryBytes);
        }

        private void LoadWeights(ScheduledInstruction step, LoadWeights i)
        {
            var address = Address(i, step.StepGroup);
            var bytes = (long)i.Rows * RowBytes;
            var index = Ddr.Index(address, bytes, step.Name);
            var share = RowBytes / c.WeightPorts;
            var bank = System.Runtime.InteropServices.MemoryMarshal.AsBytes(filling.AsSpan());
            for (var r = 0; r < i.Rows; r++)
            {
                // A port's share of the row at a time: its bytes lie together in DDR.
                for (var start = 0; start < RowBytes; start += share)
                    Ddr.Bytes.AsSpan((int)(index + WeightPortShares.OffsetOf(c, i.Rows, r, start)), share).CopyTo(bank[(((i.FirstRow + r) * RowBytes) + start)..]);
            }
            AddRead(bytes);
            if (i.Complete)
                CompleteSet();
        }

        private void MoveWeights(ScheduledInstruction step, MoveWeights i)
        {
            int tm = c.Tm, tn = c.Tn;
            for (var o = 0; o < i.OutBlocks; o++)
            {
                for (var b = 0; b < i.InBlocks; b++)
                {
                    var target = (i.FirstRow + (o * i.InBlocks) + b) * RowBytes;
                    if (!i.Transpose)
                    {
                        for (var m = 0; m < tm; m++)
                        {
                            var row = i.ActRow + (((o * tm) + m) * i.PixelStride) + b;
                            ReadAct(step, i.Group, row, 1, AllLanes);
                            for (var n = 0; n < tn; n++)
                                filling[target + (m * tn) + n] = act[i.Group][(row * tn) + n];
                        }
                    }
                    else
                    {
                        var lane = o * tm % tn;
                        for (var n = 0; n < tn; n++)
                        {
                            var row = i.ActRow + (((b * tn) + n) * i.PixelStride) + (o * tm / tn);
                            ReadAct(step, i.Group, row, 1, Lanes(lane, tm));
                            for (var m = 0; m < tm; m++)
                                filling[target + (m * tn) + n] = act[i.Group][(row * tn) + lane + m];
                        }
                    }
                }
            }
            if (i.Complete)
                CompleteSet();
        }

        private void CompleteSet()
        {
            weightSets.Add(filling);
            filling = new sbyte[c.WeightRows * RowBytes];
        }

        // ---- compute ----

        private void Conv(ScheduledInstruction step, Conv v)
        {
            int tm = c.Tm, tn = c.Tn;
            var weights = weightSets[released];
            var taps = v.Kernel3x3 ? 9 : 1;
            var k = v.Kernel3x3 ? 3 : 1;
            var stride = v.Stride2 ? 2 : 1;
            var up = v.Upsample ? 1 : 0;
            var gridRows = v.InRows << up;
            var gridCols = v.InCols << up;
            var sums = new int[tm];
            sbyte pad = 0;
            if (v.PadWithZeroPoint)
            {
                pad = padValue ?? throw new MachineFault($"{step.Name} pads with the pad value, which no LOAD_TABLE wrote");
            }
            var exponent = 0;
            if (v.Exponent != 0)
            {
                var exponents = inputExponents ?? throw new MachineFault($"{step.Name} shifts its sums by an input exponent, which no LOAD_TABLE wrote");
                exponent = v.Exponent == 1 ? exponents.A : exponents.B;
            }
            // A padding tap reads this row in every input block.
            var padRow = Enumerable.Repeat(pad, tn).ToArray();
            // Every row the instruction reads, checked once (a row is read once per output block and tap).
            foreach (var (group, first, count) in InstructionFootprint.ConvInputRows(v, c.Groups))
                ReadAct(step, group, first, count, AllLanes);
            for (var g = 0; g < c.Groups; g++)
            {
                if ((v.GroupMask >> g & 1) == 0)
                    continue;
                for (var o = 0; o < v.CoutBlocks; o++)
                {
                    for (var oy = 0; oy < v.OutRows; oy++)
                    {
                        for (var ox = 0; ox < v.OutCols; ox++)
                        {
                            Array.Clear(sums);
                            for (var tap = 0; tap < taps; tap++)
                            {
                                var gx = (ox * stride) + (tap % k) + v.ColOffset;
                                var held = gx < 0 || gx >= gridCols ? null : ConvHalo.Source(v, g, c.Groups, (oy * stride) + (tap / k) + v.RowOffset, gridRows);
                                if (held is null && pad == 0)
                                    continue;
                                var (from, gy) = held ?? (g, 0);
                                var pixel = ((gy >> up) * v.InCols) + (gx >> up);
                                for (var ci = 0; ci < v.CinBlocks; ci++)
                                {
                                    var w = ((((o * taps) + tap) * v.CinBlocks) + ci) * RowBytes;
                                    var (source, x) = held is null ? (padRow, 0) : (act[from], (v.InRow + (pixel * v.InPixelStride) + ci) * tn);
                                    for (var m = 0; m < tm; m++)
                                    {
                                        var s = 0;
                                        for (var n = 0; n < tn; n++)
                                            s += weights[w + (m * tn) + n] * source[x + n];
                                        sums[m] += s;
                                    }
                                }
                            }
                            for (var m = 0; m < tm; m++)
                                sums[m] = unchecked(sums[m] << exponent);
                            Output(step, v, g, o, (oy * v.OutCols) + ox, sums);
                        }
                    }
                }
            }
            Statistics = Statistics with { PeTerms = Statistics.PeTerms + ((long)v.CoutBlocks * v.OutRows * v.OutCols * taps * v.CinBlocks) };
            if (v.Release)
                released++;
        }

        private void Output(ScheduledInstruction step, Conv v, int g, int o, int pixel, int[] sums)
        {
            int tm = c.Tm, tn = c.Tn;
            if (v.Output != ConvOutput.Requantize)
            {
                var row = v.AccRow + (pixel * v.CoutBlocks) + o;
                if (v.Output != ConvOutput.AccumulatorStore)
                {
                    ReadAcc(step, g, row, 1);
                    for (var m = 0; m < tm; m++)
                        sums[m] = unchecked(sums[m] + acc[g][(row * tm) + m]);
                }
                Array.Copy(sums, 0, acc[g], row * tm, tm);
                WriteAcc(step, g, row, 1);
                if (v.Output != ConvOutput.AccumulatorAddRequantize)
                    return;
            }
            var block = v.CoutBase + o;
            var outRow = v.OutRow + (pixel * v.OutPixelStride) + (block * tm / tn);
            var lane = block * tm % tn;
            for (var m = 0; m < tm; m++)
            {
                var channel = (block * tm) + m;
                var p = requant[c.RequantizerSlot(step.StepGroup, v.TableBank), channel] ?? throw new MachineFault($"{step.Name} requantizes channel {channel} in step group {step.StepGroup}, bank {(v.TableBank ? 1 : 0)} (table slot {c.RequantizerSlot(step.StepGroup, v.TableBank)}), whose requantizer entry no LOAD_TABLE wrote");
                act[g][(outRow * tn) + lane + m] = Requantization.Apply(sums[m], p);
            }
            WriteAct(step, g, outRow, 1, Lanes(lane, tm));
        }

        // ---- vector ----

        /// <summary>Every (source row, output row, channel block) of a vector stream in order.</summary>
        private static IEnumerable<(int Src, int Dst, int Block, int Pixel)> Rows(VectorStream s, int dst, int dstStride)
        {
            for (var p = 0; p < s.Pixels; p++)
            {
                for (var b = 0; b < s.Blocks; b++)
                    yield return (s.Src + (p * s.SrcStride) + b, dst + (p * dstStride) + b, b, p);
            }
        }

        private void Activate(ScheduledInstruction step, Activate a)
        {
            var table = Table(step, a.Slot);
            Map(step, a, x => table[x + 128]);
        }

        private void Add(ScheduledInstruction step, Add a)
        {
            var add = Parameter<AddParameters>(step, a.Param).ToResidualAdd();
            var table = a.ApplyTable ? Table(step, a.Slot) : null;
            var tn = c.Tn;
            var b = new sbyte[tn];
            foreach (var (src, dst, block, pixel) in Rows(a, a.Dst, a.DstStride))
            {
                ReadAct(step, a.Group, src, 1, AllLanes);
                var srcB = a.SrcB + (src - a.Src);
                if (!a.SingleOperand)
                {
                    ReadAct(step, a.Group, srcB, 1, AllLanes);
                    Array.Copy(act[a.Group], srcB * tn, b, 0, tn);
                }
                for (var n = 0; n < tn; n++)
                {
                    var sum = add.Apply(act[a.Group][(src * tn) + n], b[n]);
                    act[a.Group][(dst * tn) + n] = table is null ? sum : table[sum + 128];
                }
                WriteAct(step, a.Group, dst, 1, AllLanes);
                if (a.Statistics)
                    Accumulate(a.Group, dst, a.StatisticsBase + block, a.StatisticsClear && pixel == 0);
            }
        }

        private void Statistics_(ScheduledInstruction step, GroupNormStatistics s)
        {
            foreach (var (src, _, block, pixel) in Rows(s, 0, 0))
            {
                ReadAct(step, s.Group, src, 1, AllLanes);
                Accumulate(s.Group, src, s.ChannelBase + block, s.Clear && pixel == 0);
            }
        }

        /// <summary>Adds buffer row <paramref name="row"/>'s values and their squares into channel block <paramref name="channelBlock"/>'s statistics (stores them when <paramref name="first"/>).</summary>
        private void Accumulate(int group, int row, int channelBlock, bool first)
        {
            var tn = c.Tn;
            for (var n = 0; n < tn; n++)
            {
                var channel = (channelBlock * tn) + n;
                long x = act[group][(row * tn) + n];
                statisticsSum[channel] = Wrap((first ? 0 : statisticsSum[channel]) + x, StatisticsSumBits, true);
                statisticsSquares[channel] = Wrap((first ? 0 : statisticsSquares[channel]) + (x * x), StatisticsSquareBits, false);
            }
        }

        private void Finish(ScheduledInstruction step, GroupNormFinish f)
        {
            var p = Parameter<GroupNormParameters>(step, f.Param);
            for (var first = f.FirstChannel; first < f.Channels; first += f.ChannelsPerGroup)
            {
                long sum = 0, squares = 0;
                for (var ch = first; ch < first + f.ChannelsPerGroup; ch++)
                {
                    // The exponent comes from the channel table: read at finish, whether or not this channel is applied later.
                    var e = groupNorm[ch]?.Exponent ?? 0;
                    sum = Wrap(sum + Wrap(statisticsSum[ch] << e, GroupSumBits, true), GroupSumBits, true);
                    squares = Wrap(squares + Wrap(statisticsSquares[ch] << (2 * e), GroupSquareBits, false), GroupSquareBits, false);
                }
                var statistics = new GroupStatistics(p.Count, sum, squares);
                if (statistics.ScaledVariance < 0)
                    throw new MachineFault($"{step.Name}: channels {first} .. {first + f.ChannelsPerGroup - 1} have n x sum(x^2) < sum(x)^2 with n = {p.Count}: the count does not match the statistics");
                var (root, halfShift) = IntegerGroupNorm.ReciprocalSqrt(statistics, p.EpsilonTerm);
                for (var ch = first; ch < first + f.ChannelsPerGroup; ch++)
                    finished[ch] = (sum, root, halfShift);
            }
        }

        private void Apply(ScheduledInstruction step, GroupNormApply a)
        {
            var p = Parameter<GroupNormParameters>(step, a.Param);
            var table = a.ApplyTable ? Table(step, a.Slot) : null;
            var tn = c.Tn;
            foreach (var (src, dst, block, _) in Rows(a, a.Dst, a.DstStride))
            {
                ReadAct(step, a.Group, src, 1, AllLanes);
                for (var n = 0; n < tn; n++)
                {
                    var channel = ((a.ChannelBase + block) * tn) + n;
                    var entry = groupNorm[channel] ?? throw new MachineFault($"{step.Name} normalizes channel {channel}, whose GroupNorm entry no LOAD_TABLE wrote");
                    // Gain and offset 0 (a padding channel) give 0 whatever the statistics, so such a channel needs no GN_FINISH.
                    sbyte y = 0;
                    if (entry.Gain != 0 || entry.Offset != 0)
                    {
                        var (sum, root, halfShift) = finished[channel] ?? throw new MachineFault($"{step.Name} normalizes channel {channel}, which no GN_FINISH covered");
                        y = IntegerGroupNorm.Apply(act[a.Group][(src * tn) + n], new GroupStatistics(p.Count, sum, 0), (root, halfShift), entry.ToChannel(), entry.Exponent);
                    }
                    act[a.Group][(dst * tn) + n] = table is null ? y : table[y + 128];
                }
                WriteAct(step, a.Group, dst, 1, AllLanes);
            }
        }

        private void Softmax(ScheduledInstruction step, Softmax s)
        {
            var scale = Parameter<SoftmaxParameters>(step, s.Param).ToExponentScale();
            var format = s.Unsigned ? ProbabilityFormat.Unsigned : ProbabilityFormat.Signed;
            int tm = c.Tm, tn = c.Tn;
            var scores = new int[s.RowLength];
            var probabilities = new sbyte[s.RowLength];
            for (var r = 0; r < s.Rows; r++)
            {
                var first = s.Src + (r * s.RowLength / tm);
                ReadAcc(step, s.Group, first, s.RowLength / tm);
                Array.Copy(acc[s.Group], first * tm, scores, 0, s.RowLength);
                // The keys past Keys get probability 0: code 0, or the zero point -128.
                Array.Fill(probabilities, (sbyte)IntegerSoftmax.ZeroPoint(format));
                IntegerSoftmax.Apply(scores.AsSpan(0, s.Keys), scale, probabilities.AsSpan(0, s.Keys), format);
                var dst = s.Dst + (r * s.DstStride);
                for (var j = 0; j < s.RowLength; j++)
                    act[s.Group][(dst * tn) + j] = probabilities[j];
                WriteAct(step, s.Group, dst, s.RowLength / tn, AllLanes);
            }
        }

        private void Map(ScheduledInstruction step, VectorMap m, Func<sbyte, sbyte> f)
        {
            var tn = c.Tn;
            foreach (var (src, dst, _, _) in Rows(m, m.Dst, m.DstStride))
            {
                ReadAct(step, m.Group, src, 1, AllLanes);
                for (var n = 0; n < tn; n++)
                    act[m.Group][(dst * tn) + n] = f(act[m.Group][(src * tn) + n]);
                WriteAct(step, m.Group, dst, 1, AllLanes);
            }
        }

        private sbyte[] Table(ScheduledInstruction step, int slot)
        {
            return activationTables[slot] ?? throw new MachineFault($"{step.Name} reads activation table slot {slot}, which no LOAD_TABLE wrote");
        }

        private T Parameter<T>(ScheduledInstruction step, int slot) where T : DataWord
        {
            var word = parameters[slot] ?? throw new MachineFault($"{step.Name} reads parameter slot {slot}, which no LOAD_TABLE wrote");
            return DataWord.Decode<T>(word);
        }

        // ---- memories, each read checked against what was written ----

        private ulong AllLanes => c.Tn >= 64 ? ulong.MaxValue : (1UL << c.Tn) - 1;

        private static ulong Lanes(int first, int count) => (count >= 64 ? ulong.MaxValue : (1UL << count) - 1) << first;

        private void ReadAct(ScheduledInstruction step, int group, int row, int rows, ulong lanes)
        {
            for (var r = row; r < row + rows; r++)
            {
                if ((actWritten[group][r] & lanes) != lanes)
                    throw new MachineFault($"{step.Name} reads activation buffer {group} row {r} bytes that nothing wrote (written lanes 0x{actWritten[group][r]:x}, read 0x{lanes:x})");
            }
        }

        private void WriteAct(ScheduledInstruction step, int group, int row, int rows, ulong lanes)
        {
            for (var r = row; r < row + rows; r++)
                actWritten[group][r] |= lanes;
        }

        private void ReadAcc(ScheduledInstruction step, int group, int row, int rows)
        {
            for (var r = row; r < row + rows; r++)
            {
                if (!accWritten[group][r])
                    throw new MachineFault($"{step.Name} reads accumulator bank {group} row {r}, which nothing wrote");
            }
        }

        private void WriteAcc(ScheduledInstruction step, int group, int row, int rows)
        {
            for (var r = row; r < row + rows; r++)
                accWritten[group][r] = true;
        }

        private void AddRead(long bytes) => Statistics = Statistics with { BytesRead = Statistics.BytesRead + bytes };

        private static long Wrap(long value, int bits, bool signed)
        {
            var mask = (1L << bits) - 1;
            var v = value & mask;
            return signed && (v >> (bits - 1) & 1) != 0 ? v - (1L << bits) : v;
        }
    }
}
