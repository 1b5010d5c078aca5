using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// Memories cleared on reset: a register file cleared by a synchronous reset and one cleared by an
/// asynchronous active-low reset agree under Verilator and the IR simulator; memories whose target
/// cannot be reset, and clears in the wrong domain, are refused with their C# line.
/// </summary>
public sealed class MemoryClearTests
{
    private static readonly ClockDomain AsyncLow = new("io", 300, ResetKind.AsyncActiveLow);

    private sealed class ClearedFiles : Module
    {
        public ClearedFiles()
        {
            Address = Input(UInt(3));
            Data = Input(UInt(12));
            Write = Input(Bool());
            Sync = Output(UInt(12));
            Now = Output(UInt(12));
            Other = Output(UInt(12));
            var file = Mem(UInt(12), 8, name: "file").ClearOnReset();
            When(Write, () => file.Write(Address, Data));
            Sync.Assign(file.Read(Address, name: "file_read"));
            Now.Assign(file.ReadAsync(Address, name: "file_now"));
            var other = Mem(UInt(12), 8, name: "other").ClearOnReset(AsyncLow);
            other.Write(Address, Data.AddWrap(1), Write, domain: AsyncLow);
            Other.Assign(other.ReadAsync(Address, name: "other_now"));
        }

        public UInt Address { get; }

        public UInt Data { get; }

        public Bool Write { get; }

        public UInt Sync { get; }

        public UInt Now { get; }

        public UInt Other { get; }
    }

    private sealed class BlockCleared : Module
    {
        public BlockCleared()
        {
            var q = Output(UInt(8), name: "q");
            var ram = Mem(UInt(8), 1024, RamStyle.Block, name: "ram");
            ram.ClearOnReset(); // @mark block
            q.Assign(ram.ReadAsync(Lit(0, 10)));
        }
    }

    private sealed class WrongDomain : Module
    {
        public WrongDomain()
        {
            var a = Input(UInt(2), name: "a");
            var q = Output(UInt(8), name: "q");
            var ram = Mem(UInt(8), 4, name: "ram").ClearOnReset();
            ram.Write(a, Lit(5, 8), domain: AsyncLow); // @mark wrong
            q.Assign(ram.ReadAsync(a));
        }
    }

    [Fact]
    public async Task Cleared_memories_agree_under_Verilator_and_the_IR_simulator()
    {
        var design = await SimulatorsAgree.OnRandomStimulusAsync(() => new ClearedFiles(), 31, 4000);
        var verilog = design.Verilog.Single(f => f.Name == "ClearedFiles.v").Text;
        Assert.Contains("(* ram_style = \"registers\" *)", verilog, StringComparison.Ordinal);
        Assert.Contains("always @(posedge io_clk or negedge io_rst_n) begin", verilog, StringComparison.Ordinal);
        Assert.Contains("for (file_word = 0; file_word < 8; file_word = file_word + 1)", verilog, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reset_clears_every_word_in_the_ir_simulator()
    {
        var dut = new ClearedFiles();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        sim.Poke("io_rst_n", 1);
        sim.Poke(dut.Write, true);
        sim.Poke(dut.Address, 5);
        sim.Poke(dut.Data, 0x123);
        sim.Tick();
        sim.Poke(dut.Write, false);
        sim.Eval();
        Assert.Equal(0x123UL, sim.Peek(dut.Now));
        Assert.Equal(0x124UL, sim.Peek(dut.Other));
        sim.Poke("io_rst_n", 0);
        sim.Eval();
        Assert.Equal(0UL, sim.Peek(dut.Other));
        Assert.Equal(0x123UL, sim.Peek(dut.Now));
        sim.Poke("rst", 1);
        sim.Tick();
        Assert.Equal(0UL, sim.Peek(dut.Now));
    }

    [Fact]
    public void Block_ram_cannot_clear_on_reset_and_the_error_names_the_line()
    {
        var e = Assert.Throws<HdlException>(() => HdlFlow.For(() => new BlockCleared()).Run());
        Assert.Contains("memory 'ram' is block RAM, whose contents cannot be reset on UltraScale+", e.Message, StringComparison.Ordinal);
        Assert.Contains($"MemoryClearTests.cs:{SourceMarker.Line("block")}:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_in_another_domain_is_refused_at_its_line()
    {
        var result = HdlFlow.For(() => new WrongDomain()).Run();
        var error = Assert.Single(result.Diagnostics, d => d.Check == "MemoryClearCheck");
        Assert.Contains("clears on the reset of clock domain 'sys'", error.Message, StringComparison.Ordinal);
        Assert.Equal(SourceMarker.Line("wrong"), error.Location.Line);
    }

    /// <summary>A table of 2-bit saturating counters that starts at 01 (weakly not taken), as a branch predictor's does.</summary>
    private sealed class Predictor : Module
    {
        public Predictor()
        {
            Index = Input(UInt(2));
            Taken = Input(Bool());
            Update = Input(Bool());
            Counter = Output(UInt(2));
            var table = Mem(UInt(2), 4, name: "table").ClearOnReset(value: 1);
            var now = table.ReadAsync(Index, name: "counter");
            var up = Mux(now == 3, now, now.AddWrap(1));
            var down = Mux(now == 0, now, (now - 1).Truncate(2));
            When(Update, () => table.Write(Index, Mux(Taken, up, down)));
            Counter.Assign(now);
        }

        public UInt Index { get; }

        public Bool Taken { get; }

        public Bool Update { get; }

        public UInt Counter { get; }
    }

    [Fact]
    public async Task A_memory_clears_to_its_given_value_in_every_simulator()
    {
        var design = await SimulatorsAgree.OnRandomStimulusAsync(() => new Predictor(), 12, 3000);
        // `table` is a Verilog keyword, so the memory prints as table_.
        Assert.Contains("table_[table__word] <= 2'd1;", design.Verilog.Single(f => f.Name == "Predictor.v").Text, StringComparison.Ordinal);
        var dut = new Predictor();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        foreach (var index in new[] { 0, 1, 2, 3 })
        {
            sim.Poke(dut.Index, (ulong)index);
            sim.Eval();
            Assert.Equal(1UL, sim.Peek(dut.Counter));
        }
    }

    private sealed class ClearTooWide : Module
    {
        public ClearTooWide()
        {
            var table = Mem(UInt(2), 4, name: "table");
            table.ClearOnReset(value: 4); // @mark too-wide
        }
    }

    [Fact]
    public void A_clear_value_that_does_not_fit_a_word_is_an_error_at_its_line()
    {
        var e = Assert.Throws<HdlException>(() => HdlFlow.For(() => new ClearTooWide()).Run());
        Assert.Equal(SourceMarker.Line("too-wide"), e.Location.Line);
        Assert.Contains("cannot clear to 4: it does not fit in a word of", e.Message, StringComparison.Ordinal);
    }
}
