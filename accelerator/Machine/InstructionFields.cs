using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The fields of one instruction format, sliced out of an instruction word in hardware, from the
/// same layout the encoder writes (<see cref="InstructionSet"/>): the decoder cannot drift from the ISA.
/// </summary>
public sealed class InstructionFields(UInt word, InstructionFormat format)
{
    public InstructionFormat Format { get; } = format;

    /// <summary>The field as an unsigned value of its own width.</summary>
    public UInt this[string name] => Slice(word, Format[name]);

    /// <summary>The field cut to <paramref name="width"/> bits: the builder has checked that the value fits the configuration's buffers.</summary>
    public UInt Fit(string name, int width)
    {
        var field = this[name];
        return field.Width >= width ? field.Resize(width) : field.ZeroExtend(width);
    }

    /// <summary>A signed field (two's complement of its width).</summary>
    public SInt Signed(string name) => this[name].AsSInt();

    public Bool Flag(string name) => this[name][0];

    public static UInt Slice(UInt word, BitField field) => word[field.High, field.Offset];

    /// <summary>The opcode of an instruction word.</summary>
    public static UInt Opcode(UInt word) => Slice(word, InstructionSet.OpcodeField);

    public static UInt Wait(UInt word) => Slice(word, InstructionSet.WaitField);

    public static UInt Signal(UInt word) => Slice(word, InstructionSet.SignalField);

    /// <summary>True when <paramref name="word"/> holds an instruction of type <typeparamref name="T"/>.</summary>
    public static Bool Is<T>(UInt word) where T : Instruction => Opcode(word) == InstructionSet.Format<T>().Opcode;
}
