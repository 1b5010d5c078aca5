using System.Xml.Linq;

namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc sim</c>: selection, summary, exit code and JUnit XML.</summary>
public sealed class SimCommandTests
{
    private static async Task<(int Code, string Output)> Run(string? filter, FileInfo? junit, bool trace = false)
    {
        var output = new StringWriter();
        var saved = Console.Out;
        Console.SetOut(output);
        try
        {
            return (await SimCommand.RunAsync(SimCommand.Testbenches, filter, trace, junit, CancellationToken.None, traceCycles: 300), output.ToString());
        }
        finally
        {
            Console.SetOut(saved);
        }
    }

    [Fact]
    public async Task A_filtered_run_prints_the_summary_and_writes_JUnit_XML()
    {
        var junit = new FileInfo(Path.Combine(Directory.CreateTempSubdirectory("diffacc-junit-").FullName, "results.xml"));
        var (code, output) = await Run("mac-array-4x4-*", junit);
        Assert.Equal(0, code);
        Assert.Contains("2 passed, 0 failed", output);

        var suite = XDocument.Load(junit.FullName).Root!.Element("testsuite")!;
        Assert.Equal("2", suite.Attribute("tests")!.Value);
        Assert.Equal("0", suite.Attribute("failures")!.Value);
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(["mac-array-4x4-golden", "mac-array-4x4-ir"], cases.Select(c => c.Attribute("name")!.Value));
        Assert.All(cases, c => Assert.Null(c.Element("failure")));
        Assert.Equal("200000", cases[0].Element("properties")!.Element("property")!.Attribute("value")!.Value);
    }

    [Fact]
    public async Task With_trace_each_testbench_writes_a_VCD_and_a_GTKWave_save_file()
    {
        var (code, output) = await Run("mac-array-4x4-golden", null, trace: true);
        Assert.Equal(0, code);
        var vcd = Path.GetFullPath(Path.Combine("sim-traces", "mac-array-4x4-golden.vcd"));
        Assert.Contains($"trace: {vcd}", output);
        var text = await File.ReadAllTextAsync(vcd);
        Assert.Contains("$scope module TOP $end", text);
        Assert.Contains(" Accs_15 [31:0] $end", text);
        Assert.Contains("#2990", text);
        Assert.DoesNotContain("#3000\n", text);
        Assert.Contains("TOP.MacArray4x4.pe_3_3.acc[31:0]", await File.ReadAllTextAsync(Path.ChangeExtension(vcd, ".gtkw")));
    }

    [Fact]
    public async Task A_filter_that_matches_nothing_fails_and_names_the_testbenches()
    {
        var errors = new StringWriter();
        var saved = Console.Error;
        Console.SetError(errors);
        try
        {
            var (code, _) = await Run("no-such-*", null);
            Assert.Equal(1, code);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains("no testbench matches 'no-such-*'; known: mac-array-4x4-golden", errors.ToString());
    }
}
