using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Vector;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// GN_FINISH in the vector engine: per group, read its channels' Σx and Σx² from the statistics unit
/// (each shifted by the channel's exponent, so a group adds Σq·2^e and Σq²·4^e) and hand the group's sums
/// to one of <see cref="RootUnits"/> reciprocal square root machines, which run side by side: the groups
/// go in batches of that many, summed one after another, then, once every machine of the batch is done,
/// every channel's result (group sum, root, half shift) is written into the normalize unit's table.
/// <see cref="Done"/> pulses after the last group.
/// </summary>
public sealed class GroupNormFinishWalk : Module
{
    /// <summary>Reciprocal square root machines: a root takes about 105 cycles, the sums of a group a few (eight: a 32-group GroupNorm in four batches, not eight).</summary>
    public const int RootUnits = 8;

    private enum FinishStep
    {
        Idle,
        Summing,
        Closing,
        Waiting,
        Storing,
    }

    public GroupNormFinishWalk(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        var lanes = config.VectorLanes;
        var channelRowBits = Hw.BitsFor(config.MaxChannels / lanes);
        var laneBits = Math.Max(1, System.Numerics.BitOperations.Log2((uint)lanes));
        Start = Input(Bool());
        Abort = Input(Bool());
        Channels = Input(UInt(FieldOf<GroupNormFinish>.Bits(f => f.Channels)));
        FirstChannel = Input(UInt(FieldOf<GroupNormFinish>.Bits(f => f.FirstChannel)));
        ChannelsPerGroup = Input(UInt(FieldOf<GroupNormFinish>.Bits(f => f.ChannelsPerGroup)));
        Count = Input(UInt(ReciprocalSqrtUnit.CountBits));
        EpsilonTerm = Input(UInt(FieldOf<GroupNormParameters>.Bits(p => p.EpsilonTerm)));
        ExponentWrite = Input(Bool());
        ExponentChannel = Input(UInt(Hw.BitsFor(config.MaxChannels)));
        ExponentValue = Input(UInt(SplitConcat.ExponentBits));
        int tn = config.Tn, statisticsLaneBits = Math.Max(1, System.Numerics.BitOperations.Log2((uint)tn));
        StatisticsIndex = Output(UInt(Hw.BitsFor(config.MaxChannels / tn)));
        StatisticsLane = Output(UInt(Hw.BitsFor(tn)));
        ReadSum = Input(SInt(ReciprocalSqrtUnit.ChannelSumBits));
        ReadSquares = Input(UInt(ReciprocalSqrtUnit.ChannelSquaresBits));
        Result = Output(GroupNormResultWrite.Of(lanes, channelRowBits));
        Done = Output(Bool());

        var roots = Enumerable.Range(0, RootUnits).Select(u => Instance(new ReciprocalSqrtUnit(config.ClockDomain), $"reciprocal_sqrt{u}")).ToArray();
        var finishState = Reg(Enum<FinishStep>(), FinishStep.Idle, name: "finish_state");
        var channel = Reg(UInt(16), name: "channel");
        // The group's last channel, the batch's first and the instruction's last, in registers: the channel
        // walk compares against them instead of against a sum.
        var groupLast = Reg(UInt(16), name: "group_last");
        var batchFirst = Reg(UInt(16), name: "batch_first");
        var channelsLast = RegNext((Channels - 1).Resize(16), name: "channels_last");
        // The group's place in its batch: the machine it goes to, and whose results it stores.
        var unit = Reg(UInt(Hw.BitsFor(RootUnits)), name: "unit");
        var closing = Reg(UInt(2), name: "closing");
        // A read issued in a summing cycle arrives a cycle later and is added the cycle after that: the lane
        // multiplexer and the exponent's shifter each end in a register before the group's adders.
        var arrived = RegNext(finishState == FinishStep.Summing, reset: 0, name: "arrived");
        var summed = RegNext(arrived, reset: 0, name: "summed");
        var groupSum = Reg(SInt(ReciprocalSqrtUnit.SumBits), name: "group_sum");
        var groupSquares = Reg(UInt(ReciprocalSqrtUnit.SquaresBits), name: "group_squares");
        var sums = Enumerable.Range(0, RootUnits).Select(u => Reg(SInt(ReciprocalSqrtUnit.SumBits), name: $"batch_sum{u}")).ToArray();
        var atGroupEnd = channel == groupLast;
        var lastGroup = groupLast == channelsLast;
        var lastUnit = unit == (RootUnits - 1);
        // The channel as the apply unit's tables hold it (VectorLanes lanes), where its result is stored.
        var resultIndex = (channel >> System.Numerics.BitOperations.Log2((uint)lanes)).ZeroExtend(16).Resize(channelRowBits);
        var resultLane = lanes == 1 ? Lit(0, 1) : channel.Resize(laneBits);
        StatisticsIndex.Assign((channel >> statisticsLaneBits).ZeroExtend(16).Resize(StatisticsIndex.Width));
        StatisticsLane.Assign(channel.Resize(statisticsLaneBits).ZeroExtend(StatisticsLane.Width));
        // Each channel's exponent e (its values are q x 2^e) as LOAD_TABLE wrote it, read beside its sums.
        var exponents = Mem(UInt(SplitConcat.ExponentBits), config.MaxChannels, RamStyle.Distributed, name: "exponents");
        When(ExponentWrite, () => exponents.Write(ExponentChannel, ExponentValue));
        var exponent = exponents.Read(channel.Resize(Hw.BitsFor(config.MaxChannels)), name: "exponent");
        var shiftedSum = RegNext((ReadSum << exponent).Truncate(ReciprocalSqrtUnit.SumBits), name: "shifted_sum");
        var shiftedSquares = RegNext((ReadSquares << Cat(exponent, Lit(0, 1))).Truncate(ReciprocalSqrtUnit.SquaresBits), name: "shifted_squares");
        When(summed, () =>
        {
            groupSum.Assign(groupSum.AddWrap(shiftedSum));
            groupSquares.Assign(groupSquares.AddWrap(shiftedSquares));
        });
        // The last channel's sums are added in the second closing cycle: the group's machine starts in the
        // third, once it is idle (after an abort it may still finish an old root).
        T ByUnit<T>(Func<int, T> value, Func<Bool, T, T, T> mux) => Enumerable.Range(1, RootUnits - 1).Aggregate(value(0), (chosen, u) => mux(unit == u, value(u), chosen));
        var unitBusy = ByUnit(u => roots[u].Busy, (c, a, b) => Mux(c, a, b));
        var starting = (finishState == FinishStep.Closing) & (closing == 0) & !unitBusy;
        // One pair of multipliers for all the machines: a group's products go to the one it starts.
        var countTimesSquares = Count * groupSquares;
        var sumSquared = groupSum * groupSum;
        for (var u = 0; u < RootUnits; u++)
        {
            roots[u].Start.Assign(starting & (unit == u));
            roots[u].CountTimesSquares.Assign(countTimesSquares);
            roots[u].SumSquared.Assign(sumSquared);
            roots[u].EpsilonTerm.Assign(EpsilonTerm);
            var sum = sums[u];
            When(roots[u].Start, () => sum.Assign(groupSum));
            Unused(roots[u].Done, $"root_done{u}");
        }
        var anyBusy = roots.Skip(1).Aggregate(roots[0].Busy, (busy, r) => busy | r.Busy);
        Result.Write.Assign(finishState == FinishStep.Storing);
        Result.Lane.Assign(resultLane);
        Result.Index.Assign(resultIndex);
        Result.Sum.Assign(ByUnit(u => sums[u], (c, a, b) => Mux(c, a, b)));
        Result.Root.Assign(ByUnit(u => roots[u].Root, (c, a, b) => Mux(c, a, b)));
        Result.HalfShift.Assign(ByUnit(u => roots[u].HalfShift, (c, a, b) => Mux(c, a, b)));
        Done.Assign(false);
        void NextGroup() => groupLast.Assign((groupLast + ChannelsPerGroup).Resize(16));
        When(Start, () =>
        {
            finishState.Assign(FinishStep.Summing);
            channel.Assign(FirstChannel.Resize(16));
            batchFirst.Assign(FirstChannel.Resize(16));
            unit.Assign(0);
            groupLast.Assign((FirstChannel + ChannelsPerGroup - 1).Resize(16));
            groupSum.Assign(0);
            groupSquares.Assign(0);
        }).ElseWhen(finishState == FinishStep.Summing, () =>
        {
            When(atGroupEnd, () =>
            {
                finishState.Assign(FinishStep.Closing);
                closing.Assign(2);
            }).Otherwise(() => channel.Assign((channel + 1).Resize(16)));
        }).ElseWhen(finishState == FinishStep.Closing, () =>
        {
            When(closing != 0, () => closing.Assign((closing - 1).Resize(2)));
            When(starting, () =>
            {
                groupSum.Assign(0);
                groupSquares.Assign(0);
                When(lastUnit | lastGroup, () =>
                {
                    // The batch's sums are all in: back to its first group once every root is done.
                    finishState.Assign(FinishStep.Waiting);
                    channel.Assign(batchFirst);
                    groupLast.Assign((batchFirst + ChannelsPerGroup - 1).Resize(16));
                    unit.Assign(0);
                }).Otherwise(() =>
                {
                    finishState.Assign(FinishStep.Summing);
                    channel.Assign((channel + 1).Resize(16));
                    NextGroup();
                    unit.Assign((unit + 1).Resize(unit.Width));
                });
            });
        }).ElseWhen(finishState == FinishStep.Waiting, () => When(!anyBusy, () => finishState.Assign(FinishStep.Storing)))
        .ElseWhen(finishState == FinishStep.Storing, () =>
        {
            When(atGroupEnd, () =>
            {
                var next = (groupLast + 1).Resize(16);
                channel.Assign(next);
                NextGroup();
                unit.Assign((unit + 1).Resize(unit.Width));
                When(lastGroup, () =>
                {
                    finishState.Assign(FinishStep.Idle);
                    Done.Assign(true);
                }).ElseWhen(lastUnit, () =>
                {
                    finishState.Assign(FinishStep.Summing);
                    batchFirst.Assign(next);
                    unit.Assign(0);
                });
            }).Otherwise(() => channel.Assign((channel + 1).Resize(16)));
        });
        When(Abort, () => finishState.Assign(FinishStep.Idle));
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"GroupNormFinishWalk{Config.VectorLanes}x{Config.MaxChannels}";

    /// <summary>Pulse: a GN_FINISH starts.</summary>
    public Bool Start { get; }

    public Bool Abort { get; }

    /// <summary>One past the last channel finished (GN_FINISH Channels).</summary>
    public UInt Channels { get; }

    /// <summary>The first channel finished (GN_FINISH FirstChannel).</summary>
    public UInt FirstChannel { get; }

    public UInt ChannelsPerGroup { get; }

    /// <summary>Values per group (the parameter word's Count).</summary>
    public UInt Count { get; }

    public UInt EpsilonTerm { get; }

    /// <summary>A channel's exponent from LOAD_TABLE (GroupNorm entries).</summary>
    public Bool ExponentWrite { get; }

    public UInt ExponentChannel { get; }

    public UInt ExponentValue { get; }

    /// <summary>The statistics unit's second read port (Tn lanes): the channel's row and lane; its sums arrive a cycle later.</summary>
    public UInt StatisticsIndex { get; }

    public UInt StatisticsLane { get; }

    public SInt ReadSum { get; }

    public UInt ReadSquares { get; }

    /// <summary>The channel's result for the normalize unit's table (the channel the walk is at, as it reads).</summary>
    public GroupNormResultWrite Result { get; }

    /// <summary>Pulse: every group's results are written.</summary>
    public Bool Done { get; }
}
