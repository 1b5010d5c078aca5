namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc timing</c> refuses bad input with one line and a non-zero exit, before any synthesis; one module times out of context.</summary>
public sealed class TimingCommandTests
{
    [Theory]
    [InlineData("--budget 0", "--budget must be at least 1, not 0")]
    [InlineData("--budget x", "Cannot parse argument 'x' for option '--budget'")] // the bound checks only numbers
    [InlineData("--netlist {dir}/not-a-netlist.json", "is not a flattened Yosys netlist of DiffAccTop")]
    [InlineData("--netlist {dir}/text.json", "not JSON (a Yosys netlist is)")]
    [InlineData("--netlist {dir}/missing.json", "missing.json")]
    [InlineData("--keep-netlist /proc/diffacc/netlist.json", "error: --keep-netlist /proc/diffacc/netlist.json: cannot write")]
    [InlineData("--module NoSuchModule", "error: --module NoSuchModule: small has no such module; it has AccumulatorBank")]
    [InlineData("--paths -1", "--paths must be at least 0, not -1")]
    [InlineData("--paths x", "Cannot parse argument 'x' for option '--paths'")]
    public void Bad_input_is_one_line_and_exit_code_1(string options, string message)
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-timing-").FullName;
        File.WriteAllText(Path.Combine(folder, "not-a-netlist.json"), """{ "creator": "not yosys" }""");
        File.WriteAllText(Path.Combine(folder, "text.json"), "module x;");
        var (code, output, error) = CommandLine.Run(["timing", "--preset", "small", .. options.Replace("{dir}", folder, StringComparison.Ordinal).Split(' ')]);
        Assert.Equal(1, code);
        Assert.Contains(message, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void One_module_times_out_of_context_and_lists_its_deepest_registers()
    {
        // The queue counts with UpDownCounters, so its handshakes are two levels deep; a budget of 1 level
        // puts it over, which lists its deepest ending registers.
        var kept = Path.Combine(Directory.CreateTempSubdirectory("diffacc-timing-").FullName, "netlist.json");
        var (code, output, error) = CommandLine.Run("timing", "--preset", "small", "--module", "Queue128x32Distributed", "--budget", "1", "--paths", "3", "--keep-netlist", kept);
        Assert.True(code == 2, output + error);
        // A kept netlist says where it went and how large it is.
        Assert.Contains($"wrote {kept} ({new FileInfo(kept).Length / 1e6:0.0} MB, in ", output, StringComparison.Ordinal);
        Assert.Contains("Queue128x32Distributed out of context, small at 300 MHz", output, StringComparison.Ordinal);
        Assert.Contains("Queue128x32Distributed: deepest ending registers", output, StringComparison.Ordinal);
        Assert.Matches(@"in 2 modules, deepest [2-7] levels", output);
        var listed = output.Split('\n').SkipWhile(l => !l.StartsWith("Queue128x32Distributed: deepest", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, listed.Count);
    }
}
