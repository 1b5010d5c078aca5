namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc isa</c>: the instruction table, and the generated reference written all or nothing.</summary>
public sealed class IsaCommandTests
{
    [Fact]
    public void It_prints_every_instruction_and_writes_the_reference()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("diffacc-isa-").FullName, "isa.md");
        var (code, output, error) = CommandLine.Run("isa", "--doc", file);
        Assert.True(code == 0, output + error);
        foreach (var mnemonic in new[] { "LOAD", "STORE", "LOAD_TABLE", "LOAD_WEIGHTS", "MOVE_WEIGHTS", "CONV", "ACTIVATE", "ADD", "GN_STATS", "GN_FINISH", "GN_APPLY", "SOFTMAX", "SET_STEP", "SYNC", "FINISH" })
            Assert.Contains(mnemonic, output);
        Assert.Equal(Accelerator.Isa.IsaDocument.Markdown(), File.ReadAllText(file));
    }

    [Fact]
    public void An_unwritable_reference_is_a_one_line_error()
    {
        var (code, output, error) = CommandLine.Run("isa", "--doc", "/proc/diffacc/isa.md");
        Assert.Equal(1, code);
        Assert.StartsWith("error: cannot write /proc/diffacc/isa.md", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error + output);
    }
}
