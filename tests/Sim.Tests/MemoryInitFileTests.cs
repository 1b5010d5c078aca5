using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// A memory whose initial words come from a hex file: read as $readmemh reads it, emitted as
/// <c>$readmemh</c> of a canonical copy beside the Verilog, simulated alike by the IR simulator and
/// by Verilator (which loads the copy), and refused with file, line and word when the file is wrong.
/// </summary>
public sealed class MemoryInitFileTests
{
    private sealed class Lookup : Module
    {
        public Lookup(string path)
        {
            var address = Input(UInt(4), "address");
            var write = Input(Bool(), "write");
            var data = Input(UInt(12), "data");
            var table = Mem(UInt(12), 16, RamStyle.Distributed, name: "lut", initFile: path); // @mark init
            When(write, () => table.Write(address, data));
            Output(UInt(12), "now").Assign(table.ReadAsync(address));
            Output(UInt(12), "later").Assign(table.Read(address));
        }
    }

    private static string HexFile(string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("diffacc-mem-").FullName, "table.hex");
        File.WriteAllText(path, text);
        return path;
    }

    private const string Table = "// a 12-bit table\n0ab 1_23 FFF\n  7 // trailing comment\n\n 800 001\n";

    [Fact]
    public void The_verilog_loads_a_canonical_copy_with_readmemh_and_the_ir_simulator_starts_from_the_file()
    {
        var path = HexFile(Table);
        var result = HdlFlow.For(() => new Lookup(path)).Run().ThrowIfFailed();
        var verilog = result.Verilog.Single(f => f.Name == "Lookup.v").Text;
        Assert.Contains("initial $readmemh(\"Lookup_lut.mem\", lut);", verilog, StringComparison.Ordinal);
        Assert.Equal("0ab\n123\nfff\n007\n800\n001\n", result.Verilog.Single(f => f.Name == "Lookup_lut.mem").Text);
        Assert.DoesNotContain("Lookup_lut.mem", result.Verilog.Single(f => f.Name == "filelist.f").Text, StringComparison.Ordinal);
        var sim = new IrSimulator(result.Design);
        var words = new List<ulong>();
        for (var a = 0UL; a < 8; a++)
        {
            sim.Poke("address", a);
            sim.Eval();
            words.Add(sim.Peek("now"));
        }
        Assert.Equal([0xab, 0x123, 0xfff, 0x7, 0x800, 0x1, 0, 0], words);
    }

    [Fact]
    public async Task Verilator_loads_the_file_and_agrees_with_the_ir_simulator_while_it_is_rewritten()
    {
        var path = HexFile(Table);
        await SimulatorsAgree.OnRandomStimulusAsync(() => new Lookup(path), 3, 500);
    }

    [Theory]
    [InlineData("0ab 12x\n", "table.hex:1: word 1: '12x' is not a hexadecimal word")]
    [InlineData("1\n2\n@8 3\n", "table.hex:3: word 2: address records (@8) are not supported")]
    [InlineData("1\n1000\n", "table.hex:2: word 1: 0x1000 does not fit the 12-bit word")]
    [InlineData("0 1 2 3 4 5 6 7 8 9 a b c d e f 10\n", "table.hex:1: word 16: the memory holds 16 words; the file has more")]
    public void A_wrong_file_is_refused_with_its_line_and_word_and_the_csharp_line(string text, string message)
    {
        var path = HexFile(text);
        var e = Assert.Throws<HdlException>(() => HdlFlow.For(() => new Lookup(path)).Run());
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains($"MemoryInitFileTests.cs:{SourceMarker.Line("init")}:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        var e = Assert.Throws<HdlException>(() => HdlFlow.For(() => new Lookup("/nonexistent/table.hex")).Run());
        Assert.Contains("cannot read the memory init file /nonexistent/table.hex", e.Message, StringComparison.Ordinal);
    }
}
