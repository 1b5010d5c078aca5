using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Vector;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// GN_FINISH in the vector engine: per group, read its channels' Σx and Σx² from the statistics unit
/// (each shifted by the channel's exponent, so a group adds Σq·2^e and Σq²·4^e), run the reciprocal
/// square root machine on the group's sums, then write every channel's result (group sum, root, half
/// shift) into the normalize unit's table; <see cref="Done"/> pulses after the last group.
/// </summary>
public sealed class GroupNormFinishWalk : Module
{
    private enum FinishStep
    {
        Idle,
        Summing,
        Rooting,
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
        ChannelsPerGroup = Input(UInt(FieldOf<GroupNormFinish>.Bits(f => f.ChannelsPerGroup)));
        Count = Input(UInt(ReciprocalSqrtUnit.CountBits));
        EpsilonTerm = Input(UInt(FieldOf<GroupNormParameters>.Bits(p => p.EpsilonTerm)));
        ExponentWrite = Input(Bool());
        ExponentChannel = Input(UInt(Hw.BitsFor(config.MaxChannels)));
        ExponentValue = Input(UInt(SplitConcat.ExponentBits));
        ReadIndex = Output(UInt(channelRowBits));
        ReadLane = Output(UInt(Hw.BitsFor(lanes)));
        ReadSum = Input(SInt(ReciprocalSqrtUnit.ChannelSumBits));
        ReadSquares = Input(UInt(ReciprocalSqrtUnit.ChannelSquaresBits));
        Result = Output(GroupNormResultWrite.Of(lanes, channelRowBits));
        Done = Output(Bool());

        var rsqrt = Instance(new ReciprocalSqrtUnit(config.ClockDomain), "reciprocal_sqrt");
        var finishState = Reg(Enum<FinishStep>(), FinishStep.Idle, name: "finish_state");
        var channel = Reg(UInt(16), name: "channel");
        var groupFirst = Reg(UInt(16), name: "group_first");
        // The group's last channel and the instruction's, in registers: the channel walk compares against
        // them instead of against a sum.
        var groupLast = Reg(UInt(16), name: "group_last");
        var channelsLast = RegNext((Channels - 1).Resize(16), name: "channels_last");
        // A read issued in a summing cycle arrives a cycle later and is added the cycle after that: the lane
        // multiplexer and the exponent's shifter each end in a register before the group's adders.
        var arrived = RegNext(finishState == FinishStep.Summing, reset: 0, name: "arrived");
        var summed = RegNext(arrived, reset: 0, name: "summed");
        var groupSum = Reg(SInt(ReciprocalSqrtUnit.SumBits), name: "group_sum");
        var groupSquares = Reg(UInt(ReciprocalSqrtUnit.SquaresBits), name: "group_squares");
        var atGroupEnd = channel == groupLast;
        ReadIndex.Assign((channel >> System.Numerics.BitOperations.Log2((uint)lanes)).ZeroExtend(16).Resize(channelRowBits));
        ReadLane.Assign(lanes == 1 ? Lit(0, 1) : channel.Resize(laneBits));
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
        // The last channel's sums are added in the second rooting cycle: the machine starts in the third.
        var rootStarted = Reg(Bool(), reset: 0, name: "root_started");
        var rootingBefore = RegNext(finishState == FinishStep.Rooting, reset: 0, name: "rooting_before");
        var rootingTwice = RegNext(rootingBefore & (finishState == FinishStep.Rooting), reset: 0, name: "rooting_twice");
        rsqrt.Start.Assign((finishState == FinishStep.Rooting) & rootingBefore & rootingTwice & !rootStarted);
        When(rsqrt.Start, () => rootStarted.Assign(true)).ElseWhen(finishState != FinishStep.Rooting, () => rootStarted.Assign(false));
        rsqrt.Count.Assign(Count);
        rsqrt.Sum.Assign(groupSum);
        rsqrt.Squares.Assign(groupSquares);
        rsqrt.EpsilonTerm.Assign(EpsilonTerm);
        Result.Write.Assign(finishState == FinishStep.Storing);
        Result.Lane.Assign(ReadLane);
        Result.Index.Assign(ReadIndex);
        Result.Sum.Assign(groupSum);
        Result.Root.Assign(rsqrt.Root);
        Result.HalfShift.Assign(rsqrt.HalfShift);
        Done.Assign(false);
        When(Start, () =>
        {
            finishState.Assign(FinishStep.Summing);
            channel.Assign(0);
            groupFirst.Assign(0);
            groupLast.Assign((ChannelsPerGroup - 1).Resize(16));
            groupSum.Assign(0);
            groupSquares.Assign(0);
        }).ElseWhen(finishState == FinishStep.Summing, () =>
        {
            When(atGroupEnd, () =>
            {
                finishState.Assign(FinishStep.Rooting);
                channel.Assign(groupFirst);
            }).Otherwise(() => channel.Assign((channel + 1).Resize(16)));
        }).ElseWhen(finishState == FinishStep.Rooting, () => When(rsqrt.Done, () => finishState.Assign(FinishStep.Storing)))
        .ElseWhen(finishState == FinishStep.Storing, () =>
        {
            When(atGroupEnd, () =>
            {
                var next = (groupLast + 1).Resize(16);
                groupFirst.Assign(next);
                groupLast.Assign((groupLast + ChannelsPerGroup).Resize(16));
                channel.Assign(next);
                groupSum.Assign(0);
                groupSquares.Assign(0);
                When(groupLast == channelsLast, () =>
                {
                    finishState.Assign(FinishStep.Idle);
                    Done.Assign(true);
                }).Otherwise(() => finishState.Assign(FinishStep.Summing));
            }).Otherwise(() => channel.Assign((channel + 1).Resize(16)));
        });
        When(Abort, () => finishState.Assign(FinishStep.Idle));
        Unused(rsqrt.Busy, "root_busy");
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"GroupNormFinishWalk{Config.VectorLanes}x{Config.MaxChannels}";

    /// <summary>Pulse: a GN_FINISH starts.</summary>
    public Bool Start { get; }

    public Bool Abort { get; }

    /// <summary>Channels of the tensor (GN_FINISH Channels).</summary>
    public UInt Channels { get; }

    public UInt ChannelsPerGroup { get; }

    /// <summary>Values per group (the parameter word's Count).</summary>
    public UInt Count { get; }

    public UInt EpsilonTerm { get; }

    /// <summary>A channel's exponent from LOAD_TABLE (GroupNorm entries).</summary>
    public Bool ExponentWrite { get; }

    public UInt ExponentChannel { get; }

    public UInt ExponentValue { get; }

    /// <summary>The statistics unit's second read port: its row and lane; the sums arrive a cycle later.</summary>
    public UInt ReadIndex { get; }

    public UInt ReadLane { get; }

    public SInt ReadSum { get; }

    public UInt ReadSquares { get; }

    /// <summary>The channel's result for the normalize unit's table (the channel the walk is at, as it reads).</summary>
    public GroupNormResultWrite Result { get; }

    /// <summary>Pulse: every group's results are written.</summary>
    public Bool Done { get; }
}
