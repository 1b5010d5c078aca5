using System.CommandLine;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Emit;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc generate</c>: elaborate and check the Diff-Acc accelerator (DiffAccTop) and write its Verilog, the host header and the XDC.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the Verilog files and filelist.f", DefaultValueFactory = _ => new DirectoryInfo("rtl-out") };
        var constraints = new Option<DirectoryInfo>("--constraints") { Description = "Folder for the XDC file", DefaultValueFactory = _ => new DirectoryInfo("constraints") };
        var accelerator = new AcceleratorOptions();
        var command = new Command("generate", "Elaborate the Diff-Acc accelerator (DiffAccTop) of a preset (default xczu9eg), check it and write its Verilog and diffacc_isa.h to rtl-out/ and its XDC to constraints/") { output, constraints };
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
            return Run(Flow(config), result.GetValue(output)!, result.GetValue(constraints)!, [new EmittedFile("diffacc_isa.h", IsaDocument.CHeader(config))]);
        });
        return command;
    }

    /// <summary>The flow that builds a configuration's accelerator for its part.</summary>
    internal static HdlFlow Flow(AcceleratorConfig config) => DiffAccTop.Flow(config);

    internal static int Run(HdlFlow flow, DirectoryInfo output, DirectoryInfo constraints, IReadOnlyList<EmittedFile>? extraFiles = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
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
        foreach (var warning in result.Warnings)
            Console.Error.WriteLine(warning);
        if (!result.Succeeded)
        {
            foreach (var diagnostic in result.Diagnostics)
                Console.Error.WriteLine(diagnostic);
            Console.Error.WriteLine($"{result.Diagnostics.Count} error(s); nothing was written.");
            return 1;
        }
        IReadOnlyList<string> files;
        try
        {
            files = result.WriteTo(output.FullName, constraints.FullName, extraFiles);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot write the outputs into {output.FullName} and {constraints.FullName}: {e.Message} Nothing was changed.");
            return 1;
        }
        var table = new Table().AddColumn("file").AddColumn(new TableColumn("lines").RightAligned());
        foreach (var file in files)
            table.AddRow(Path.GetRelativePath(Environment.CurrentDirectory, file), File.ReadLines(file).Count().ToString(System.Globalization.CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[green]{result.Design.Top.Name}[/]: {result.Design.Modules.Count} module(s), 0 errors, {result.Warnings.Count} warning(s), in {watch.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s.");
        return 0;
    }
}
