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

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string file = "") => file;
}
