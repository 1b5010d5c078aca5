namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc timing</c> refuses bad input with one line and a non-zero exit, before any synthesis.</summary>
public sealed class TimingCommandTests
{
    [Theory]
    [InlineData("--budget 0", "--budget must be at least 1, not 0")]
    [InlineData("--netlist {dir}/not-a-netlist.json", "is not a flattened Yosys netlist of DiffAccTop")]
    [InlineData("--netlist {dir}/text.json", "not JSON (a Yosys netlist is)")]
    [InlineData("--netlist {dir}/missing.json", "missing.json")]
    [InlineData("--keep-netlist /proc/diffacc/netlist.json", "error: --keep-netlist /proc/diffacc/netlist.json: cannot write")]
    public void Bad_input_is_one_line_and_exit_code_1(string options, string message)
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-timing-").FullName;
        File.WriteAllText(Path.Combine(folder, "not-a-netlist.json"), """{ "creator": "not yosys" }""");
        File.WriteAllText(Path.Combine(folder, "text.json"), "module x;");
        var (code, output, error) = CommandLine.Run(["timing", "--preset", "small", .. options.Replace("{dir}", folder, StringComparison.Ordinal).Split(' ')]);
        Assert.Equal(1, code);
        Assert.Contains(message, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }
}
