namespace DiffAcc.Hdl.Tests;

/// <summary>
/// The emitted Verilog and XDC of every design in <see cref="Designs"/> against the golden files in
/// Golden/, word for word. After an intended change, regenerate them with UPDATE_GOLDEN=1 and review the diff.
/// </summary>
public sealed class EmissionTests
{
    public static TheoryData<string> DesignNames => [.. Designs.All.Keys];

    private static string GoldenDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "Golden");

    [Theory]
    [MemberData(nameof(DesignNames))]
    public void Emission_matches_the_golden_files(string design)
    {
        var result = HdlFlow.For(Designs.All[design]).Run().ThrowIfFailed();
        var directory = Path.Combine(GoldenDirectory(), design);
        var files = result.Verilog.Append(result.Xdc!).ToList();
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
            Directory.CreateDirectory(directory);
            foreach (var file in files)
                File.WriteAllText(Path.Combine(directory, file.Name), file.Text);
        }
        Assert.True(Directory.Exists(directory), $"no golden files for {design}; run the tests once with UPDATE_GOLDEN=1 and review them");
        Assert.Equal(Directory.EnumerateFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal), files.Select(f => f.Name).Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            var expected = File.ReadAllText(Path.Combine(directory, file.Name)).Split(' ', '\n');
            var actual = file.Text.Split(' ', '\n');
            var first = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => expected[i] != actual[i], -1);
            Assert.True(first < 0 && expected.Length == actual.Length,
                first < 0 ? $"{design}/{file.Name}: {actual.Length} words emitted, {expected.Length} in the golden file" : $"{design}/{file.Name}: word {first} is '{actual[first]}', the golden file has '{expected[first]}'");
        }
    }

    [Fact]
    public void Emitting_twice_gives_identical_bytes()
    {
        foreach (var (name, make) in Designs.All.Append(new("MacArray", () => new Examples.MacArray(8, 8))))
        {
            var first = HdlFlow.For(make).Run().ThrowIfFailed();
            var second = HdlFlow.For(make).Run().ThrowIfFailed();
            Assert.Equal(first.Verilog.Count, second.Verilog.Count);
            foreach (var (a, b) in first.Verilog.Zip(second.Verilog).Append((first.Xdc!, second.Xdc!)))
            {
                Assert.Equal(a.Name, b.Name);
                Assert.True(System.Text.Encoding.UTF8.GetBytes(a.Text).AsSpan().SequenceEqual(System.Text.Encoding.UTF8.GetBytes(b.Text)), $"{name}/{a.Name} differs between two runs");
            }
        }
    }

    [Fact]
    public void Every_declaration_and_statement_carries_a_locator()
    {
        var text = HdlFlow.For(() => new Counter(8)).Run().ThrowIfFailed().Verilog.Single(f => f.Name == "Counter.v").Text;
        var lines = text.Split('\n').Select(l => l.Trim()).ToList();
        var statements = lines.Where(l => l.StartsWith("input ", StringComparison.Ordinal) && !l.EndsWith("clk,", StringComparison.Ordinal) && !l.EndsWith("rst,", StringComparison.Ordinal)
            || l.StartsWith("output ", StringComparison.Ordinal) || l.StartsWith("reg ", StringComparison.Ordinal) || l.StartsWith("always ", StringComparison.Ordinal)
            || (l.StartsWith("assign ", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(statements);
        Assert.All(statements, l => Assert.Matches(@"// @\[Designs\.cs:\d+(, Designs\.cs:\d+)*\]$", l));
    }
}
