using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The vector engine's tables as LOAD_TABLE writes them, one entry per cycle: activation table bytes,
/// GroupNorm channel entries and 128-bit parameter words. (Requantizer entries go to the compute
/// engine through <see cref="Datapath.TableWritePort"/>.)
/// </summary>
public sealed class VectorTableWrites : Bundle
{
    public VectorTableWrites(BundleFields f, AcceleratorConfig config)
    {
        Activation = f.Field(Hw.Bool());
        ActivationSlot = f.Field(Hw.UInt(Hw.BitsFor(config.ActivationTableSlots)));
        ActivationIndex = f.Field(Hw.UInt(8));
        ActivationValue = f.Field(Hw.SInt(8));
        Channel = f.Field(Hw.Bool());
        ChannelNumber = f.Field(Hw.UInt(Hw.BitsFor(config.MaxChannels)));
        ChannelGain = f.Field(Hw.SInt(GroupNormChannel.GainBits));
        ChannelOffset = f.Field(Hw.SInt(42));
        ChannelShift = f.Field(Hw.UInt(6));
        ChannelExponent = f.Field(Hw.UInt(SplitConcat.ExponentBits));
        Parameter = f.Field(Hw.Bool());
        ParameterSlot = f.Field(Hw.UInt(4));
        ParameterWord = f.Field(Hw.UInt(128));
    }

    public Bool Activation { get; }

    public UInt ActivationSlot { get; }

    /// <summary>The entry's input value + 128.</summary>
    public UInt ActivationIndex { get; }

    public SInt ActivationValue { get; }

    public Bool Channel { get; }

    public UInt ChannelNumber { get; }

    public SInt ChannelGain { get; }

    public SInt ChannelOffset { get; }

    public UInt ChannelShift { get; }

    /// <summary>e of the channel's values q x 2^e (a concatenation with split scales).</summary>
    public UInt ChannelExponent { get; }

    public Bool Parameter { get; }

    public UInt ParameterSlot { get; }

    public UInt ParameterWord { get; }

    public static BundleType<VectorTableWrites> Of(AcceleratorConfig config) => new(f => new VectorTableWrites(f, config));
}

/// <summary>How an engine takes instructions from its queue: start with the instruction, report busy and done.</summary>
public sealed class EngineControl : Bundle
{
    public EngineControl(BundleFields f, AcceleratorConfig config)
    {
        Start = f.Field(Hw.Bool());
        Instruction = f.Field(Hw.UInt(Isa.InstructionSet.Bits));
        StepGroup = f.Field(Hw.UInt(AcceleratorConfig.StepGroupBits));
        Abort = f.Field(Hw.Bool());
        Busy = f.Flipped(Hw.Bool());
        Done = f.Flipped(Hw.Bool());
        Stalled = f.Flipped(Hw.Bool());
    }

    /// <summary>Pulse: begin <see cref="Instruction"/> (held until <see cref="Done"/>).</summary>
    public Bool Start { get; }

    public UInt Instruction { get; }

    /// <summary>The step group stamped on the instruction at dispatch.</summary>
    public UInt StepGroup { get; }

    /// <summary>Pulse: forget any instruction in progress (a new program starts).</summary>
    public Bool Abort { get; }

    public Bool Busy { get; }

    /// <summary>Pulse: the instruction has finished and its writes have landed.</summary>
    public Bool Done { get; }

    /// <summary>Busy but waiting for something only another engine can give (a weight bank): for deadlock detection.</summary>
    public Bool Stalled { get; }

    public static BundleType<EngineControl> Of(AcceleratorConfig config) => new(f => new EngineControl(f, config));
}
