using DiffAcc.Hdl.Library;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Hdl.Tests;

/// <summary>The library's queues against a C# queue under random pushes and pops, and the AXI bundles' port names.</summary>
public sealed class LibraryTests
{
    /// <summary>Random pushes and pops; every word leaves in order, none is lost or made up, and a push is refused only when full.</summary>
    private static void Exercise(Module queue, int depth, int width, int firstVisible)
    {
        var simulator = new IrSimulator(HdlFlow.For(() => queue).Run().ThrowIfFailed().Design);
        var random = new Random(depth * 31 + width);
        var model = new Queue<ulong>();
        var pushedAt = new Queue<long>();
        simulator.Poke("rst", 1);
        simulator.Eval();
        simulator.Tick();
        simulator.Poke("rst", 0);
        ulong next = 1;
        for (long cycle = 0; cycle < 20_000; cycle++)
        {
            var push = random.Next(3) > 0;
            var pop = random.Next(cycle % 2000 < 1000 ? 4 : 2) == 0;
            simulator.Poke("In_Valid", push ? 1UL : 0UL);
            simulator.Poke("In_Payload", next & ((1UL << width) - 1));
            simulator.Poke("Out_Ready", pop ? 1UL : 0UL);
            simulator.Poke("Clear", 0);
            simulator.Eval();
            var count = (int)simulator.Peek("Count");
            Assert.Equal(model.Count, count);
            Assert.Equal(count < depth, simulator.Peek("In_Ready") != 0);
            var valid = simulator.Peek("Out_Valid") != 0;
            // A word shows at the head a fixed number of cycles after its push, no later.
            Assert.Equal(model.Count > 0 && cycle - pushedAt.Peek() >= firstVisible, valid);
            if (valid && pop)
            {
                Assert.Equal(model.Dequeue(), simulator.Peek("Out_Payload"));
                pushedAt.Dequeue();
            }
            if (push && count < depth)
            {
                model.Enqueue(next & ((1UL << width) - 1));
                pushedAt.Enqueue(cycle);
                next++;
            }
            simulator.Tick();
        }
        Assert.True(next > 3_000, $"{next} words");
    }

    [Theory]
    [InlineData(8, 4)]
    [InlineData(13, 5)]
    [InlineData(32, 16)]
    public void Queue_keeps_order_and_count_and_shows_a_word_two_cycles_after_its_push(int width, int depth)
        => Exercise(new StreamQueue<UInt>(Hw.UInt(width), depth), depth, width, 2);

    [Theory]
    [InlineData(8, 1)]
    [InlineData(9, 3)]
    [InlineData(16, 8)]
    public void RegisterQueue_keeps_order_and_count_and_shows_a_word_the_cycle_after_its_push(int width, int depth)
        => Exercise(new RegisterQueue<UInt>(Hw.UInt(width), depth), depth, width, 1);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(9)]
    public void UpDownCounter_counts_wraps_and_clears_like_an_integer_modulo_its_width(int width)
    {
        var simulator = new IrSimulator(HdlFlow.For(() => new UpDownCounter(width)).Run().ThrowIfFailed().Design);
        var random = new Random(width);
        var modulus = 1L << width;
        simulator.Poke("rst", 1);
        simulator.Eval();
        simulator.Tick();
        simulator.Poke("rst", 0);
        long model = 0, wraps = 0;
        for (var cycle = 0; cycle < 5_000; cycle++)
        {
            var (up, down, clear) = (random.Next(2) == 1, random.Next(3) == 0, random.Next(200) == 0);
            simulator.Poke("Up", up ? 1UL : 0UL);
            simulator.Poke("Down", down ? 1UL : 0UL);
            simulator.Poke("Clear", clear ? 1UL : 0UL);
            simulator.Eval();
            Assert.Equal((ulong)model, simulator.Peek("Count"));
            var next = clear ? 0 : model + (up ? 1 : 0) - (down ? 1 : 0);
            wraps += next == modulus || next == -1 ? 1 : 0;
            model = ((next % modulus) + modulus) % modulus;
            simulator.Tick();
        }
        Assert.True(wraps > 3, $"{wraps} wraps");
    }

    [Fact]
    public void UpDownCounter_refuses_a_width_it_cannot_hold()
    {
        var error = Assert.Throws<HdlException>(() => new UpDownCounter(63));
        Assert.Contains("1 to 62 bits, not 63", error.Message);
    }

    private sealed class AxiMaster : Module
    {
        public AxiMaster()
        {
            Port = Output(Axi4.Of(new Axi4Shape(32, 64, Write: false)), name: "m_axi_gmem");
            Port.Read!.Ar.Payload.AssignIncrementingBurst(Lit(0, 32), Lit(0, 8), Port.Shape);
            Port.Read!.Ar.Valid.Assign(false);
            Port.Read!.R.Ready.Assign(true);
            Unused(Cat(Port.Read!.Ar.Ready, Port.Read!.R.Payload.Data, Port.Read!.R.Payload.Resp, Port.Read!.R.Payload.Last, Port.Read!.R.Valid));
        }

        public Axi4 Port { get; }
    }

    [Fact]
    public void A_read_only_AXI4_master_has_Vivado_port_names_and_directions()
    {
        var top = HdlFlow.For(() => new AxiMaster()).Run().ThrowIfFailed().Design.Top;
        Assert.Equal(["m_axi_gmem_araddr", "m_axi_gmem_arlen", "m_axi_gmem_arsize", "m_axi_gmem_arburst", "m_axi_gmem_arcache", "m_axi_gmem_arprot", "m_axi_gmem_arvalid", "m_axi_gmem_rready"],
            top.Ports.Where(p => p.Kind == Ir.NetKind.Output).Select(p => p.Name));
        Assert.Equal(["m_axi_gmem_arready", "m_axi_gmem_rdata", "m_axi_gmem_rresp", "m_axi_gmem_rlast", "m_axi_gmem_rvalid"],
            top.Ports.Where(p => p.Kind == Ir.NetKind.Input).Select(p => p.Name));
    }

    [Fact]
    public async Task Unused_values_are_read_under_a_lint_exception_and_Verilator_Wall_is_quiet()
    {
        var result = HdlFlow.For(() => new AxiMaster()).Run().ThrowIfFailed();
        var text = result.Verilog.Single(f => f.Name == "AxiMaster.v").Text;
        Assert.Contains("/* verilator lint_off UNUSEDSIGNAL */\n  wire [68:0] unused;", text);
        var directory = ExternalTool.WriteDesign(result);
        var lint = await ExternalTool.Run("verilator", ["--lint-only", "-Wall", .. ExternalTool.VerilogFiles(directory)], directory);
        Assert.True(lint.ExitCode == 0 && !lint.StandardError.Contains('%'), lint.StandardError);
    }
}
