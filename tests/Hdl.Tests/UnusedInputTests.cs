using DiffAcc.Hdl.Checks;

namespace DiffAcc.Hdl.Tests;

/// <summary>
/// <c>UnusedInputCheck</c> warns, at the port's C# line, about the input bits the module never reads
/// (the same bits <c>verilator -Wall</c> reports as UNUSEDSIGNAL), and the design is still emitted.
/// Bits read on purpose with <c>Unused</c> are not reported.
/// </summary>
public sealed class UnusedInputTests
{
    private sealed class Decoder : Module
    {
        public Decoder()
        {
            var word = Input(UInt(16), "word"); // @mark word
            var spare = Input(UInt(4), "spare"); // @mark spare
            var tag = Input(UInt(8), "tag");
            var opcode = Output(UInt(4), "opcode");
            var operand = Output(UInt(6), "operand");
            var flag = Output(Bool(), "flag");
            opcode.Assign(word[15, 12]);
            // Bits 9..4 through a concatenation and a slice of it; bits 11..10 and 3..1 are never read.
            operand.Assign(Hw.Cat(word[9, 8], word[7, 4])[5, 0]);
            flag.Assign(word[0]);
            _ = spare;
            // The tag's high half is read on purpose without a use.
            Unused(tag[7, 4]);
            var t = Output(UInt(4), "t");
            t.Assign(tag[3, 0]);
        }
    }

    [Fact]
    public async Task Unread_input_bits_are_a_warning_at_the_port_with_the_bits_Verilator_reports()
    {
        var result = HdlFlow.For(() => new Decoder()).Run();
        Assert.Empty(result.Diagnostics);
        Assert.True(result.Succeeded);
        Assert.NotEmpty(result.Verilog);
        Assert.Equal(2, result.Warnings.Count);
        var word = result.Warnings.Single(w => w.Message.Contains("'word'", StringComparison.Ordinal));
        Assert.Equal(DiagnosticSeverity.Warning, word.Severity);
        Assert.Equal(SourceMarker.Line("word"), word.Location.Line);
        Assert.StartsWith($"{word.Location.FilePath}:{word.Location.Line}: warning [UnusedInputCheck]: input 'word' of Decoder", word.ToString(), StringComparison.Ordinal);
        Assert.Contains("has bits never read: [11:10], [3:1]", word.Message, StringComparison.Ordinal);
        var spare = result.Warnings.Single(w => w.Message.Contains("'spare'", StringComparison.Ordinal));
        Assert.Equal(SourceMarker.Line("spare"), spare.Location.Line);
        Assert.Contains("is never read", spare.Message, StringComparison.Ordinal);

        // Verilator's lint of the printed Verilog names the same signals and bits, and no others.
        var directory = ExternalTool.WriteDesign(result);
        var lint = await ExternalTool.Run("verilator", ["--lint-only", "-Wall", .. ExternalTool.VerilogFiles(directory)], directory);
        var unused = lint.StandardError.Split('\n').Where(l => l.StartsWith("%Warning-UNUSEDSIGNAL", StringComparison.Ordinal)).ToList();
        Assert.True(unused.Count == 2, string.Join("\n", unused));
        Assert.Contains(unused, l => l.Contains("Bits of signal are not used: 'word'[11:10,3:1]", StringComparison.Ordinal));
        Assert.Contains(unused, l => l.Contains("Signal is not used: 'spare'", StringComparison.Ordinal));
    }
}
