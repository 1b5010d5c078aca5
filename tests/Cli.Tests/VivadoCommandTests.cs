using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;

namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc vivado</c>: the folder, its script run under tclsh against stubs of Vivado's commands, and its ports.</summary>
public sealed partial class VivadoCommandTests
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("diffacc-vivado-").FullName, "small");
        var (code, output, error) = CommandLine.Run("vivado", "--preset", "small", "--out", folder);
        Assert.True(code == 0, output + error);
        return folder;
    });

    private static async Task<BufferedCommandResult> Stubbed(string folder, string script = "build.tcl")
        => await CliWrap.Cli.Wrap("tclsh").WithArguments([Path.Combine(AppContext.BaseDirectory, "vivado_stubs.tcl"), script])
            .WithWorkingDirectory(folder).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

    [Fact]
    public async Task The_build_script_runs_against_the_vivado_stubs_and_reads_every_source()
    {
        var folder = Folder.Value;
        var run = await Stubbed(folder);
        Assert.True(run.ExitCode == 0, run.StandardError);
        var calls = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(["read_xdc", "synth_design", "write_checkpoint", "report_utilization", "opt_design", "place_design", "phys_opt_design", "write_checkpoint", "route_design", "write_checkpoint", "report_utilization", "report_timing_summary"],
            calls.Where(c => c != "read_verilog").ToList());
        var read = run.StandardOutput.Split('\n').Where(l => l.StartsWith("read_verilog ", StringComparison.Ordinal)).Select(l => l["read_verilog ".Length..].Trim()).ToHashSet();
        var sources = Directory.GetFiles(Path.Combine(folder, "rtl"), "*.v").Select(f => $"rtl/{Path.GetFileName(f)}").ToHashSet();
        Assert.Equal(sources, read);
        Assert.Contains("synth_design -top DiffAccTop -part xczu9eg-ffvb1156-2-e -mode out_of_context", run.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "README.md")));
        Assert.Contains("vivado -mode batch -source build.tcl", File.ReadAllText(Path.Combine(folder, "README.md")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("place_design", "place_desing", "not a Vivado command")]
    [InlineData("-part $part", "-prat $part", "unknown option -prat")]
    [InlineData("read_xdc constraints/DiffAccTop.xdc", "read_xdc constraints/Missing.xdc", "no such file")]
    public async Task A_wrong_script_fails_the_stubs(string from, string to, string message)
    {
        var folder = Folder.Value;
        var wrong = Path.Combine(folder, "wrong.tcl");
        File.WriteAllText(wrong, File.ReadAllText(Path.Combine(folder, "build.tcl")).Replace(from, to, StringComparison.Ordinal));
        var run = await Stubbed(folder, "wrong.tcl");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_port_the_xdc_names_is_a_port_of_the_top()
    {
        var folder = Folder.Value;
        var top = File.ReadAllText(Path.Combine(folder, "rtl", "DiffAccTop.v"));
        var ports = PortDeclaration().Matches(top).Select(m => m.Groups[1].Value).ToHashSet();
        var named = GetPorts().Matches(File.ReadAllText(Path.Combine(folder, "constraints", "DiffAccTop.xdc"))).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(named);
        Assert.All(named, p => Assert.Contains(p, ports));
    }

    [GeneratedRegex(@"^\s*(?:input|output)\s+wire\s+(?:signed\s+)?(?:\[[^\]]+\]\s+)?(\w+)", RegexOptions.Multiline)]
    private static partial Regex PortDeclaration();

    [GeneratedRegex(@"get_ports\s+\{?(\w+)")]
    private static partial Regex GetPorts();
}
