using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Synthesis;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// Memories with asynchronous reads: a register file of 128 words with two read ports and one
/// write port, and an odd-depth table read beyond its end. The IR simulator and Verilator agree on
/// every cycle of random stimulus; the Verilog is one array with continuous reads (not 128
/// registers), and Yosys maps it to LUT RAM.
/// </summary>
public sealed class AsyncReadMemoryTests
{
    private sealed class RegisterFile : Module
    {
        public RegisterFile(int depth = 128, int width = 16)
        {
            var bits = Hw.BitsFor(depth - 1);
            WriteEnable = Input(Bool());
            WriteAddress = Input(UInt(bits));
            WriteData = Input(UInt(width));
            ReadA = Input(UInt(bits));
            ReadB = Input(UInt(bits));
            var registers = Mem(UInt(width), depth, name: "registers");
            When(WriteEnable, () => registers.Write(WriteAddress, WriteData));
            Output(UInt(width), "A").Assign(registers.ReadAsync(ReadA, name: "a_word"));
            Output(UInt(width), "B").Assign(registers.ReadAsync(ReadB) ^ registers.ReadAsync(WriteAddress));
        }

        public Bool WriteEnable { get; }

        public UInt WriteAddress { get; }

        public UInt WriteData { get; }

        public UInt ReadA { get; }

        public UInt ReadB { get; }
    }

    /// <summary>An initialised 5-word table read at 0 .. 7: words 5 to 7 read 0 in both simulators.</summary>
    private sealed class OddTable : Module
    {
        public OddTable()
        {
            var address = Input(UInt(3), "address");
            var table = Rom(UInt(8), [11, 22, 33, 44, 55], name: "table");
            Output(UInt(8), "value").Assign(table.ReadAsync(address));
        }
    }

    [Fact]
    public async Task A_register_file_with_two_asynchronous_reads_agrees_under_Verilator_and_the_IR_simulator()
        => await SimulatorsAgree.OnRandomStimulusAsync(() => new RegisterFile(), 7, 4000);

    [Fact]
    public async Task Reads_beyond_the_last_word_are_zero_in_both_simulators()
    {
        await SimulatorsAgree.OnRandomStimulusAsync(() => new OddTable(), 7, 200);
        var sim = new IrSimulator(HdlFlow.For(() => new OddTable()).Run().ThrowIfFailed().Design);
        var seen = new List<ulong>();
        for (var a = 0UL; a < 8; a++)
        {
            sim.Poke("address", a);
            sim.Eval();
            seen.Add(sim.Peek("value"));
        }
        Assert.Equal([11UL, 22, 33, 44, 55, 0, 0, 0], seen);
    }

    [Fact]
    public void The_verilog_reads_the_array_continuously_and_a_too_wide_address_names_the_line()
    {
        var verilog = HdlFlow.For(() => new RegisterFile()).Run().ThrowIfFailed().Verilog.Single(f => f.Name == "RegisterFile.v").Text;
        Assert.Contains("reg [15:0] registers [0:127];", verilog, StringComparison.Ordinal);
        Assert.Contains("assign a_word = registers[ReadA];", verilog, StringComparison.Ordinal);
        Assert.Equal(1, verilog.Split("always @(posedge").Length - 1);
        var odd = HdlFlow.For(() => new OddTable()).Run().ThrowIfFailed().Verilog.Single(f => f.Name == "OddTable.v").Text;
        Assert.Contains("assign table_read = (address < 5) ? table_[address] : 8'd0;", odd, StringComparison.Ordinal);
        var e = Assert.Throws<HdlException>(() => HdlFlow.For(() => new WideAddress()).Run());
        Assert.Contains("asynchronous read address of memory 'm' (16 words, 4 address bits) is 5 bits wide", e.Message, StringComparison.Ordinal);
        Assert.Contains("AsyncReadMemoryTests.cs:", e.Message, StringComparison.Ordinal);
    }

    private sealed class WideAddress : Module
    {
        public WideAddress()
        {
            var m = Mem(UInt(8), 16, name: "m");
            Output(UInt(8), "q").Assign(m.ReadAsync(Input(UInt(5), "address")));
        }
    }

    /// <summary>One write port and a synchronous and an asynchronous read of the same address.</summary>
    private sealed class ReadDuringWrite : Module
    {
        public ReadDuringWrite()
        {
            Address = Input(UInt(3));
            Write = Input(Bool());
            Data = Input(UInt(8));
            var ram = Mem(UInt(8), 8, init: [10, 11, 12, 13, 14, 15, 16, 17], name: "ram");
            When(Write, () => ram.Write(Address, Data));
            Registered = Output(UInt(8));
            Now = Output(UInt(8));
            Registered.Assign(ram.Read(Address));
            Now.Assign(ram.ReadAsync(Address));
        }

        public UInt Address { get; }

        public Bool Write { get; }

        public UInt Data { get; }

        public UInt Registered { get; }

        public UInt Now { get; }
    }

    [Fact]
    public async Task Reading_the_word_being_written_gives_the_old_word_then_the_new_one_in_both_simulators()
    {
        var dut = new ReadDuringWrite();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        sim.Poke(dut.Address, 3);
        sim.Poke(dut.Write, true);
        sim.Poke(dut.Data, 99);
        sim.Eval();
        Assert.Equal(13UL, sim.Peek(dut.Now));
        sim.Tick();
        // The registered read of the cycle that wrote saw the old word (read-first); the asynchronous read shows the new one.
        Assert.Equal(13UL, sim.Peek(dut.Registered));
        Assert.Equal(99UL, sim.Peek(dut.Now));
        sim.Poke(dut.Write, false);
        sim.Tick();
        Assert.Equal(99UL, sim.Peek(dut.Registered));
        await SimulatorsAgree.OnRandomStimulusAsync(() => new ReadDuringWrite(), 12, 2000);
    }

    [Fact]
    public async Task Yosys_maps_the_register_file_to_LUT_RAM_not_flip_flops()
    {
        var report = await YosysSynthesis.For(HdlFlow.For(() => new RegisterFile()).Run()).RunAsync();
        Assert.True(report.LutRams > 0, string.Join(", ", report.Cells.Select(c => $"{c.Key} {c.Value}")));
        Assert.True(report.FlipFlops < 16, $"{report.FlipFlops} flip-flops: the words became registers");
    }
}
