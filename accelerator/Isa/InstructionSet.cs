using System.Reflection;

namespace DiffAcc.Accelerator.Isa;

/// <summary>One instruction's encoding: its opcode, engine and field layout.</summary>
public sealed record InstructionFormat(int Opcode, string Mnemonic, Engine Engine, string Summary, Type Type, BitLayout Layout)
{
    public IReadOnlyList<BitField> Fields => Layout.Fields;

    /// <summary>The fields after the header.</summary>
    public IEnumerable<BitField> Operands => Layout.Fields.Where(f => f.Offset >= InstructionSet.HeaderBits);
}

/// <summary>
/// The Diff-Acc instruction set, defined once by the instruction records (subclasses of <see cref="Instruction"/>):
/// the encoder, the decoder, the hardware's field slices, docs/isa.md and diffacc_isa.h all read
/// these formats. Instructions are <see cref="Bytes"/> bytes, little-endian; bits 4:0 are the opcode,
/// 9:5 the wait mask, 14:10 the signal mask, and operands start at bit 16.
/// </summary>
/// <remarks>
/// 256 bits rather than VTA's 128: a CISC convolution with row tiling, padding, upsampling, output
/// placement and accumulation modes needs about 200 bits, and a program for a whole UNet forward is
/// a few thousand instructions (tens of KB) beside 35.7 MB of weights, so the width costs nothing.
/// </remarks>
public static class InstructionSet
{
    public const int Bytes = 32;

    public const int Bits = 8 * Bytes;

    public const int HeaderBits = 16;

    public const int OpcodeBits = 5;

    public const int MaskBits = 5;

    public static BitField OpcodeField { get; } = new("Opcode", 0, OpcodeBits, false, "operation", null);

    public static BitField WaitField { get; } = new("Wait", OpcodeBits, MaskBits, false, "engines to take a token from before starting (bit 0 LOAD, 1 WEIGHT, 2 COMPUTE, 3 VECTOR, 4 STORE)", typeof(Instruction).GetProperty(nameof(Instruction.Wait)));

    public static BitField SignalField { get; } = new("Signal", OpcodeBits + MaskBits, MaskBits, false, "engines to give a token to when finished", typeof(Instruction).GetProperty(nameof(Instruction.Signal)));

    private static BitField ReservedField { get; } = new("Reserved", OpcodeBits + (2 * MaskBits), 1, false, "0", null);

    public static IReadOnlyList<InstructionFormat> Formats { get; } = [.. typeof(Instruction).Assembly.GetTypes()
        .Select(t => (Type: t, Attribute: t.GetCustomAttribute<InstructionAttribute>()))
        .Where(t => t.Attribute is not null)
        .Select(t => new InstructionFormat(t.Attribute!.Opcode, t.Attribute.Mnemonic, t.Attribute.Engine, t.Attribute.Summary, t.Type,
            new BitLayout(t.Type, Bytes, [OpcodeField, WaitField, SignalField, ReservedField])))
        .OrderBy(f => f.Opcode)];

    private static readonly Dictionary<Type, InstructionFormat> ByType = Formats.ToDictionary(f => f.Type);

    private static readonly Dictionary<int, InstructionFormat> ByOpcode = Formats.ToDictionary(f => f.Opcode);

    public static InstructionFormat Format(Type type) => ByType.TryGetValue(type, out var format) ? format : throw new ArgumentException($"{type.Name} is not an instruction of the set", nameof(type));

    public static InstructionFormat Format<T>() where T : Instruction => Format(typeof(T));

    public static InstructionFormat Format(Instruction instruction) => Format(instruction.GetType());

    public static bool TryFormat(int opcode, out InstructionFormat format) => ByOpcode.TryGetValue(opcode, out format!);

    /// <summary>The 32 bytes of one instruction; a field out of range is a <see cref="FieldRangeException"/> naming it.</summary>
    public static byte[] Encode(Instruction instruction, string? context = null)
    {
        var format = Format(instruction);
        var word = new byte[Bytes];
        context ??= format.Mnemonic;
        BitLayout.Insert(word, OpcodeField, format.Opcode, context);
        format.Layout.Write(instruction, word, context);
        return word;
    }

    /// <summary>The instruction in <paramref name="word"/>; an opcode the set does not define is an <see cref="ArgumentException"/>.</summary>
    public static Instruction Decode(ReadOnlySpan<byte> word)
    {
        var opcode = (int)BitLayout.Extract(word, OpcodeField);
        if (!ByOpcode.TryGetValue(opcode, out var format))
            throw new ArgumentException($"opcode {opcode} is not defined (known: {string.Join(", ", Formats.Select(f => $"{f.Opcode} {f.Mnemonic}"))})", nameof(word));
        return (Instruction)format.Layout.Read(word);
    }
}
