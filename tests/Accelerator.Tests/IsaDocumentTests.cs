using System.Text;
using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Accelerator.Tests;

/// <summary>The generated reference and C header agree with the one definition of the instruction set.</summary>
public sealed class IsaDocumentTests
{
    private static string RepositoryFile(string path)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DiffAcc.sln")))
                return Path.Combine(directory.FullName, path);
        }
        throw new InvalidOperationException("the repository root (DiffAcc.sln) is not above the test binaries");
    }

    [Fact]
    public void Docs_isa_md_is_what_the_definition_generates()
    {
        var committed = File.ReadAllText(RepositoryFile("docs/isa.md"));
        Assert.True(committed == IsaDocument.Markdown(), "docs/isa.md is stale: run 'dotnet run --project cli -- isa --doc docs/isa.md' and commit it");
    }

    [Fact]
    public async Task The_C_header_encodes_every_instruction_as_the_CSharp_encoder_does_with_its_enumerated_values()
    {
        var random = new Random(5);
        var program = new StringBuilder("#include <stdio.h>\n#include \"diffacc_isa.h\"\nint main(void) {\n    uint8_t w[DIFFACC_INSTRUCTION_BYTES];\n");
        var expected = new StringBuilder();
        foreach (var format in InstructionSet.Formats)
        {
            var instruction = (Instruction)Activator.CreateInstance(format.Type)!;
            program.Append("    for (int i = 0; i < DIFFACC_INSTRUCTION_BYTES; ++i) w[i] = 0;\n");
            program.Append($"    diffacc_set_field(w, DIFFACC_OPCODE_OFFSET, DIFFACC_OPCODE_BITS, DIFFACC_OP_{format.Mnemonic});\n");
            foreach (var field in format.Fields.Where(f => f.Property is not null))
            {
                var value = field.Min + (long)(random.NextDouble() * (field.Max - (double)field.Min));
                var type = field.Property!.PropertyType;
                // An enumerated field takes one of its values, written by the header's name for it.
                var named = type.IsEnum && !type.IsDefined(typeof(FlagsAttribute), false) ? Enum.GetValues(type).Cast<Enum>().ToArray() : null;
                var member = named?[random.Next(named.Length)];
                if (member is not null)
                    value = Convert.ToInt64(member, System.Globalization.CultureInfo.InvariantCulture);
                field.Property.SetValue(instruction, type == typeof(bool) ? value != 0 : type.IsEnum ? Enum.ToObject(type, value) : Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture));
                var macro = field.Offset < InstructionSet.HeaderBits ? $"DIFFACC_{IsaDocument.Macro(field.Name)}" : $"DIFFACC_{format.Mnemonic}_{IsaDocument.Macro(field.Name)}";
                var bits = (ulong)value & (field.Bits >= 64 ? ulong.MaxValue : (1UL << field.Bits) - 1);
                var written = member is null ? $"{bits}ull" : $"DIFFACC_{IsaDocument.Macro(type.Name)}_{IsaDocument.Macro(member.ToString())}";
                program.Append($"    diffacc_set_field(w, {macro}_OFFSET, {macro}_BITS, {written});\n");
            }
            program.Append("    for (int i = 0; i < DIFFACC_INSTRUCTION_BYTES; ++i) printf(\"%02x\", w[i]);\n    printf(\"\\n\");\n");
            expected.AppendLine(Convert.ToHexString(InstructionSet.Encode(instruction)).ToLowerInvariant());
        }
        program.Append("    return 0;\n}\n");
        var directory = Directory.CreateTempSubdirectory("diffacc-header-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "diffacc_isa.h"), IsaDocument.CHeader(Presets.Default));
        await File.WriteAllTextAsync(Path.Combine(directory, "encode.c"), program.ToString());
        var compile = await Cli.Wrap("gcc").WithArguments(["-std=c99", "-Wall", "-Wextra", "-Werror", "-o", "encode", "encode.c"]).WithWorkingDirectory(directory).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(compile.ExitCode == 0, compile.StandardError);
        var run = await Cli.Wrap(Path.Combine(directory, "encode")).ExecuteBufferedAsync();
        Assert.Equal(expected.ToString(), run.StandardOutput.Replace("\r", "", StringComparison.Ordinal));
    }
}
