using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Datapath;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// LOAD and LOAD_TABLE: DDR through the data port's read side into an activation buffer or a table.
/// The request side walks the DDR runs (one run when the chunks are back to back, else one per chunk)
/// and asks for bursts only while its beat queue has room for them; the consumer side cuts the beats
/// into buffer rows (Tn bytes; several rows per beat or several beats per row) and writes them at
/// <c>ActRow + k·ActStride + r</c>, or writes one table entry per beat (16 activation-table bytes per beat).
/// </summary>
public sealed class LoadEngine : Module
{
    public const int BeatQueueDepth = 512;

    public LoadEngine(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int tn = config.Tn, tm = config.Tm;
        var actBits = Hw.BitsFor(config.ActivationRows);
        Control = Input(EngineControl.Of(config));
        Bases = Input(Vec(4, UInt(MachineShape.AddressBits)));
        Step = Input(UInt(16));
        Read = Output(AxiReadClient.Of(MachineShape.AddressBits));
        Write = Output(BufferWrite.Of(config));
        Requantizer = Output(TableWritePort.Of(config));
        Tables = Output(VectorTableWrites.Of(config));
        PadWrite = Output(Bool());
        PadValue = Output(SInt(8));
        ExponentWrite = Output(Bool());
        ExponentA = Output(UInt(SplitConcat.ExponentBits));
        ExponentB = Output(UInt(SplitConcat.ExponentBits));

        var word = Control.Instruction;
        var isTable = InstructionFields.Is<LoadTable>(word);
        var load = new WordFields<Load>(word);
        var table = new WordFields<LoadTable>(word);
        var kind = table[f => f.Kind];
        var isActivation = isTable & (kind == (int)TableKind.Activation);
        var address = Instance(new DmaAddress(config), "dma_address");
        address.Instruction.Assign(word);
        address.Bases.ConnectFrom(Bases);
        address.Step.Assign(Step);
        address.StepGroup.Assign(Control.StepGroup);

        // ---- request side: runs of beats, bursts within pages, never more than the queue can hold ----
        var beats = Instance(new StreamQueue<UInt>(UInt(128), BeatQueueDepth, RamStyle.Block, config.ClockDomain), "beats");
        beats.Clear.Assign(Control.Abort);
        var setup = Reg(UInt(2), reset: 0, name: "setup");
        When(Control.Start, () => setup.Assign(2)).ElseWhen(setup != 0, () => setup.Assign((setup - 1).Resize(2)));
        var rowBytes = (UInt)Lit(tn, 16);
        // Decoded into registers: the instruction holds still from the engine's start, the walk starts two
        // cycles later and the consumer after it, and the compares and products stay off their paths.
        var contiguous = RegNext((load[f => f.DdrStride] == (load[f => f.Rows] * rowBytes)) | (load[f => f.Chunks] == 1), name: "contiguous");
        var rowsLast = RegNext((load[f => f.Rows] - 1).Resize(16), name: "rows_last");
        var chunksLast = RegNext((load[f => f.Chunks] - 1).Resize(16), name: "chunks_last");
        var oneRow = RegNext(load[f => f.Rows] == 1, name: "one_row");
        var oneChunk = RegNext(load[f => f.Chunks] == 1, name: "one_chunk");
        var chunkBytes = Mux(isTable, table[f => f.Count] << Mux(isActivation, Lit(8, 4), Lit(4, 4)), load[f => f.Rows] * rowBytes).Resize(32);
        var bursts = Instance(new DmaBursts(config, 256, BeatQueueDepth), "bursts");
        // The walk's sizes are registered: they are decoded from the instruction, which holds still from the
        // engine's start, and wanted only from the walk's start two cycles later.
        bursts.Start.Assign(setup == 1);
        bursts.Abort.Assign(Control.Abort);
        bursts.Address.Assign(address.Address);
        bursts.RunBytes.Assign(RegNext(Mux(isTable | !contiguous, chunkBytes.ZeroExtend(48), (chunkBytes * load[f => f.Chunks]).Resize(48)), name: "run_bytes"));
        bursts.Runs.Assign(RegNext(Mux(isTable | contiguous, Lit(1, 16), load[f => f.Chunks]), name: "runs"));
        bursts.Stride.Assign(RegNext(load[f => f.DdrStride], name: "stride"));
        bursts.Feed(Read, beats);
        Windows = Input(Hw.Vec(RegisterMap.Windows, DmaWindowPages.Of()));
        WindowsChecked = Input(Bool());
        bursts.CheckAgainst(Windows, WindowsChecked);
        WindowViolation = Output(Bool());
        WindowViolation.Assign(bursts.Violation);

        // ---- consumer side ----
        var consuming = Reg(Bool(), reset: 0, name: "consuming");
        var offset = Reg(UInt(4), name: "offset");
        var consumerChunk = Reg(UInt(MachineShape.AddressBits), name: "consumer_chunk");
        var rowInChunk = Reg(UInt(16), name: "row_in_chunk");
        var chunk = Reg(UInt(16), name: "chunk");
        var chunkRow = Reg(UInt(actBits), name: "chunk_row");
        var entry = Reg(UInt(16), name: "entry");
        var part = tn > 16 ? Reg(UInt(Hw.BitsFor(tn / 16)), name: "part") : null;
        var byteIndex = Reg(UInt(4), name: "byte_index");
        var done = Wire(Bool(), name: "done");
        // Whether the row is its chunk's last and the chunk the last one, known a cycle ahead: the compares
        // run on the counters before they step, so the pop that ends a row does not wait on them.
        var atChunkEnd = Reg(Bool(), name: "at_chunk_end");
        var atLastChunk = Reg(Bool(), name: "at_last_chunk");
        var lastRow = atChunkEnd & atLastChunk;
        var head = beats.Out.Payload;
        var pop = Wire(Bool(), name: "pop");
        done.Assign(false);
        pop.Assign(false);
        Write.Group.Assign(load.Fit(f => f.Group, Hw.BitsFor(config.Groups)));
        Write.Address.Assign((chunkRow + rowInChunk.Resize(actBits)).Resize(actBits));
        UInt rowData;
        if (tn <= 16)
        {
            // Several rows per beat: the row at the current byte offset.
            UInt selected = head[(8 * tn) - 1, 0];
            for (var k = 1; k < 16 / tn; k++)
                selected = Mux(offset == k * tn, head[(8 * tn * (k + 1)) - 1, 8 * tn * k], selected);
            rowData = selected;
        }
        else
        {
            // Several beats per row: the row is complete with its last beat.
            var counter = part!;
            var parts = Enumerable.Range(0, (tn / 16) - 1).Select(p => Reg(UInt(128), name: $"row_part_{p}")).ToArray();
            for (var p = 0; p < parts.Length; p++)
            {
                var index = p;
                When(beats.Out.Valid & consuming & !isTable & (counter == index), () => parts[index].Assign(head));
            }
            rowData = Cat([head, .. parts.Reverse()]);
        }
        for (var n = 0; n < tn; n++)
            Write.Data[n].Assign(rowData[(8 * n) + 7, 8 * n].AsSInt());
        var rowReady = beats.Out.Valid & consuming & !isTable & (part is null ? Hw.True : part == (tn / 16) - 1);
        Write.Valid.Assign(rowReady);
        var rowWritten = rowReady & Write.Granted;
        if (tn > 16)
            When(beats.Out.Valid & consuming & !isTable & (part! != (tn / 16) - 1), () => { part!.Assign((part + 1).Resize(part.Width)); pop.Assign(true); });
        When(rowWritten, () =>
        {
            if (part is not null)
            {
                part.Assign(0);
                pop.Assign(true);
            }
            var nextOffset = (offset + tn).Resize(5);
            var endOfChunk = atChunkEnd;
            // A beat is used up at its end, at the end of a run (a chunk that is not followed by its neighbour), and at the last row.
            if (tn <= 16)
                When((nextOffset == 16) | lastRow | (endOfChunk & !contiguous), () => pop.Assign(true));
            offset.Assign(nextOffset.Resize(4));
            When(endOfChunk, () =>
            {
                rowInChunk.Assign(0);
                atChunkEnd.Assign(oneRow);
                var nextChunk = (chunk + 1).Resize(16);
                chunk.Assign(nextChunk);
                atLastChunk.Assign(nextChunk == chunksLast);
                chunkRow.Assign((chunkRow + load.Fit(f => f.ActStride, actBits)).Resize(actBits));
                var next = (consumerChunk + load[f => f.DdrStride]).Resize(MachineShape.AddressBits);
                consumerChunk.Assign(next);
                When(!contiguous, () => offset.Assign(next[3, 0]));
            }).Otherwise(() =>
            {
                var nextRow = (rowInChunk + 1).Resize(16);
                rowInChunk.Assign(nextRow);
                atChunkEnd.Assign(nextRow == rowsLast);
            });
            When(lastRow, () =>
            {
                consuming.Assign(false);
                done.Assign(true);
            });
        });

        // Tables: one entry per beat, or 16 activation-table bytes per beat.
        var tableBeat = beats.Out.Valid & consuming & isTable;
        var channel = (table[f => f.First] + entry).Resize(16);
        var requantizer = new WordFields<RequantizerEntry>(head);
        var groupNorm = new WordFields<GroupNormEntry>(head);
        var exponents = new WordFields<InputExponents>(head);
        Requantizer.Write.Assign(tableBeat & (kind == (int)TableKind.Requantization));
        Requantizer.Lane.Assign(channel.Resize(Hw.BitsFor(tm)));
        Requantizer.ChannelBlock.Assign((channel >> System.Numerics.BitOperations.Log2((uint)tm)).ZeroExtend(16).Resize(Hw.BitsFor(config.ChannelsPerLane)));
        Requantizer.Slot.Assign(Datapath.Requantizer.SlotOf(config, table.Flag(f => f.TableBank), Control.StepGroup));
        Requantizer.Bias.Assign(requantizer[e => e.Bias].AsSInt());
        Requantizer.Multiplier.Assign(requantizer[e => e.Multiplier]);
        Requantizer.Shift.Assign(requantizer[e => e.Shift]);
        PadWrite.Assign(tableBeat & (kind == (int)TableKind.Padding));
        PadValue.Assign(new WordFields<Isa.PadValue>(head)[e => e.Value].AsSInt());
        ExponentWrite.Assign(tableBeat & (kind == (int)TableKind.InputExponents));
        ExponentA.Assign(exponents[e => e.A]);
        ExponentB.Assign(exponents[e => e.B]);
        Tables.Channel.Assign(tableBeat & (kind == (int)TableKind.GroupNorm));
        Tables.ChannelNumber.Assign(channel.Resize(Tables.ChannelNumber.Width));
        Tables.ChannelGain.Assign(groupNorm[e => e.Gain].AsSInt());
        Tables.ChannelOffset.Assign(groupNorm[e => e.Offset].AsSInt());
        Tables.ChannelShift.Assign(groupNorm[e => e.Shift]);
        Tables.ChannelExponent.Assign(groupNorm[e => e.Exponent]);
        Tables.Parameter.Assign(tableBeat & (kind == (int)TableKind.Parameters));
        Tables.ParameterSlot.Assign(channel.Resize(4));
        Tables.ParameterWord.Assign(head);
        Tables.Activation.Assign(tableBeat & isActivation);
        Tables.ActivationSlot.Assign((table[f => f.First] + (entry >> 4)).Resize(Tables.ActivationSlot.Width));
        Tables.ActivationIndex.Assign(Cat(entry.Resize(4), byteIndex));
        // The beat's first byte comes from the queue's head; the other fifteen from a register the head is
        // shifted through, one byte a write, so no sixteen-way multiplexer follows the block RAM.
        var laterBytes = Reg(UInt(120), name: "later_bytes");
        var value = Mux(byteIndex == 0, head[7, 0], laterBytes[7, 0]);
        When(tableBeat & isActivation, () => laterBytes.Assign(Mux(byteIndex == 0, head[127, 8], laterBytes >> 8).Resize(120)));
        Tables.ActivationValue.Assign(value.AsSInt());
        var entriesLast = RegNext((Mux(isActivation, table[f => f.Count] << 4, table[f => f.Count]).Resize(16) - 1).Resize(16), name: "entries_last");
        When(tableBeat, () =>
        {
            When(isActivation & (byteIndex != 15), () => byteIndex.Assign((byteIndex + 1).Resize(4))).Otherwise(() =>
            {
                byteIndex.Assign(0);
                pop.Assign(true);
                entry.Assign((entry + 1).Resize(16));
                When(entry == entriesLast, () =>
                {
                    consuming.Assign(false);
                    done.Assign(true);
                });
            });
        });
        beats.Out.Ready.Assign(pop);

        When(setup == 1, () =>
        {
            consuming.Assign(true);
            offset.Assign(address.Address[3, 0]);
            consumerChunk.Assign(address.Address);
            rowInChunk.Assign(0);
            chunk.Assign(0);
            atChunkEnd.Assign(oneRow);
            atLastChunk.Assign(oneChunk);
            chunkRow.Assign(load.Fit(f => f.ActRow, actBits));
            entry.Assign(0);
            part?.Assign(0);
            byteIndex.Assign(0);
        });
        When(Control.Abort, () =>
        {
            consuming.Assign(false);
            setup.Assign(0);
        });

        Unused(Cat(beats.In.Ready, beats.Count, bursts.Active), "room_is_reserved");
        var busy = Reg(Bool(), reset: 0, name: "busy");
        When(Control.Start, () => busy.Assign(true)).ElseWhen(done | Control.Abort, () => busy.Assign(false));
        Control.Busy.Assign(busy);
        Control.Done.Assign(done);
        Control.Stalled.Assign(false);
        Waiting = Output(Bool());
        Waiting.Assign(busy & (setup == 0) & !beats.Out.Valid & !Read.DataValid);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => "LoadEngine";

    public EngineControl Control { get; }

    public Vec<UInt> Bases { get; }

    public UInt Step { get; }

    public AxiReadClient Read { get; }

    public BufferWrite Write { get; }

    public TableWritePort Requantizer { get; }

    public VectorTableWrites Tables { get; }

    /// <summary>Pulse: LOAD_TABLE writes the compute engine's pad value (<see cref="TableKind.Padding"/>).</summary>
    public Bool PadWrite { get; }

    public SInt PadValue { get; }

    /// <summary>Pulse: LOAD_TABLE writes the compute engine's input exponents (<see cref="TableKind.InputExponents"/>).</summary>
    public Bool ExponentWrite { get; }

    public UInt ExponentA { get; }

    public UInt ExponentB { get; }

    public Vec<DmaWindowPages> Windows { get; private set; }

    public Bool WindowsChecked { get; private set; }

    /// <summary>Pulse: a burst of the running instruction lay outside the DMA windows and was not issued.</summary>
    public Bool WindowViolation { get; private set; }

    /// <summary>Running with nothing to consume and no beat arriving: waiting for DDR.</summary>
    public Bool Waiting { get; private set; }
}
