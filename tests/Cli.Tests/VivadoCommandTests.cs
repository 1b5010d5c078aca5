using System.Text.RegularExpressions;
using System.Xml.Linq;
using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Cli.Tests;

/// <summary>
/// <c>diffacc vivado</c>: the folder; its scripts run under tclsh against stubs of Vivado's commands
/// (which model the IP catalog and the block design well enough to reject a wrong connection); its
/// IP-XACT component and XDC files checked against the ports of the emitted top.
/// </summary>
public sealed partial class VivadoCommandTests
{
    private static readonly XNamespace Spirit = "http://www.spiritconsortium.org/XMLSchema/SPIRIT/1685-2009";

    // The small preset with the default design's four weights masters, so the block design uses HP0 to HP3 and HPC0.
    private static readonly Lazy<string> Folder = new(() =>
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("diffacc-vivado-config-").FullName, "two-weight-ports.json");
        File.WriteAllText(config, """{ "preset": "small", "tm": 8, "weightPorts": 4 }""");
        return Write("--config", config);
    });

    private static string Write(params string[] options)
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("diffacc-vivado-").FullName, "out");
        var (code, output, error) = CommandLine.Run(["vivado", .. options, "--out", folder]);
        Assert.True(code == 0, output + error);
        Assert.Matches(@"wrote .*: \d+ files in \d+\.\d s; run there", output);
        return folder;
    }

    private static async Task<BufferedCommandResult> Stubbed(string folder, string script, string? worstSlack = null, params string[] tclArgs)
        => await CliWrap.Cli.Wrap("tclsh").WithArguments([Path.Combine(AppContext.BaseDirectory, "vivado_stubs.tcl"), script, .. tclArgs])
            .WithEnvironmentVariables(worstSlack is null ? [] : new Dictionary<string, string?> { ["STUB_WNS"] = worstSlack })
            .WithWorkingDirectory(folder).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

    [Fact]
    public async Task The_system_flow_stops_before_the_bitstream_when_timing_is_not_met_unless_told_otherwise()
    {
        var run = await Stubbed(Folder.Value, "system.tcl", "-0.042");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("timing is not met: WNS -0.042 ns", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("write_bitstream", run.StandardOutput, StringComparison.Ordinal);

        var forced = await Stubbed(Folder.Value, "system.tcl", "-0.042", "allow_negative_slack");
        Assert.True(forced.ExitCode == 0, forced.StandardError);
        Assert.Contains("write_bitstream", forced.StandardOutput, StringComparison.Ordinal);
    }

    private static List<string> Commands(BufferedCommandResult run)
        => [.. run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0])];

    /// <summary>A copy of the folder with one text replaced in one file, which must occur there.</summary>
    private static string Mutated(string file, string from, string to)
    {
        var copy = Path.Combine(Directory.CreateTempSubdirectory("diffacc-vivado-wrong-").FullName, "out");
        foreach (var source in Directory.EnumerateFiles(Folder.Value, "*", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}build{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Folder.Value, source));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }
        var path = Path.Combine(copy, file);
        var text = File.ReadAllText(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
        return copy;
    }

    [Fact]
    public async Task The_out_of_context_build_runs_against_the_vivado_stubs_and_reads_every_source()
    {
        var folder = Folder.Value;
        var run = await Stubbed(folder, "build.tcl");
        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal(["read_xdc", "synth_design", "write_checkpoint", "report_utilization", "opt_design", "place_design", "phys_opt_design", "write_checkpoint", "route_design", "write_checkpoint", "report_utilization", "report_timing_summary"],
            Commands(run).Where(c => c != "read_verilog").ToList());
        var read = run.StandardOutput.Split('\n').Where(l => l.StartsWith("read_verilog ", StringComparison.Ordinal)).Select(l => l["read_verilog ".Length..].Trim()).ToHashSet();
        var sources = Directory.GetFiles(Path.Combine(folder, "ip", "rtl"), "*.v").Select(f => $"ip/rtl/{Path.GetFileName(f)}").ToHashSet();
        Assert.Equal(sources, read);
        Assert.Contains("synth_design -top DiffAccTop -part xczu9eg-ffvb1156-2-e -mode out_of_context", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_system_flow_builds_the_block_design_and_writes_the_bitstream_and_platform()
    {
        var folder = Folder.Value;
        var run = await Stubbed(folder, "system.tcl");
        Assert.True(run.ExitCode == 0, run.StandardError);
        var commands = Commands(run);
        Assert.Equal(["create_project", "update_ip_catalog", "create_bd_design", "apply_bd_automation", "validate_bd_design", "save_bd_design", "make_wrapper", "add_files", "launch_runs", "wait_on_run", "open_run", "write_bitstream", "write_hw_platform"],
            commands.Where(c => c is not ("set_property" or "create_bd_cell" or "connect_bd_intf_net" or "connect_bd_net" or "assign_bd_address" or "report_utilization" or "report_timing_summary")).ToList());
        Assert.Contains("create_bd_cell accelerator diffacc_0", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("connect_bd_intf_net m_axi_data_interconnect/M00_AXI zynq_ultra_ps_e_0/S_AXI_HP0_FPD", run.StandardOutput, StringComparison.Ordinal);
        // The default design's four weights masters on HP1 to HP3 and HPC0.
        Assert.Contains("connect_bd_intf_net m_axi_weights_interconnect/M00_AXI zynq_ultra_ps_e_0/S_AXI_HP1_FPD", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("connect_bd_intf_net m_axi_weights1_interconnect/M00_AXI zynq_ultra_ps_e_0/S_AXI_HP2_FPD", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("connect_bd_intf_net m_axi_weights2_interconnect/M00_AXI zynq_ultra_ps_e_0/S_AXI_HP3_FPD", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("connect_bd_intf_net m_axi_weights3_interconnect/M00_AXI zynq_ultra_ps_e_0/S_AXI_HPC0_FPD", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("connect_bd_net diffacc_0/irq zynq_ultra_ps_e_0/pl_ps_irq0", run.StandardOutput, StringComparison.Ordinal);
        var readme = File.ReadAllText(Path.Combine(folder, "README.md"));
        Assert.Contains("vivado -mode batch -source system.tcl", readme, StringComparison.Ordinal);
        Assert.Contains("vivado -mode batch -source build.tcl", readme, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("build.tcl", "build.tcl", "place_design", "place_desing", "not a Vivado command")]
    [InlineData("build.tcl", "build.tcl", "-part $part", "-prat $part", "unknown option -prat")]
    [InlineData("build.tcl", "build.tcl", "read_xdc constraints/DiffAccTop.xdc", "read_xdc constraints/Missing.xdc", "no such file")]
    [InlineData("system.tcl", "bd.tcl", "zynq_ultra_ps_e_0/S_AXI_HPC0_FPD]", "zynq_ultra_ps_e_0/S_AXI_HPC1_FPD]", "zynq_ultra_ps_e_0 has no interface pin S_AXI_HPC1_FPD")]
    [InlineData("system.tcl", "bd.tcl", "    [get_bd_pins zynq_ultra_ps_e_0/saxihpc0_fpd_aclk] \\\n", "", "validate_bd_design: zynq_ultra_ps_e_0/saxihpc0_fpd_aclk is not connected")]
    [InlineData("system.tcl", "bd.tcl", "    [get_bd_pins zynq_ultra_ps_e_0/saxihp2_fpd_aclk] \\\n", "", "validate_bd_design: zynq_ultra_ps_e_0/saxihp2_fpd_aclk is not connected")]
    [InlineData("system.tcl", "bd.tcl", "CONFIG.PSU__USE__M_AXI_GP1 {0}", "CONFIG.PSU__USE__M_AXI_GP1 {1}", "validate_bd_design: zynq_ultra_ps_e_0/maxihpm1_fpd_aclk is not connected")]
    [InlineData("system.tcl", "bd.tcl", "    [get_bd_pins zynq_ultra_ps_e_0/saxihp1_fpd_aclk] \\\n", "", "validate_bd_design: zynq_ultra_ps_e_0/saxihp1_fpd_aclk is not connected")]
    [InlineData("system.tcl", "bd.tcl", "diffacc_0/s_axi_control/reg0", "diffacc_0/s_axi_control/registers", "get_bd_addr_segs: no segment")]
    [InlineData("system.tcl", "bd.tcl", "-offset 0xA0000000", "-offset 0x80000000", "outside M_AXI_HPM0_FPD's window")]
    [InlineData("system.tcl", "bd.tcl", "diffacc.org:diffacc:DiffAccTop:1.0", "diffacc.org:diffacc:DiffAccTop:2.0", "is not in the catalog")]
    [InlineData("system.tcl", "ip/component.xml", "<spirit:name>m_axi_weights</spirit:name>", "<spirit:name>m_axi_weight</spirit:name>", "diffacc_0 has no interface pin m_axi_weights")]
    [InlineData("system.tcl", "system.tcl", "set_property top diffacc_wrapper", "set_property top_module diffacc_wrapper", "top_module is not a property")]
    public async Task A_wrong_script_or_component_fails_the_stubs(string script, string file, string from, string to, string message)
    {
        var folder = Mutated(file, from.ReplaceLineEndings("\n"), to);
        var run = await Stubbed(folder, script);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The top's ports as the Verilog declares them: name to (direction, width).</summary>
    private static Dictionary<string, (string Direction, int Width)> TopPorts(string folder)
        => PortDeclaration().Matches(File.ReadAllText(Path.Combine(folder, "ip", "rtl", "DiffAccTop.v")))
            .ToDictionary(m => m.Groups[3].Value, m => (m.Groups[1].Value == "input" ? "in" : "out", m.Groups[2].Success ? int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) + 1 : 1));

    [Fact]
    public async Task One_register_window_size_everywhere_and_the_overlay_compiles_with_dtc()
    {
        var folder = Folder.Value;
        var window = RegisterMap.WindowBytes;
        Assert.Equal(4096, window);
        // The slave decodes the whole window: its address ports are 12 bits.
        Assert.Equal(12, TopPorts(folder)["s_axi_control_awaddr"].Width);
        Assert.Equal(12, TopPorts(folder)["s_axi_control_araddr"].Width);
        var xml = XDocument.Load(Path.Combine(folder, "ip", "component.xml"));
        Assert.Equal(window, ParseNumber(xml.Descendants(Spirit + "addressBlock").Single().Element(Spirit + "range")!.Value));
        var bd = File.ReadAllText(Path.Combine(folder, "bd.tcl"));
        Assert.Contains($"-offset 0xA0000000 -range 0x{window:X8}", bd, StringComparison.Ordinal);
        var header = File.ReadAllText(Path.Combine(folder, "host", "diffacc_isa.h"));
        Assert.Contains($"#define DIFFACC_REG_WINDOW_BYTES 0x{window:X}u", header, StringComparison.Ordinal);
        var driver = File.ReadAllText(Path.Combine(folder, "host", "diffacc_linux.c"));
        Assert.Equal(2, Regex.Matches(driver, "DIFFACC_REG_WINDOW_BYTES").Count);
        Assert.DoesNotContain("0x10000", driver, StringComparison.Ordinal);

        var overlay = File.ReadAllText(Path.Combine(folder, "diffacc.dtso"));
        Assert.Contains($"reg = <0x0 0xa0000000 0x0 0x{window:x}>;", overlay, StringComparison.Ordinal);
        Assert.Contains("interrupts = <0 89 4>;", overlay, StringComparison.Ordinal);
        Assert.Contains("firmware-name = \"diffacc.bin\";", overlay, StringComparison.Ordinal);
        Assert.Contains("assigned-clock-rates = <300000000>;", overlay, StringComparison.Ordinal);
        Assert.Contains("compatible = \"generic-uio\";", overlay, StringComparison.Ordinal);
        var dtbo = Path.Combine(folder, "diffacc.dtbo");
        var dtc = await CliWrap.Cli.Wrap("dtc").WithArguments(["-@", "-I", "dts", "-O", "dtb", "-o", dtbo, "diffacc.dtso"]).WithWorkingDirectory(folder)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(dtc.ExitCode == 0, dtc.StandardError);
        // Back to source: the node, and fixups for the base tree's labels the overlay refers to.
        var back = await CliWrap.Cli.Wrap("dtc").WithArguments(["-I", "dtb", "-O", "dts", dtbo]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(back.ExitCode == 0, back.StandardError);
        Assert.Contains("diffacc@a0000000", back.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("__fixups__", back.StandardOutput, StringComparison.Ordinal);
        foreach (var label in new[] { "fpga_full", "amba", "gic", "zynqmp_clk" })
            Assert.Contains($"{label} = ", back.StandardOutput, StringComparison.Ordinal);
    }

    private static int ParseNumber(string text) => text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? Convert.ToInt32(text[2..], 16) : int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_component_declares_exactly_the_tops_ports_with_direction_and_width_and_the_isa_register_map()
    {
        var folder = Folder.Value;
        var ports = TopPorts(folder);
        var xml = XDocument.Load(Path.Combine(folder, "ip", "component.xml"));
        var declared = xml.Descendants(Spirit + "port").ToDictionary(
            p => p.Element(Spirit + "name")!.Value,
            p => (p.Descendants(Spirit + "direction").Single().Value, p.Descendants(Spirit + "left").SingleOrDefault() is { } left ? int.Parse(left.Value, System.Globalization.CultureInfo.InvariantCulture) + 1 : 1));
        Assert.Equal(ports.OrderBy(p => p.Key, StringComparer.Ordinal), declared.OrderBy(p => p.Key, StringComparer.Ordinal));
        var mapped = xml.Descendants(Spirit + "physicalPort").Select(p => p.Element(Spirit + "name")!.Value).ToList();
        Assert.Equal(ports.Keys.Order(StringComparer.Ordinal), mapped.Order(StringComparer.Ordinal));
        var registers = xml.Descendants(Spirit + "register").Select(r => (r.Element(Spirit + "name")!.Value, Convert.ToInt32(r.Element(Spirit + "addressOffset")!.Value, 16))).ToList();
        Assert.Equal(RegisterMap.All.Select(r => (r.Name, r.Offset)), registers);
        foreach (var file in xml.Descendants(Spirit + "file").Select(f => f.Element(Spirit + "name")!.Value))
            Assert.True(File.Exists(Path.Combine(folder, "ip", file)), $"component.xml names {file}, which is not in ip/");
        Assert.Equal(Directory.GetFiles(Path.Combine(folder, "ip", "rtl"), "*.v").Length, xml.Descendants(Spirit + "fileSet").First().Elements(Spirit + "file").Count() - 1);
    }

    [Fact]
    public void Every_port_an_xdc_names_is_a_port_of_the_top()
    {
        var folder = Folder.Value;
        var ports = TopPorts(folder);
        foreach (var xdc in new[] { Path.Combine(folder, "constraints", "DiffAccTop.xdc"), Path.Combine(folder, "ip", "constraints", "DiffAccTop.xdc") })
        {
            var named = GetPorts().Matches(File.ReadAllText(xdc)).Select(m => m.Groups[1].Value).ToList();
            Assert.All(named, p => Assert.Contains(p, ports.Keys));
        }
        Assert.Contains("create_clock -name sys -period 3.333 [get_ports clk]", File.ReadAllText(Path.Combine(folder, "constraints", "DiffAccTop.xdc")), StringComparison.Ordinal);
        Assert.DoesNotContain("create_clock", File.ReadAllText(Path.Combine(folder, "ip", "constraints", "DiffAccTop.xdc")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_floorplan_in_the_configuration_places_each_pe_group_in_its_pblock()
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("diffacc-vivado-pblocks-").FullName, "floorplan.json");
        File.WriteAllText(config, """{ "preset": "small", "groupPblocks": ["CLOCKREGION_X0Y0:CLOCKREGION_X1Y2", "CLOCKREGION_X2Y0:CLOCKREGION_X3Y2+CLOCKREGION_X2Y3:CLOCKREGION_X2Y3"] }""");
        var folder = Write("--config", config);
        var xdc = File.ReadAllText(Path.Combine(folder, "ip", "constraints", "DiffAccTop.xdc"));
        Assert.Contains("add_cells_to_pblock [get_pblocks pblock_compute_group_0] [get_cells compute/group_0]", xdc, StringComparison.Ordinal);
        Assert.Contains("resize_pblock [get_pblocks pblock_compute_group_1] -add {CLOCKREGION_X2Y0:CLOCKREGION_X3Y2 CLOCKREGION_X2Y3:CLOCKREGION_X2Y3}", xdc, StringComparison.Ordinal);
        Assert.Matches(@"ComputeEngine\w* compute \(", File.ReadAllText(Path.Combine(folder, "ip", "rtl", "DiffAccTop.v")));

        File.WriteAllText(config, """{ "preset": "small", "groupPblocks": ["CLOCKREGION_X0Y0:CLOCKREGION_X1Y2"] }""");
        var (code, _, error) = CommandLine.Run("vivado", "--config", config, "--out", Path.Combine(Path.GetDirectoryName(config)!, "refused"));
        Assert.Equal(1, code);
        Assert.Contains("groupPblocks", error, StringComparison.Ordinal);
        Assert.Contains("needs one site range per PE group (2), not 1", error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*(input|output)\s+wire\s+(?:signed\s+)?(?:\[(\d+):0\]\s+)?(\w+)", RegexOptions.Multiline)]
    private static partial Regex PortDeclaration();

    [GeneratedRegex(@"get_ports\s+\{?(\w+)")]
    private static partial Regex GetPorts();
}
