using System.Linq.Expressions;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The fields of one instruction format or data word, sliced out of a word in hardware by their C#
/// properties (<c>conv[c =&gt; c.CinBlocks]</c>), from the same layout the encoder writes
/// (<see cref="FieldOf{T}"/>): the decoder cannot drift from the ISA, and a misspelt field does not compile.
/// </summary>
public sealed class WordFields<T>(UInt word) where T : class
{
    /// <summary>The field as an unsigned value of its own width.</summary>
    public UInt this[Expression<Func<T, object?>> field] => InstructionFields.Slice(word, FieldOf<T>.Get(field));

    /// <summary>The field cut to <paramref name="width"/> bits: the builder has checked that the value fits the configuration's buffers.</summary>
    public UInt Fit(Expression<Func<T, object?>> field, int width)
    {
        var value = this[field];
        return value.Width >= width ? value.Resize(width) : value.ZeroExtend(width);
    }

    /// <summary>A signed field (two's complement of its width).</summary>
    public SInt Signed(Expression<Func<T, object?>> field) => this[field].AsSInt();

    public Bool Flag(Expression<Func<T, bool>> field) => InstructionFields.Slice(word, FieldOf<T>.Get(field))[0];
}

/// <summary>The header of an instruction word in hardware: opcode, wait and signal masks.</summary>
public static class InstructionFields
{
    public static UInt Slice(UInt word, BitField field) => word[field.High, field.Offset];

    /// <summary>The opcode of an instruction word.</summary>
    public static UInt Opcode(UInt word) => Slice(word, InstructionSet.OpcodeField);

    public static UInt Wait(UInt word) => Slice(word, InstructionSet.WaitField);

    public static UInt Signal(UInt word) => Slice(word, InstructionSet.SignalField);

    /// <summary>True when <paramref name="word"/> holds an instruction of type <typeparamref name="T"/>.</summary>
    public static Bool Is<T>(UInt word) where T : Instruction => Opcode(word) == InstructionSet.Format<T>().Opcode;
}
