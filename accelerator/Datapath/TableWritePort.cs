using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Datapath;

/// <summary>
/// A run-time write of one requantization table entry: lane, slot (bank and step group) and channel block select
/// the entry; bias, multiplier and shift are its contents. Ports of this bundle are named
/// <c>Table_Write</c>, <c>Table_Lane</c>, ...
/// </summary>
public sealed class TableWritePort : Bundle
{
    public TableWritePort(BundleFields fields, AcceleratorConfig config)
    {
        Write = fields.Field(Hw.Bool());
        Lane = fields.Field(Hw.UInt(Hw.BitsFor(config.Tm)));
        Slot = fields.Field(Hw.UInt(config.RequantizerSlotBits));
        ChannelBlock = fields.Field(Hw.UInt(Hw.BitsFor(config.ChannelsPerLane)));
        Bias = fields.Field(Hw.SInt(32));
        Multiplier = fields.Field(Hw.UInt(RequantParameters.MultiplierBits));
        Shift = fields.Field(Hw.UInt(RequantParameters.ShiftBits));
    }

    public Bool Write { get; }

    public UInt Lane { get; }

    public UInt Slot { get; }

    public UInt ChannelBlock { get; }

    public SInt Bias { get; }

    public UInt Multiplier { get; }

    public UInt Shift { get; }

    public static BundleType<TableWritePort> Of(AcceleratorConfig config) => new(f => new TableWritePort(f, config));
}
