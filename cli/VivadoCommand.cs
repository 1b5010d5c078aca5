using System.CommandLine;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Vivado;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Emit;
using DiffAcc.Hdl.Emit.Vivado;
using DiffAcc.Hdl.Emit.Xdc;

namespace DiffAcc.Cli;

/// <summary>
/// <c>diffacc vivado</c>: a self-contained folder for Vivado's batch mode: the accelerator packaged as
/// an IP (Verilog, XDC, IP-XACT component.xml), the ZCU102 block design and the project script that
/// builds it to a bitstream and an .xsa, the out-of-context build of the accelerator alone, the host
/// header and a README that says how to run them. Written all or nothing.
/// </summary>
internal static class VivadoCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write (ip/, constraints/, system.tcl, bd.tcl, build.tcl, host/, README.md)", Required = true };
        var accelerator = new AcceleratorOptions();
        var command = new Command("vivado", "Write a Vivado batch-mode folder: the accelerator as an IP, the ZCU102 block design and bitstream flow, the out-of-context build and how to run them") { output };
        accelerator.AddTo(command);
        command.SetAction(result =>
        {
            try
            {
                var config = accelerator.Resolve(result);
                var folder = result.GetValue(output)!.FullName;
                if (OutputPath.Refuses(OutputPath.FolderProblem("--out", folder)))
                    return 1;
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var written = Write(config, folder);
                Console.WriteLine($"wrote {folder}: {written.Count} files in {watch.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s; run there: vivado -mode batch -source system.tcl (bitstream for the ZCU102) or build.tcl (the accelerator alone)");
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
        var design = result.Design;
        var top = design.Top.Name;
        var verilog = result.Verilog.Where(f => f.Name.EndsWith(".v", StringComparison.Ordinal) || f.Name.EndsWith(".mem", StringComparison.Ordinal)).ToList();
        // Out of context the XDC defines the clock; inside the block design pl_clk0 does, so the IP's XDC leaves it out.
        var standalone = result.Xdc!;
        var inSystem = XdcEmitter.Emit(design, config.Part.Name, clocks: false);
        var files = new List<EmittedFile>();
        files.AddRange(verilog.Select(f => f with { Name = $"ip/rtl/{f.Name}" }));
        files.Add(inSystem with { Name = $"ip/constraints/{inSystem.Name}" });
        files.Add(AcceleratorIp.Component(config, design, [.. verilog.Where(f => f.Name.EndsWith(".v", StringComparison.Ordinal)).Select(f => $"rtl/{f.Name}")], $"constraints/{inSystem.Name}") with { Name = "ip/component.xml" });
        files.Add(standalone with { Name = $"constraints/{standalone.Name}" });
        files.Add(VivadoBuild.Emit(design, config.Part.Name, verilog, standalone, rtlFolder: "ip/rtl", outOfContext: true));
        files.Add(Zcu102System.BlockDesignScript(config, design));
        files.Add(Zcu102System.ProjectScript(config, design));
        files.Add(Zcu102System.DeviceTreeOverlay(config, design));
        files.Add(new EmittedFile("host/diffacc_isa.h", IsaDocument.CHeader(config)));
        files.AddRange(HostDriver.Board.Select(f => f with { Name = $"host/{f.Name}" }));
        files.Add(new EmittedFile("README.md", TemplateText.Render("vivado-readme.md.sbn", new
        {
            Top = top,
            Part = config.Part.Name,
            Preset = config.Name,
            Clock = config.ClockMHz,
            Modules = design.Modules.Count,
            Vlnv = AcceleratorIp.Vlnv(design),
            ControlAddress = $"0x{AcceleratorIp.ControlAddress:X8}",
            Board = Zcu102System.Board,
            Pblocks = design.Pblocks.Count,
            Masters = Zcu102System.MasterPorts(config).Select(m => new { Name = m.Master, m.Port }).ToList(),
        }, typeof(VivadoCommand).Assembly)));
        return files;
    }

    public static IReadOnlyList<string> Write(AcceleratorConfig config, string folder)
        => StagedWrite.Files(Files(config).Select(f => (Path.Combine(folder, f.Name), System.Text.Encoding.UTF8.GetBytes(f.Text))));
}
