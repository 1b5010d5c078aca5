using System.CommandLine;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc generate</c>: elaborate, check and write the Diff-Acc datapath's Verilog and XDC.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the Verilog files and filelist.f", DefaultValueFactory = _ => new DirectoryInfo("rtl-out") };
        var constraints = new Option<DirectoryInfo>("--constraints") { Description = "Folder for the XDC file", DefaultValueFactory = _ => new DirectoryInfo("constraints") };
        var accelerator = new AcceleratorOptions();
        var command = new Command("generate", "Elaborate the Diff-Acc datapath of a preset (default xczu9eg), check it and write rtl-out/ and constraints/") { output, constraints };
        accelerator.AddTo(command);
        command.SetAction(result =>
        {
            AcceleratorConfig config;
            try
            {
                config = accelerator.Resolve(result);
            }
            catch (ConfigException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            return Run(Flow(config), result.GetValue(output)!, result.GetValue(constraints)!);
        });
        return command;
    }

    /// <summary>The flow that builds a configuration's datapath for its part.</summary>
    internal static HdlFlow Flow(AcceleratorConfig config) => HdlFlow.For(() => new DiffAccTop(config)).WithPart(config.Part.Name);

    internal static int Run(HdlFlow flow, DirectoryInfo output, DirectoryInfo constraints)
    {
        HdlResult result;
        try
        {
            result = flow.Run();
        }
        catch (HdlException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        if (!result.Succeeded)
        {
            foreach (var diagnostic in result.Diagnostics)
                Console.Error.WriteLine(diagnostic);
            Console.Error.WriteLine($"{result.Diagnostics.Count} error(s); nothing was written.");
            return 1;
        }
        var files = result.WriteTo(output.FullName, constraints.FullName);
        var table = new Table().AddColumn("file").AddColumn(new TableColumn("lines").RightAligned());
        foreach (var file in files)
            table.AddRow(Path.GetRelativePath(Environment.CurrentDirectory, file), File.ReadLines(file).Count().ToString(System.Globalization.CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[green]{result.Design.Top.Name}[/]: {result.Design.Modules.Count} module(s), 0 errors.");
        return 0;
    }
}
