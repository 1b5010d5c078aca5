using System.CommandLine;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Emit;
using DiffAcc.Hdl.Emit.Vivado;

namespace DiffAcc.Cli;

/// <summary>
/// <c>diffacc vivado</c>: a self-contained folder for Vivado's batch mode: the accelerator's Verilog and
/// XDC, the non-project build script (out of context: the accelerator's AXI ports meet the processing
/// system inside a block design, not package pins) and a README that says how to run it. Written all
/// or nothing.
/// </summary>
internal static class VivadoCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write (rtl/, constraints/, build.tcl, README.md)", Required = true };
        var accelerator = new AcceleratorOptions();
        var command = new Command("vivado", "Write a Vivado batch-mode folder for the accelerator: sources, XDC, the non-project build scripts and how to run them") { output };
        accelerator.AddTo(command);
        command.SetAction(result =>
        {
            try
            {
                var config = accelerator.Resolve(result);
                var folder = result.GetValue(output)!.FullName;
                if (OutputPath.Refuses(OutputPath.FolderProblem("--out", folder)))
                    return 1;
                var written = Write(config, folder);
                Console.WriteLine($"wrote {folder}: {written.Count} files; run there: vivado -mode batch -source build.tcl");
                return 0;
            }
            catch (ConfigException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is HdlException or Hdl.Checks.DesignErrorsException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Every file of the folder, by its path relative to it.</summary>
    public static IReadOnlyList<EmittedFile> Files(AcceleratorConfig config)
    {
        var result = GenerateCommand.Flow(config).Run().ThrowIfFailed();
        var xdc = result.Xdc!;
        var files = new List<EmittedFile>();
        files.AddRange(result.Verilog.Select(f => f with { Name = $"rtl/{f.Name}" }));
        files.Add(new EmittedFile("rtl/diffacc_isa.h", IsaDocument.CHeader(config)));
        files.Add(xdc with { Name = $"constraints/{xdc.Name}" });
        // Out of context: DiffAccTop's AXI ports go to the processing system, not to package pins.
        files.Add(VivadoBuild.Emit(result.Design, config.Part.Name, result.Verilog, xdc, outOfContext: true));
        files.Add(new EmittedFile("README.md", TemplateText.Render("vivado-readme.md.sbn", new
        {
            Top = result.Design.Top.Name,
            Part = config.Part.Name,
            Preset = config.Name,
            Clock = config.ClockMHz,
            Modules = result.Design.Modules.Count,
        }, typeof(VivadoCommand).Assembly)));
        return files;
    }

    public static IReadOnlyList<string> Write(AcceleratorConfig config, string folder)
        => StagedWrite.Files(Files(config).Select(f => (Path.Combine(folder, f.Name), System.Text.Encoding.UTF8.GetBytes(f.Text))));
}
