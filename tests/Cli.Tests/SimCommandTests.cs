using System.Xml.Linq;

namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc sim</c>: selection, summary, exit code and JUnit XML.</summary>
public sealed class SimCommandTests
{
    private static async Task<(int Code, string Output)> Run(string? filter, FileInfo? junit)
    {
        var output = new StringWriter();
        var saved = Console.Out;
        Console.SetOut(output);
        try
        {
            return (await SimCommand.RunAsync(SimCommand.Testbenches, filter, trace: false, junit, CancellationToken.None), output.ToString());
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
