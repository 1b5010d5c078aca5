using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// LOAD_WEIGHTS and MOVE_WEIGHTS: fill the weight buffer's fill bank, a row (Tm x Tn bytes) at a
/// time, and hand a complete bank to the compute engine. LOAD_WEIGHTS streams rows from DDR on the
/// weights port, which it has to itself (its beats wait in a 512-beat queue, so two full bursts fly);
/// MOVE_WEIGHTS gathers a row from an activation buffer: Tm pixels' channel blocks (K of an attention
/// head) or, transposed, Tm channels of Tn pixels (V^T). Rows are written only while the fill bank is free.
/// </summary>
public sealed class WeightEngine : Module
{
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
        Read = Output(AxiReadClient.Of(MachineShape.AddressBits));
        ActRead = Output(BufferRead.Of(config));
        ActData = Input(Vec(config.Groups * tn, SInt(8)));
        Write = Output(Bool());
        WriteAddress = Output(UInt(weightBits));
        WriteData = Output(Vec(rowBytes, SInt(8)));
        FillDone = Output(Bool());
        CanFill = Input(Bool());

        var word = Control.Instruction;
        var isMove = InstructionFields.Is<MoveWeights>(word);
        var load = new InstructionFields(word, InstructionSet.Format<LoadWeights>());
        var move = new InstructionFields(word, InstructionSet.Format<MoveWeights>());
        var address = Instance(new DmaAddress(config), "dma_address");
        address.Instruction.Assign(word);
        address.Bases.ConnectFrom(Bases);
        address.Step.Assign(Step);
        address.StepGroup.Assign(Control.StepGroup);
        var setup = Reg(UInt(2), reset: 0, name: "setup");
        When(Control.Start, () => setup.Assign(2)).ElseWhen(setup != 0, () => setup.Assign((setup - 1).Resize(2)));

        // ---- LOAD_WEIGHTS: request side ----
        var beats = Instance(new Queue(128, BeatQueueDepth, RamStyle.Block, config.ClockDomain), "beats");
        beats.Clear.Assign(Control.Abort);
        var bursts = Instance(new DmaBursts(config, 256, BeatQueueDepth), "bursts");
        bursts.Start.Assign((setup == 1) & !isMove);
        bursts.Abort.Assign(Control.Abort);
        bursts.Address.Assign(address.Address);
        bursts.RunBytes.Assign((load["Rows"] * (UInt)Lit(rowBytes, 16)).Resize(48));
        bursts.Runs.Assign(Lit(1, 16));
        bursts.Stride.Assign(Lit(0, 32));
        bursts.Held.Assign(beats.Count);
        bursts.Arrived.Assign(Read.DataValid);
        Read.Valid.Assign(bursts.Valid);
        Read.Address.Assign(bursts.BurstAddress);
        Read.Beats.Assign(bursts.BurstBeats);
        bursts.Taken.Assign(Read.Valid & Read.Ready);
        beats.InValid.Assign(Read.DataValid);
        beats.InData.Assign(Read.Data);

        // ---- the row being assembled ----
        var row = Enumerable.Range(0, rowBytes).Select(b => Reg(SInt(8), name: $"row_{b}")).ToArray();
        var filling = Reg(Bool(), reset: 0, name: "filling");
        var rowAddress = Reg(UInt(weightBits), name: "row_address");
        var rowsLeft = Reg(UInt(17), name: "rows_left");
        var slice = Reg(UInt(Math.Max(1, Hw.BitsFor(beatsPerRow))), reset: 0, name: "slice");
        var done = Wire(Bool(), name: "done");
        done.Assign(false);

        // LOAD_WEIGHTS: beat s of a row holds bytes 16s .. 16s + 15; the last beat completes the row.
        var lastSlice = slice == beatsPerRow - 1;
        var loadBeat = filling & !isMove & beats.OutValid;
        var loadRow = loadBeat & lastSlice & CanFill;
        beats.OutReady.Assign(loadBeat & (!lastSlice | CanFill));
        for (var s = 0; s < beatsPerRow - 1; s++)
        {
            for (var b = 0; b < MachineShape.BeatBytes; b++)
            {
                var (position, value) = ((s * MachineShape.BeatBytes) + b, beats.OutData[(8 * b) + 7, 8 * b].AsSInt());
                When(loadBeat & (slice == s), () => row[position].Assign(value));
            }
        }
        When(loadBeat & !lastSlice, () => slice.Assign((slice + 1).Resize(slice.Width)));
        When(loadRow, () => slice.Assign(0));

        // MOVE_WEIGHTS: chunk c of row (o, i), one activation buffer read at a time.
        var outBlock = Reg(UInt(16), name: "out_block");
        var inBlock = Reg(UInt(16), name: "in_block");
        var chunk = Reg(UInt(Hw.BitsFor(Math.Max(tm, tn) + 1)), name: "chunk");
        const int prepare = 0, request = 1, arrive = 2, store = 3;
        var moveState = Reg(UInt(2), reset: prepare, name: "move_state");
        var transpose = move.Flag("Transpose");
        var chunks = Mux(transpose, Lit(tn, chunk.Width), Lit(tm, chunk.Width));
        var pixel = Mux(transpose, ((inBlock * (UInt)Lit(tn, Hw.BitsFor(tn + 1))) + chunk).Resize(24), ((outBlock * (UInt)Lit(tm, Hw.BitsFor(tm + 1))) + chunk).Resize(24));
        var blockOffset = Mux(transpose, (outBlock * (UInt)Lit(tm, Hw.BitsFor(tm + 1))) >> System.Numerics.BitOperations.Log2((uint)tn), inBlock.ZeroExtend(24));
        var sourceRow = Reg(UInt(actBits), name: "source_row");
        ActRead.Valid.Assign(filling & isMove & (moveState == request));
        ActRead.Group.Assign(move.Fit("Group", Hw.BitsFor(config.Groups)));
        ActRead.Address.Assign(sourceRow);
        var group = RegNext(ActRead.Group, name: "read_group");
        var data = Enumerable.Range(0, tn).Select(n =>
        {
            SInt value = ActData[n];
            for (var g = 1; g < config.Groups; g++)
                value = Mux(group == g, ActData[(g * tn) + n], value);
            return value;
        }).ToArray();
        var lane = (outBlock.Resize(16) * (UInt)Lit(tm, Hw.BitsFor(tm + 1))).Resize(Math.Max(1, System.Numerics.BitOperations.Log2((uint)tn)));
        var arriving = filling & isMove & (moveState == arrive);
        for (var m = 0; m < tm; m++)
        {
            for (var n = 0; n < tn; n++)
            {
                var position = (m * tn) + n;
                // Transposed, column n takes Tm bytes from the lane of this output block within the row.
                SInt fromRow = data[m];
                for (var start = tm; start < tn; start += tm)
                    fromRow = Mux(lane == start, data[start + m], fromRow);
                var (normalValue, transposedValue, mIndex, nIndex) = (data[n], fromRow, m, n);
                When(arriving & !transpose & (chunk == mIndex), () => row[position].Assign(normalValue));
                When(arriving & transpose & (chunk == nIndex), () => row[position].Assign(transposedValue));
            }
        }
        var lastChunk = chunk == (chunks - 1).Resize(chunk.Width);
        var lastIn = inBlock == (move["InBlocks"] - 1).Resize(16);
        var moveRow = filling & isMove & (moveState == store) & CanFill;
        When(filling & isMove, () =>
        {
            When(moveState == prepare, () =>
            {
                sourceRow.Assign((move.Fit("ActRow", actBits) + (pixel * move["PixelStride"]).Resize(actBits) + blockOffset.Resize(actBits)).Resize(actBits));
                moveState.Assign(request);
            }).ElseWhen(moveState == request, () => When(ActRead.Granted, () => moveState.Assign(arrive)))
            .ElseWhen(moveState == arrive, () =>
            {
                When(lastChunk, () =>
                {
                    chunk.Assign(0);
                    moveState.Assign(store);
                }).Otherwise(() =>
                {
                    chunk.Assign((chunk + 1).Resize(chunk.Width));
                    moveState.Assign(prepare);
                });
            }).ElseWhen(moveRow, () =>
            {
                moveState.Assign(prepare);
                When(lastIn, () =>
                {
                    inBlock.Assign(0);
                    outBlock.Assign((outBlock + 1).Resize(16));
                }).Otherwise(() => inBlock.Assign((inBlock + 1).Resize(16)));
            });
        });

        // ---- writing rows into the fill bank ----
        var writing = loadRow | moveRow;
        Write.Assign(writing);
        WriteAddress.Assign(rowAddress);
        for (var b = 0; b < rowBytes; b++)
        {
            var lastBeatByte = b >= (beatsPerRow - 1) * MachineShape.BeatBytes;
            var fromBeat = beats.OutData[(8 * (b % MachineShape.BeatBytes)) + 7, 8 * (b % MachineShape.BeatBytes)].AsSInt();
            WriteData[b].Assign(lastBeatByte ? Mux(isMove, row[b], fromBeat) : row[b]);
        }
        var complete = Mux(isMove, move.Flag("Complete"), load.Flag("Complete"));
        var fillDone = Reg(Bool(), reset: 0, name: "fill_done");
        fillDone.Assign(false);
        When(writing, () =>
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
        FillDone.Assign(fillDone);
        When(setup == 1, () =>
        {
            filling.Assign(true);
            rowAddress.Assign(Mux(isMove, move.Fit("FirstRow", weightBits), load.Fit("FirstRow", weightBits)));
            rowsLeft.Assign(Mux(isMove, (move["OutBlocks"] * move["InBlocks"]).Resize(17), load["Rows"].ZeroExtend(17)));
            slice.Assign(0);
            outBlock.Assign(0);
            inBlock.Assign(0);
            chunk.Assign(0);
            moveState.Assign(prepare);
        });
        When(Control.Abort, () =>
        {
            filling.Assign(false);
            setup.Assign(0);
        });

        // The engine reports done a cycle after its last row, with the bank handed over.
        Unused(Cat(beats.InReady, bursts.Active), "room_is_reserved");
        var busy = Reg(Bool(), reset: 0, name: "busy");
        var finished = RegNext(done, reset: 0, name: "finished");
        When(Control.Start, () => busy.Assign(true)).ElseWhen(finished | Control.Abort, () => busy.Assign(false));
        Control.Busy.Assign(busy);
        Control.Done.Assign(finished);
        Control.Stalled.Assign(filling & !CanFill);
        Waiting = Output(Bool());
        Waiting.Assign(filling & !isMove & !beats.OutValid);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => "WeightEngine";

    public EngineControl Control { get; }

    public Vec<UInt> Bases { get; }

    public UInt Step { get; }

    public AxiReadClient Read { get; }

    public BufferRead ActRead { get; }

    public Vec<SInt> ActData { get; }

    public Bool Write { get; }

    public UInt WriteAddress { get; }

    public Vec<SInt> WriteData { get; }

    public Bool FillDone { get; }

    public Bool CanFill { get; }

    /// <summary>A LOAD_WEIGHTS running with no beat to take: waiting for DDR.</summary>
    public Bool Waiting { get; private set; }
}
