using System.Collections.Immutable;

namespace DiffAcc.Accelerator.Isa;

/// <summary>A checked program: instructions in order, ready to encode into DDR.</summary>
public sealed class AcceleratorProgram
{
    internal AcceleratorProgram(ImmutableList<Instruction> instructions) => Instructions = instructions;

    public IReadOnlyList<Instruction> Instructions { get; }

    public int Count => Instructions.Count;

    /// <summary>The instructions as the fetch unit reads them: <see cref="InstructionSet.Bytes"/> bytes each, in order.</summary>
    public byte[] Encode() => Encode(Instructions);

    /// <summary>Any instructions, checked or not, as the fetch unit reads them (tests of what the machine does with a bad program).</summary>
    public static byte[] Encode(IReadOnlyList<Instruction> instructions)
    {
        var bytes = new byte[instructions.Count * InstructionSet.Bytes];
        for (var i = 0; i < instructions.Count; i++)
            InstructionSet.Encode(instructions[i], $"instruction {i}").CopyTo(bytes, i * InstructionSet.Bytes);
        return bytes;
    }

    /// <summary>Decodes a program image; an undefined opcode names its instruction.</summary>
    public static IReadOnlyList<Instruction> Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % InstructionSet.Bytes != 0)
            throw new ArgumentException($"a program is a multiple of {InstructionSet.Bytes} bytes, not {bytes.Length}", nameof(bytes));
        var list = new List<Instruction>();
        for (var i = 0; i < bytes.Length / InstructionSet.Bytes; i++)
        {
            try
            {
                list.Add(InstructionSet.Decode(bytes.Slice(i * InstructionSet.Bytes, InstructionSet.Bytes)));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"instruction {i}: {e.Message}", nameof(bytes), e);
            }
        }
        return list;
    }

    /// <summary>One line per instruction: index, mnemonic and every field that is not zero.</summary>
    public string Listing() => string.Join(Environment.NewLine, Instructions.Select((instruction, i) => $"{i,5}  {Describe(instruction)}"));

    public static string Describe(Instruction instruction)
    {
        var format = InstructionSet.Format(instruction);
        var parts = format.Fields.Where(f => f.Property is not null)
            .Select(f => (f.Name, Value: f.Property!.GetValue(instruction)))
            .Where(p => p.Value is not (0 or 0L or false or Engines.None or StepMode.None))
            .Select(p => $"{p.Name}={p.Value}");
        return $"{format.Mnemonic,-12} {string.Join(' ', parts)}".TrimEnd();
    }
}

/// <summary>A program that cannot run on a configuration; the message lists every problem with its instruction.</summary>
public sealed class ProgramException(IReadOnlyList<string> problems)
    : Exception($"{problems.Count} problem(s) in the program:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Select(p => $"  {p}"))}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
