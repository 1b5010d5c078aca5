using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// A request to read one activation buffer row of one group. The buffer answers <see cref="Granted"/>
/// in the same cycle; the row appears on the buffer's read data of that group one cycle later.
/// A request that is not granted must be held.
/// </summary>
public sealed class BufferRead : Bundle
{
    public BufferRead(BundleFields f, AcceleratorConfig config)
    {
        Valid = f.Field(Hw.Bool());
        Group = f.Field(Hw.UInt(Hw.BitsFor(config.Groups)));
        Address = f.Field(Hw.UInt(Hw.BitsFor(config.ActivationRows)));
        Granted = f.Flipped(Hw.Bool());
    }

    public Bool Valid { get; }

    public UInt Group { get; }

    public UInt Address { get; }

    public Bool Granted { get; }

    public static BundleType<BufferRead> Of(AcceleratorConfig config) => new(f => new BufferRead(f, config));
}

/// <summary>A request to write one whole activation buffer row (Tn bytes) of one group; held until <see cref="Granted"/>.</summary>
public sealed class BufferWrite : Bundle
{
    public BufferWrite(BundleFields f, AcceleratorConfig config)
    {
        Valid = f.Field(Hw.Bool());
        Group = f.Field(Hw.UInt(Hw.BitsFor(config.Groups)));
        Address = f.Field(Hw.UInt(Hw.BitsFor(config.ActivationRows)));
        Data = f.Field(Hw.Vec(config.Tn, Hw.SInt(8)));
        Granted = f.Flipped(Hw.Bool());
    }

    public Bool Valid { get; }

    public UInt Group { get; }

    public UInt Address { get; }

    public Vec<SInt> Data { get; }

    public Bool Granted { get; }

    public static BundleType<BufferWrite> Of(AcceleratorConfig config) => new(f => new BufferWrite(f, config));
}
