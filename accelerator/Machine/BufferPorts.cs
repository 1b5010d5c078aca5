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

/// <summary>
/// The compute engine's read of every group of its mask at one address: granted only when every group
/// of the mask is (a term issues whole); each group's row appears on the buffers' read data a cycle later.
/// </summary>
public sealed class ComputeBufferRead : Bundle
{
    public ComputeBufferRead(BundleFields f, AcceleratorConfig config)
    {
        Valid = f.Field(Hw.Bool());
        Mask = f.Field(Hw.UInt(config.Groups));
        Address = f.Field(Hw.UInt(Hw.BitsFor(config.ActivationRows)));
        Granted = f.Flipped(Hw.Bool());
    }

    public Bool Valid { get; }

    /// <summary>Bit g: group g is read.</summary>
    public UInt Mask { get; }

    public UInt Address { get; }

    public Bool Granted { get; }

    public static BundleType<ComputeBufferRead> Of(AcceleratorConfig config) => new(f => new ComputeBufferRead(f, config));
}

/// <summary>The compute engine's write of requantized outputs into every group of its mask at once, first in priority: its pipeline cannot wait.</summary>
public sealed class ComputeBufferWrite : Bundle
{
    public ComputeBufferWrite(BundleFields f, AcceleratorConfig config)
    {
        Mask = f.Field(Hw.UInt(config.Groups));
        Address = f.Field(Hw.UInt(Hw.BitsFor(config.ActivationRows)));
        Lanes = f.Field(Hw.UInt(config.Tn));
        Data = f.Field(Hw.Vec(config.Groups * config.Tn, Hw.SInt(8)));
    }

    /// <summary>Bit g: group g is written (no bit: no write).</summary>
    public UInt Mask { get; }

    public UInt Address { get; }

    /// <summary>Bit n: byte n of the row is written (an output block's Tm bytes).</summary>
    public UInt Lanes { get; }

    /// <summary>Group g's row at elements g x Tn ...</summary>
    public Vec<SInt> Data { get; }

    public static BundleType<ComputeBufferWrite> Of(AcceleratorConfig config) => new(f => new ComputeBufferWrite(f, config));
}
