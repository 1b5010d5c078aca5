using DiffAcc.Hdl;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc generate</c>: files on success; exit code 1, every error and nothing written on failure.</summary>
public sealed class GenerateCommandTests
{
    private sealed class Broken : Module
    {
        public Broken()
        {
            var a = Input(UInt(8), "a");
            Output(UInt(4), "narrow").Assign(a); // @mark narrow
            Output(UInt(4), "forgotten");
        }
    }

    private sealed class Fine : Module
    {
        public Fine()
        {
            var a = Input(UInt(8), "a");
            Output(UInt(8), "y").Assign(RegNext(a));
        }
    }

    private static (int Code, string Errors) Run(HdlFlow flow, string directory)
    {
        var errors = new StringWriter();
        var saved = Console.Error;
        Console.SetError(errors);
        try
        {
            return (GenerateCommand.Run(flow, new DirectoryInfo(Path.Combine(directory, "rtl")), new DirectoryInfo(Path.Combine(directory, "xdc"))), errors.ToString());
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    [Fact]
    public void Design_errors_exit_1_with_every_message_and_write_nothing()
    {
        var directory = Directory.CreateTempSubdirectory("diffacc-cli-").FullName;
        var (code, errors) = Run(HdlFlow.For(() => new Broken()), directory);
        Assert.Equal(1, code);
        var line = File.ReadAllLines(ThisFile()).ToList().FindIndex(l => l.EndsWith("// @mark narrow", StringComparison.Ordinal)) + 1;
        Assert.Contains($"GenerateCommandTests.cs:{line}: error [WidthCheck]: implicit truncation", errors);
        Assert.Contains("error [UndrivenCheck]: no driver: output 'forgotten'", errors);
        Assert.Contains("2 error(s); nothing was written.", errors);
        Assert.DoesNotContain("   at ", errors);
        Assert.False(Directory.Exists(Path.Combine(directory, "rtl")));
    }

    [Fact]
    public void A_clean_design_writes_verilog_filelist_and_xdc()
    {
        var directory = Directory.CreateTempSubdirectory("diffacc-cli-").FullName;
        var (code, errors) = Run(HdlFlow.For(() => new Fine()), directory);
        Assert.True(code == 0, errors);
        Assert.True(File.Exists(Path.Combine(directory, "rtl", "Fine.v")));
        Assert.Equal("Fine.v", File.ReadAllText(Path.Combine(directory, "rtl", "filelist.f")).Trim());
        Assert.Contains("create_clock -name sys -period 3.333 [get_ports clk]", File.ReadAllText(Path.Combine(directory, "xdc", "Fine.xdc")));
    }

    [Fact]
    public void The_small_preset_writes_DiffAccTop_its_header_and_its_constraints()
    {
        var directory = Directory.CreateTempSubdirectory("diffacc-cli-").FullName;
        var (code, output, error) = CommandLine.Run("generate", "--preset", "small", "--out", Path.Combine(directory, "rtl"), "--constraints", Path.Combine(directory, "xdc"));
        Assert.True(code == 0, output + error);
        Assert.True(File.Exists(Path.Combine(directory, "rtl", "DiffAccTop.v")));
        Assert.Matches(@"\d+ module\(s\), 0 errors, 0 warning\(s\), in \d+\.\d s\.", output);
        Assert.Contains("#define DIFFACC_TN 8", File.ReadAllText(Path.Combine(directory, "rtl", "diffacc_isa.h")));
        Assert.True(File.Exists(Path.Combine(directory, "xdc", "DiffAccTop.xdc")));
        Assert.Empty(Directory.EnumerateFiles(directory, "*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>docs/vivado.md advises a lower clockMHz when timing fails: every module of the machine takes the configured clock.</summary>
    [Theory]
    [InlineData(250, "4.000")]
    [InlineData(299.9, "3.334")]
    public void A_lower_clock_in_the_configuration_elaborates_and_constrains_the_design(double mhz, string period)
    {
        var directory = Directory.CreateTempSubdirectory("diffacc-cli-").FullName;
        var config = Path.Combine(directory, "config.json");
        File.WriteAllText(config, $$"""{ "preset": "small", "clockMHz": {{mhz.ToString(System.Globalization.CultureInfo.InvariantCulture)}} }""");
        var (code, output, error) = CommandLine.Run("generate", "--config", config, "--out", Path.Combine(directory, "rtl"), "--constraints", Path.Combine(directory, "xdc"));
        Assert.True(code == 0, output + error);
        Assert.Contains($"create_clock -name sys -period {period} [get_ports clk]", File.ReadAllText(Path.Combine(directory, "xdc", "DiffAccTop.xdc")));
    }

    [Fact]
    public void An_output_folder_that_cannot_be_written_is_one_line_and_changes_nothing()
    {
        var directory = Directory.CreateTempSubdirectory("diffacc-cli-").FullName;
        var blocker = Path.Combine(directory, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var (code, output, error) = CommandLine.Run("generate", "--preset", "small", "--out", Path.Combine(directory, "rtl"), "--constraints", blocker);
        Assert.Equal(1, code);
        Assert.StartsWith("error: cannot write the outputs", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error + output);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(directory, "rtl")));
        Assert.Equal("not a folder", File.ReadAllText(blocker));
    }

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string file = "") => file;
}
