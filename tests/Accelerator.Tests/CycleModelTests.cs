using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Accelerator.Performance;

namespace DiffAcc.Accelerator.Tests;

public sealed class CycleModelTests
{
    private static readonly AcceleratorConfig Config = Presets.Small;

    /// <summary>A DDR that answers every burst after exactly 100 cycles, at a beat a cycle.</summary>
    private static readonly DdrTiming Fixed = new(100, 100, 1.0, 0.0, 8);

    private static readonly MachineRegisters Registers = new() { Bases = [0x1000_0000, 0x2000_0000, 0x3000_0000, 0x4000_0000] };

    private static Conv Conv3x3(int rows, Engines wait = Engines.None, bool release = true) => new()
    {
        GroupMask = 1,
        InPixelStride = 1,
        CinBlocks = 1,
        InRows = rows,
        InCols = 8,
        RowOffset = -1,
        ColOffset = -1,
        Kernel3x3 = true,
        OutRows = rows,
        OutCols = 8,
        CoutBlocks = 2,
        OutRow = 1000,
        OutPixelStride = 1,
        Release = release,
        Wait = wait,
    };

    private static CycleEstimate Run(params Instruction[] program) => CycleModel.For(Config).WithDdr(Fixed).Run([.. program, new Finish()], Registers);

    [Fact]
    public void A_convolution_takes_a_cycle_per_term_plus_a_fixed_pipeline()
    {
        var weights = new LoadWeights { Rows = 18, Complete = true };
        var small = Run(weights, Conv3x3(4)).Instructions.Single(t => t.Instruction is Conv);
        var large = Run(weights, Conv3x3(8)).Instructions.Single(t => t.Instruction is Conv);
        Assert.Equal(ConvTiming.Terms(Conv3x3(8)) - ConvTiming.Terms(Conv3x3(4)), large.Busy - small.Busy, 6);
        Assert.Equal(2 * 4 * 8 * 9, ConvTiming.Terms(Conv3x3(4)));
    }

    [Fact]
    public void A_convolution_starts_its_walk_only_when_its_weight_bank_is_complete()
    {
        var estimate = Run(new LoadWeights { Rows = 18, Complete = true }, Conv3x3(4));
        var load = estimate.Instructions.Single(t => t.Instruction is LoadWeights);
        var conv = estimate.Instructions.Single(t => t.Instruction is Conv);
        // The CONV launches at once but walks after the weights: latency + 18 rows x 2 beats.
        Assert.True(conv.Launch < load.Done);
        Assert.True(conv.Done > load.Done + ConvTiming.Terms(Conv3x3(4)), $"{conv.Done} vs {load.Done}");
        Assert.True(load.Done >= Fixed.MeanLatency + 36);
    }

    [Fact]
    public void Weights_ports_each_read_their_share_of_every_row_as_fast_as_the_DDR_controller_lets_them()
    {
        // The default design's rows (1 KB) on the board's DDR: one port streams 576 KB at 0.95 beats a cycle;
        // two read 512 bytes of each row apiece, so the bank fills at two beats a cycle; four would fill
        // it at four, but all ports together get 2.85 beats a cycle from the board's DDR controller. The
        // harness's DDR has no such limit.
        var board = DdrTiming.Board;
        var load = new LoadWeights { Rows = 576, Complete = true };
        double Busy(int ports, DdrTiming ddr) => CycleModel.For(Presets.Xczu9eg with { WeightPorts = ports }).WithDdr(ddr).Run([load, new Finish()], Registers)
            .Instructions.Single(t => t.Instruction is LoadWeights).Busy;
        var beats = 576 * 1024 / 16;
        Assert.InRange(Busy(1, board), beats / board.ReadBeatsPerCycle, (beats / board.ReadBeatsPerCycle) + 300);
        Assert.InRange(Busy(2, board), beats / 2 / board.ReadBeatsPerCycle, (beats / 2 / board.ReadBeatsPerCycle) + 300);
        Assert.InRange(Busy(4, board), beats / board.TotalBeatsPerCycle, (beats / board.TotalBeatsPerCycle) + 300);
        var unlimited = board with { TotalBeatsPerCycle = double.PositiveInfinity };
        Assert.InRange(Busy(4, unlimited), beats / 4 / board.ReadBeatsPerCycle, (beats / 4 / board.ReadBeatsPerCycle) + 300);
        var estimate = CycleModel.For(Presets.Xczu9eg).WithDdr(board).Run([load, new Finish()], Registers);
        Assert.Equal(beats, estimate.WeightBeats);
    }

    [Fact]
    public void A_weight_set_waiting_for_a_bank_with_its_queue_full_streams_the_rest_as_the_queue_drains()
    {
        // xczu9eg: 1 KB rows, each of the four ports 16 beats of every row. Three sets of 72 rows (1,152
        // beats a port): the third waits for the first CONV to release its bank, its queues holding 512 beats
        // meanwhile; from the release the queue drains a beat a cycle and the rest is asked for as it makes
        // room, so the set is in about 1,152 cycles after the release (the model once gave the rest no queue
        // room: a DDR round trip per burst).
        var set = new LoadWeights { Rows = 72, Complete = true };
        var estimate = CycleModel.For(Presets.Xczu9eg).WithDdr(Fixed).Run([set, set, Conv3x3(64), set, Conv3x3(8), Conv3x3(8), new Finish()], Registers);
        var conv = estimate.Instructions.First(t => t.Instruction is Conv);
        var third = estimate.Instructions.Where(t => t.Instruction is LoadWeights).ElementAt(2);
        Assert.True(third.Launch < conv.Done, $"the third set starts filling its queue at {third.Launch}, before the release at {conv.Done}");
        Assert.InRange(third.Done - conv.Done, 1152, 1152 + 40);
    }

    [Fact]
    public void A_load_asks_for_a_burst_only_when_its_queue_has_room_for_all_of_it()
    {
        // 64 KB contiguous: 4,096 beats in 16 bursts of 256 into the 512-beat queue, drained at half a beat a
        // cycle (a row of Tn = 8 bytes a cycle). The next burst is asked for as soon as the queue has room
        // for all of it, so two are in flight and the queue never runs dry: one latency, then the drain.
        // (With a 256-beat queue each burst waited for the queue to empty: 16 x (100 + 512) cycles.)
        Assert.Equal(512, LoadEngine.BeatQueueDepth);
        var load = Run(new Load { Base = 1, Rows = 8192, Chunks = 1 }).Instructions.Single(t => t.Instruction is Load);
        Assert.InRange(load.Busy, 100 + (2 * 4096), 100 + (2 * 4096) + 40);
        // One pixel per run, 8 bytes each 4 KB apart: latency-bound at 7 bursts in flight.
        var strided = Run(new Load { Base = 1, Rows = 1, Chunks = 70, DdrStride = 4096 }).Instructions.Single(t => t.Instruction is Load);
        Assert.InRange(strided.Busy, 10 * 100, 11 * 110);
    }

    [Fact]
    public void Bursts_stop_at_4_KB_pages_and_256_beats()
    {
        Assert.Equal([256, 256], DmaRuns.Bursts(0x1000, 8192, 1, 0));
        Assert.Equal([2, 256, 1], DmaRuns.Bursts(0x1FE0, 4136, 1, 0));
        // A run that starts inside a beat takes the beat it starts in.
        Assert.Equal([1, 1], DmaRuns.Bursts(0x1004, 8, 2, 64));
        Assert.Equal([2], DmaRuns.Bursts(0x100C, 8, 1, 0));
    }

    [Fact]
    public void A_store_holds_its_groups_read_port_so_a_vector_instruction_there_waits_and_one_elsewhere_does_not()
    {
        var store = new Store { Group = 0, Base = 1, Rows = 2048, Chunks = 1 };
        Add Add(int group) => new() { Group = group, Pixels = 1024, Blocks = 1, SrcStride = 1, Dst = 3000, DstStride = 1, SingleOperand = true };
        var alone = Run(Add(0)).Instructions.Single(t => t.Instruction is Add).Busy;
        var beside = Run(store, Add(0)).Instructions.Single(t => t.Instruction is Add).Busy;
        var elsewhere = Run(store, Add(1)).Instructions.Single(t => t.Instruction is Add).Busy;
        Assert.Equal(alone, elsewhere, 6);
        Assert.True(beside > alone + 1000, $"{beside} vs {alone}");
    }

    /// <summary>
    /// A CONV launches before its bank is complete, and a weight gather into the other bank starts when it is: on
    /// the CONV's group the gather takes a read every few cycles while the CONV walks, so the CONV takes longer;
    /// on another group it does not (the model times such a gather before the CONV it overlaps).
    /// </summary>
    [Fact]
    public void A_weight_gather_on_a_convolutions_group_takes_reads_from_the_convolution_that_launched_first()
    {
        var weights = new LoadWeights { Rows = 18, Complete = true };
        MoveWeights Gather(int group) => new() { Group = group, ActRow = 2000, PixelStride = 1, OutBlocks = 16, InBlocks = 8, Complete = true };
        double ConvBusy(params Instruction[] program) => Run(program).Instructions.Single(t => t.Instruction is Conv).Busy;
        var alone = ConvBusy(weights, Conv3x3(8));
        var beside = ConvBusy(weights, Conv3x3(8), Gather(0));
        var elsewhere = ConvBusy(weights, Conv3x3(8), Gather(1));
        Assert.Equal(alone, elsewhere, 6);
        Assert.True(beside > alone + 100, $"{beside} vs {alone}");
    }

    [Fact]
    public void Tokens_order_the_engines_and_sync_waits_for_all()
    {
        var estimate = Run(
            new Load { Base = 1, Rows = 64, Chunks = 1, Signal = Engines.Vector },
            new Activate { Pixels = 64, Blocks = 1, SrcStride = 1, Dst = 100, DstStride = 1, Wait = Engines.Load },
            new Sync(),
            new Activate { Pixels = 8, Blocks = 1, SrcStride = 1, Dst = 200, DstStride = 1 });
        var t = estimate.Instructions;
        Assert.True(t[1].Launch > t[0].Done);
        Assert.True(t[2].Dispatch > t[1].Done);
        Assert.True(t[3].Launch > t[2].Dispatch);
        Assert.True(estimate.Cycles > t[3].Done);
    }

    [Fact]
    public void A_token_that_never_comes_is_a_deadlock()
    {
        var deadlock = Assert.Throws<DeadlockException>(() => Run(new Activate { Pixels = 1, Blocks = 1, SrcStride = 1, Wait = Engines.Load }));
        Assert.Contains("instruction", deadlock.Message, StringComparison.Ordinal);
        // ERROR_PC's value: the instruction that waits, not FINISH.
        Assert.Equal(0, deadlock.WaitingIndex);
    }

    /// <summary>
    /// The dispatcher's queue holds <see cref="DispatchRules.QueueDepth"/> instructions that have not
    /// started, in the hardware and in both models (the ordered checker used to admit one more): LOADs
    /// that wait for tokens only a later STORE gives can fill a queue and stop the dispatcher before it.
    /// </summary>
    [Theory]
    [InlineData(DispatchRules.QueueDepth, false)]
    [InlineData(DispatchRules.QueueDepth + 1, true)]
    public void The_ordered_checker_and_the_cycle_model_share_the_queue_depth(int loads, bool deadlocks)
    {
        Instruction[] program =
        [
            .. Enumerable.Range(0, loads).Select(_ => new Load { Group = 0, Rows = 1, Chunks = 1, Wait = Engines.Store }),
            .. Enumerable.Range(0, loads).Select(_ => new Store { Group = 1, Rows = 1, Chunks = 1, Signal = Engines.Load }),
            new Finish(),
        ];
        if (!deadlocks)
        {
            Assert.Equal(2 * loads, TokenSchedule.Run(program, 0).Count());
            Assert.True(CycleModel.For(Config).WithDdr(Fixed).Run(program, Registers).Cycles > 0);
            return;
        }
        var ordered = Assert.Throws<DeadlockException>(() => TokenSchedule.Run(program, 0).ToList());
        var timed = Assert.Throws<DeadlockException>(() => CycleModel.For(Config).WithDdr(Fixed).Run(program, Registers));
        Assert.Equal(ordered.Message, timed.Message);
        // The earliest of the waiting heads: the first LOAD, not the one the dispatcher holds.
        Assert.Equal(0, ordered.WaitingIndex);
        Assert.Equal(0, timed.WaitingIndex);
        Assert.Contains($"the dispatcher holds instruction {DispatchRules.QueueDepth} (LOAD) for the full LOAD queue", ordered.Message);
    }
}
