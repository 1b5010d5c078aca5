using System.CommandLine;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl.Emit;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc isa</c>: the instruction set's reference, generated from its definition.</summary>
internal static class IsaCommand
{
    public static Command Create()
    {
        var doc = new Option<FileInfo?>("--doc") { Description = "Write the reference (docs/isa.md) to this file" };
        var command = new Command("isa", "Print the Diff-Acc instructions; --doc writes the generated reference (docs/isa.md)") { doc };
        command.SetAction(result =>
        {
            var table = new Table().AddColumn(new TableColumn("opcode").RightAligned()).AddColumn("mnemonic").AddColumn("engine").AddColumn(new TableColumn("bits").RightAligned()).AddColumn("what it does");
            foreach (var f in InstructionSet.Formats)
                table.AddRow(f.Opcode.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Mnemonic, f.Engine.ToString().ToUpperInvariant(), f.Layout.UsedBits.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(f.Summary));
            AnsiConsole.Write(table);
            if (result.GetValue(doc) is not { } file)
                return 0;
            try
            {
                StagedWrite.Files([(file.FullName, System.Text.Encoding.UTF8.GetBytes(IsaDocument.Markdown()))]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: cannot write {file.FullName}: {e.Message}");
                return 1;
            }
            Console.WriteLine($"wrote {file.FullName} (in {DiffAccCommand.Elapsed})");
            return 0;
        });
        return command;
    }
}
