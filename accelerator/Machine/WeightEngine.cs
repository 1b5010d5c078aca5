using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// LOAD_WEIGHTS and MOVE_WEIGHTS: fill the weight buffer's fill bank, a row (Tm x Tn bytes) at a
/// time, and hand a complete bank to the compute engine. LOAD_WEIGHTS streams rows from DDR on the
/// weights ports, which it has to itself (each port's beats wait in a 512-beat queue, so two full bursts
/// fly; with several ports each reads its share of every row and the shares are written together);
/// MOVE_WEIGHTS gathers a row from an activation buffer: Tm pixels' channel blocks (K of an attention
/// head) or, transposed, Tm channels of Tn pixels (V^T). Rows are written only while the fill bank is free.
/// </summary>
public sealed class WeightEngine : Module
{
    private enum MoveStep
    {
        Prepare,
        Request,
        Arrive,
    }

    public const int BeatQueueDepth = 512;

    public WeightEngine(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int tm = config.Tm, tn = config.Tn, rowBytes = tm * tn, beatsPerRow = rowBytes / MachineShape.BeatBytes;
        var actBits = Hw.BitsFor(config.ActivationRows);
        var weightBits = Hw.BitsFor(config.WeightRows);
        Control = Input(EngineControl.Of(config));
        Bases = Input(Vec(4, UInt(MachineShape.AddressBits)));
        Step = Input(UInt(16));
        ActRead = Output(BufferRead.Of(config));
        ActData = Input(Vec(config.Groups * tn, SInt(8)));
        FillPort = Output(WeightFill.Of(rowBytes, config.WeightRows));

        var word = Control.Instruction;
        var isMove = InstructionFields.Is<MoveWeights>(word);
        var load = new WordFields<LoadWeights>(word);
        var move = new WordFields<MoveWeights>(word);
        var address = Instance(new DmaAddress(config), "dma_address");
        address.Instruction.Assign(word);
        address.Bases.ConnectFrom(Bases);
        address.Step.Assign(Step);
        address.StepGroup.Assign(Control.StepGroup);
        var setup = Reg(UInt(2), reset: 0, name: "setup");
        When(Control.Start, () => setup.Assign(2)).ElseWhen(setup != 0, () => setup.Assign((setup - 1).Resize(2)));

        // ---- LOAD_WEIGHTS: request side, a stream per weights port ----
        // Each port reads one run: with P ports, port p's run holds bytes p x Tm Tn / P .. of every row, and a
        // row is written when every port's share of it has arrived.
        var ports = config.WeightPorts;
        var shareBytes = rowBytes / ports;
        var runBytes = RegNext((load[f => f.Rows] * (UInt)Lit(shareBytes, Hw.BitsFor(shareBytes + 1))).Resize(48), name: "run_bytes");
        Reads = [.. Enumerable.Range(0, ports).Select(p => Output(AxiReadClient.Of(MachineShape.AddressBits), name: p == 0 ? "read" : $"read{p}"))];
        var beats = new StreamQueue<UInt>[ports];
        Windows = Input(Hw.Vec(RegisterMap.Windows, DmaWindowPages.Of()));
        WindowsChecked = Input(Bool());
        WindowViolation = Output(Bool());
        var violations = Hw.False;
        for (var p = 0; p < ports; p++)
        {
            var read = Reads[p];
            var queue = beats[p] = Instance(new StreamQueue<UInt>(UInt(128), BeatQueueDepth, RamStyle.Block, config.ClockDomain), p == 0 ? "beats" : $"beats{p}");
            queue.Clear.Assign(Control.Abort);
            var bursts = Instance(new DmaBursts(config, 256, BeatQueueDepth), p == 0 ? "bursts" : $"bursts{p}");
            // The walk's sizes are registered: they are decoded from the instruction, which holds still from the
            // engine's start, and wanted only from the walk's start two cycles later.
            bursts.Start.Assign((setup == 1) & !isMove);
            bursts.Abort.Assign(Control.Abort);
            // Port p's shares of all the rows lie in one run after the runs of the ports before it (WeightPortShares).
            // The offset is registered (a cycle after the run's length) so the address takes one adder; both are wanted from the walk's start.
            bursts.Address.Assign(p == 0 ? address.Address : (address.Address + RegNext((runBytes * (UInt)Lit(p, Hw.BitsFor(ports))).Resize(MachineShape.AddressBits), name: $"share_offset{p}")).Resize(MachineShape.AddressBits));
            bursts.RunBytes.Assign(runBytes);
            bursts.Runs.Assign(Lit(1, 16));
            bursts.Stride.Assign(Lit(0, 32));
            bursts.Feed(read, queue);
            bursts.CheckAgainst(Windows, WindowsChecked);
            violations |= bursts.Violation;
            Unused(Cat(queue.In.Ready, queue.Count, bursts.Active), p == 0 ? "room_is_reserved" : $"room_is_reserved{p}");
        }
        WindowViolation.Assign(violations);

        // ---- the fill bank's row being written, a beat or a gathered chunk at a time ----
        var filling = Reg(Bool(), reset: 0, name: "filling");
        var rowAddress = Reg(UInt(weightBits), name: "row_address");
        var rowsLeft = Reg(UInt(17), name: "rows_left");
        var beatsPerShare = beatsPerRow / ports;
        var slice = Reg(UInt(Math.Max(1, Hw.BitsFor(beatsPerShare))), reset: 0, name: "slice");
        var done = Wire(Bool(), name: "done");
        done.Assign(false);

        // LOAD_WEIGHTS: beat s of port p's share of a row writes bytes p x Tm Tn / P + 16s .. + 15 straight into the bank.
        var lastSlice = slice == beatsPerShare - 1;
        var arrived = beats.Select(q => q.Out.Valid).Aggregate((a, b) => a & b);
        var loadWrite = filling & !isMove & arrived & FillPort.CanFill;
        foreach (var queue in beats)
            queue.Out.Ready.Assign(loadWrite);
        When(loadWrite, () => slice.Assign(Mux(lastSlice, Lit(0, slice.Width), (slice + 1).Resize(slice.Width))));
        var loadRowDone = loadWrite & lastSlice;

        // MOVE_WEIGHTS: chunk c of row (o, i), one activation buffer read at a time, written on arrival.
        var outBlock = Reg(UInt(16), name: "out_block");
        var inBlock = Reg(UInt(16), name: "in_block");
        var chunk = Reg(UInt(Hw.BitsFor(Math.Max(tm, tn) + 1)), name: "chunk");
        var moveState = Reg(Enum<MoveStep>(), MoveStep.Prepare, name: "move_state");
        var transpose = move.Flag(f => f.Transpose);
        var chunks = Mux(transpose, Lit(tn, chunk.Width), Lit(tm, chunk.Width));
        var pixel = Mux(transpose, ((inBlock * (UInt)Lit(tn, Hw.BitsFor(tn + 1))) + chunk).Resize(24), ((outBlock * (UInt)Lit(tm, Hw.BitsFor(tm + 1))) + chunk).Resize(24));
        var blockOffset = Mux(transpose, (outBlock * (UInt)Lit(tm, Hw.BitsFor(tm + 1))) >> System.Numerics.BitOperations.Log2((uint)tn), inBlock.ZeroExtend(24));
        var sourceRow = Reg(UInt(actBits), name: "source_row");
        // A read is issued only into a free fill bank, so the chunk it returns can always be written.
        ActRead.Valid.Assign(filling & isMove & (moveState == MoveStep.Request) & FillPort.CanFill);
        ActRead.Group.Assign(move.Fit(f => f.Group, Hw.BitsFor(config.Groups)));
        ActRead.Address.Assign(sourceRow);
        var group = RegNext(ActRead.Group, name: "read_group");
        var data = Enumerable.Range(0, tn).Select(n =>
        {
            SInt value = ActData[n];
            for (var g = 1; g < config.Groups; g++)
                value = Mux(group == g, ActData[(g * tn) + n], value);
            return value;
        }).ToArray();
        // Transposed, row m of the block takes the byte of channel (lane + m): the lane of this output block within the pixel.
        var lane = (outBlock.Resize(16) * (UInt)Lit(tm, Hw.BitsFor(tm + 1))).Resize(Math.Max(1, System.Numerics.BitOperations.Log2((uint)tn)));
        var column = Enumerable.Range(0, tm).Select(m =>
        {
            SInt value = data[m];
            for (var start = tm; start < tn; start += tm)
                value = Mux(lane == start, data[start + m], value);
            return value;
        }).ToArray();
        var moveWrite = filling & isMove & (moveState == MoveStep.Arrive);
        var lastChunk = chunk == (chunks - 1).Resize(chunk.Width);
        var lastIn = inBlock == (move[f => f.InBlocks] - 1).Resize(16);
        var moveRowDone = moveWrite & lastChunk;
        When(filling & isMove, () =>
        {
            When(moveState == MoveStep.Prepare, () =>
            {
                sourceRow.Assign((move.Fit(f => f.ActRow, actBits) + (pixel * move[f => f.PixelStride]).Resize(actBits) + blockOffset.Resize(actBits)).Resize(actBits));
                moveState.Assign(MoveStep.Request);
            }).ElseWhen(moveState == MoveStep.Request, () => When(ActRead.Granted, () => moveState.Assign(MoveStep.Arrive)))
            .ElseWhen(moveState == MoveStep.Arrive, () =>
            {
                moveState.Assign(MoveStep.Prepare);
                When(lastChunk, () =>
                {
                    chunk.Assign(0);
                    When(lastIn, () =>
                    {
                        inBlock.Assign(0);
                        outBlock.Assign((outBlock + 1).Resize(16));
                    }).Otherwise(() => inBlock.Assign((inBlock + 1).Resize(16)));
                }).Otherwise(() => chunk.Assign((chunk + 1).Resize(chunk.Width)));
            });
        });

        // ---- writes into the fill bank ----
        FillPort.Write.Assign(loadWrite | moveWrite);
        FillPort.Address.Assign(rowAddress);
        // Byte (m, n) is written by beat (m Tn + n) / 16, by chunk m (pixel m of the block) or, transposed, by chunk n.
        var bySlice = Enumerable.Range(0, beatsPerShare).Select(s => slice == s).ToArray();
        var byChunk = Enumerable.Range(0, Math.Max(tm, tn)).Select(c => chunk == c).ToArray();
        var enables = new Bool[rowBytes];
        for (var m = 0; m < tm; m++)
        {
            for (var n = 0; n < tn; n++)
            {
                var b = (m * tn) + n;
                enables[b] = Mux(isMove, Mux(transpose, byChunk[n], byChunk[m]), bySlice[b % shareBytes / MachineShape.BeatBytes]);
                var fromBeat = beats[b / shareBytes].Out.Payload[(8 * (b % MachineShape.BeatBytes)) + 7, 8 * (b % MachineShape.BeatBytes)].AsSInt();
                FillPort.Data[b].Assign(Mux(isMove, Mux(transpose, column[m], data[n]), fromBeat));
            }
        }
        FillPort.Bytes.Assign(Cat([.. enables.Reverse()]));
        var rowDone = loadRowDone | moveRowDone;
        var complete = Mux(isMove, move.Flag(f => f.Complete), load.Flag(f => f.Complete));
        var fillDone = Reg(Bool(), reset: 0, name: "fill_done");
        fillDone.Assign(false);
        When(rowDone, () =>
        {
            rowAddress.Assign((rowAddress + 1).Resize(weightBits));
            rowsLeft.Assign(rowsLeft.SubWrap(Lit(1, 17)));
            When(rowsLeft == 1, () =>
            {
                filling.Assign(false);
                fillDone.Assign(complete);
                done.Assign(true);
            });
        });
        FillPort.Done.Assign(fillDone);
        FillPort.Clear.Assign(Control.Abort);
        When(setup == 1, () =>
        {
            filling.Assign(true);
            rowAddress.Assign(Mux(isMove, move.Fit(f => f.FirstRow, weightBits), load.Fit(f => f.FirstRow, weightBits)));
            rowsLeft.Assign(Mux(isMove, (move[f => f.OutBlocks] * move[f => f.InBlocks]).Resize(17), load[f => f.Rows].ZeroExtend(17)));
            slice.Assign(0);
            outBlock.Assign(0);
            inBlock.Assign(0);
            chunk.Assign(0);
            moveState.Assign(MoveStep.Prepare);
        });
        When(Control.Abort, () =>
        {
            filling.Assign(false);
            setup.Assign(0);
        });

        // The engine reports done a cycle after its last row, with the bank handed over.
        var busy = Reg(Bool(), reset: 0, name: "busy");
        var finished = RegNext(done, reset: 0, name: "finished");
        When(Control.Start, () => busy.Assign(true)).ElseWhen(finished | Control.Abort, () => busy.Assign(false));
        Control.Busy.Assign(busy);
        Control.Done.Assign(finished);
        Control.Stalled.Assign(filling & !FillPort.CanFill);
        Waiting = Output(Bool());
        Waiting.Assign(filling & !isMove & !arrived);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => "WeightEngine";

    public EngineControl Control { get; }

    public Vec<UInt> Bases { get; }

    public UInt Step { get; }

    /// <summary>The DDR reads of each weights port.</summary>
    public IReadOnlyList<AxiReadClient> Reads { get; }

    public BufferRead ActRead { get; }

    public Vec<SInt> ActData { get; }

    /// <summary>Rows into the weight buffer's fill bank.</summary>
    public WeightFill FillPort { get; }

    public Vec<DmaWindowPages> Windows { get; private set; }

    public Bool WindowsChecked { get; private set; }

    /// <summary>Pulse: a burst of the running instruction lay outside the DMA windows and was not issued.</summary>
    public Bool WindowViolation { get; private set; }

    /// <summary>A LOAD_WEIGHTS running with no beat to take: waiting for DDR.</summary>
    public Bool Waiting { get; private set; }
}
