namespace DiffAcc.Cli.Tests;

/// <summary>Help is the same text on every machine: no option shows where this build happens to lie.</summary>
public sealed class HelpTextTests
{
    [Theory]
    [InlineData("generate")]
    [InlineData("isa")]
    [InlineData("bench", "hdl")]
    [InlineData("bench", "cosim")]
    [InlineData("bench", "fuzz")]
    [InlineData("bench", "model")]
    [InlineData("bench", "isa-fuzz")]
    [InlineData("sim")]
    [InlineData("estimate")]
    [InlineData("timing")]
    [InlineData("vivado")]
    [InlineData("compile")]
    [InlineData("perf")]
    [InlineData("explore")]
    [InlineData("sample")]
    [InlineData("quantize")]
    [InlineData("model", "random")]
    [InlineData("report", "quant")]
    [InlineData("report", "numerics")]
    public void Help_names_no_absolute_path_of_the_build(params string[] command)
    {
        var (code, output, error) = CommandLine.Run([.. command, "--help"]);
        Assert.True(code == 0, output + error);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        var build = AppContext.BaseDirectory.TrimEnd('/');
        var root = Path.GetFullPath(Path.Combine(build, "..", "..", "..", "..", ".."));
        Assert.DoesNotContain(build, output, StringComparison.Ordinal);
        Assert.DoesNotContain(root + "/", output, StringComparison.Ordinal);
    }
}
