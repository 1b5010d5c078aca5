using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// STORE: activation buffer rows to DDR through the data port's write side. The address side walks the
/// DDR runs and issues AW bursts (each burst's length is queued for the write side); a reader takes the
/// rows <c>ActRow + k·ActStride + r</c> and packs them into 16-byte beats with their strobes (a row
/// may share a beat with its neighbours or span several beats); the write side sends a queued beat only
/// within a burst whose address was accepted, with WLAST on its last beat. The store is done when every
/// burst has its write response. An abort stops the walk and the reader at once; the bursts already
/// addressed are finished with unstrobed beats (<see cref="AxiIdle"/> says when).
/// </summary>
public sealed class StoreEngine : Module
{
    private const int BeatQueueDepth = 16;

    public StoreEngine(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        var tn = config.Tn;
        var actBits = Hw.BitsFor(config.ActivationRows);
        var shape = MachineShape.Data;
        Control = Input(EngineControl.Of(config));
        Bases = Input(Vec(4, UInt(MachineShape.AddressBits)));
        Step = Input(UInt(16));
        Axi = Output(Axi4Write.Of(shape), name: "axi");
        Read = Output(BufferRead.Of(config));
        ReadData = Input(Vec(config.Groups * tn, SInt(8)));

        var word = Control.Instruction;
        var store = new WordFields<Store>(word);
        var address = Instance(new DmaAddress(config), "dma_address");
        address.Instruction.Assign(word);
        address.Bases.ConnectFrom(Bases);
        address.Step.Assign(Step);
        address.StepGroup.Assign(Control.StepGroup);
        var setup = Reg(UInt(2), reset: 0, name: "setup");
        When(Control.Start, () => setup.Assign(2)).ElseWhen(setup != 0, () => setup.Assign((setup - 1).Resize(2)));
        var contiguous = (store[f => f.DdrStride] == (store[f => f.Rows] * (UInt)Lit(tn, 16))) | (store[f => f.Chunks] == 1);
        var chunkBytes = (store[f => f.Rows] * (UInt)Lit(tn, 16)).Resize(32);

        // ---- address side: each burst's length waits in a queue until its data has gone ----
        var walker = Instance(new DmaBursts(config, 256, 0, write: true), "walker");
        Windows = Input(Hw.Vec(RegisterMap.Windows, DmaWindowPages.Of()));
        WindowsChecked = Input(Bool());
        walker.CheckAgainst(Windows, WindowsChecked);
        WindowViolation = Output(Bool());
        WindowViolation.Assign(walker.Violation);
        // The walk's sizes are registered: they are decoded from the instruction, which holds still from the
        // engine's start, and wanted only from the walk's start two cycles later.
        walker.Start.Assign(setup == 1);
        walker.Abort.Assign(Control.Abort);
        walker.Address.Assign(address.Address);
        walker.RunBytes.Assign(RegNext(Mux(contiguous, (chunkBytes * store[f => f.Chunks]).Resize(48), chunkBytes.ZeroExtend(48)), name: "run_bytes"));
        walker.Runs.Assign(RegNext(Mux(contiguous, Lit(1, 16), store[f => f.Chunks]), name: "runs"));
        walker.Stride.Assign(RegNext(store[f => f.DdrStride], name: "stride"));
        walker.Freed.Assign(false);
        walker.Arrived.Assign(false);
        // A burst whose address went out is owed its beats even after an abort, so its length stays queued.
        var bursts = Instance(new RegisterQueue<UInt>(UInt(9), 8, config.ClockDomain), "bursts");
        bursts.Clear.Assign(false);
        var addressing = walker.Active;
        var awValid = Reg(Bool(), reset: 0, name: "aw_valid");
        var awAddress = Reg(UInt(MachineShape.AddressBits), name: "aw_address");
        // A burst's beats less one (AXI's AWLEN), kept so: the write side's last-beat compare reads it from
        // the burst queue without a subtraction.
        var awLength = Reg(UInt(9), name: "aw_length");
        var issued = Reg(UInt(24), reset: 0, name: "issued");
        var answered = Reg(UInt(24), reset: 0, name: "answered");
        var next = walker.Valid & (!awValid | Axi.Aw.Ready) & bursts.In.Ready;
        walker.Taken.Assign(next);
        When(next, () =>
        {
            awValid.Assign(true);
            awAddress.Assign(walker.BurstAddress);
            awLength.Assign((walker.BurstBeats - 1).Resize(9));
        }).ElseWhen(Axi.Aw.Ready, () => awValid.Assign(false));
        Axi.Aw.Valid.Assign(awValid);
        Axi.Aw.Payload.AssignIncrementingBurst(awAddress, awLength.Resize(8), shape);
        bursts.In.Valid.Assign(Axi.Aw.Fire);
        bursts.In.Payload.Assign(awLength);
        When(Axi.Aw.Fire, () => issued.Assign((issued + 1).Resize(24)));
        Axi.B.Ready.Assign(true);
        When(Axi.B.Valid, () => answered.Assign((answered + 1).Resize(24)));
        BadResponse = Output(Bool());
        BadResponse.Assign(Axi.B.Valid & (Axi.B.Payload.Resp != 0));

        // ---- reader and packer: rows into beats with strobes ----
        var beats = Instance(new StreamQueue<UInt>(UInt(128 + 16), BeatQueueDepth, RamStyle.Distributed, config.ClockDomain), "beats");
        var reading = Reg(Bool(), reset: 0, name: "reading");
        var rowInChunk = Reg(UInt(16), name: "row_in_chunk");
        var chunk = Reg(UInt(16), name: "chunk");
        var chunkRow = Reg(UInt(actBits), name: "chunk_row");
        var consumerChunk = Reg(UInt(MachineShape.AddressBits), name: "consumer_chunk");
        var inFlight = Reg(Bool(), reset: 0, name: "in_flight");
        var endOfChunk = rowInChunk == (store[f => f.Rows] - 1).Resize(16);
        var lastRow = endOfChunk & (chunk == (store[f => f.Chunks] - 1).Resize(16));
        var emitLeft = Reg(UInt(8), reset: 0, name: "emit_left");
        var rowBeats = Math.Max(1, tn / 16);
        // A row of several beats is read while the last two beats of the one before leave: it arrives as the
        // last leaves, so the beats go one a cycle. The queue keeps room for the beats still to leave and the row's.
        var room = beats.Count <= BeatQueueDepth - 3 - (tn <= 16 ? 0 : 2);
        var readIssue = reading & room & !inFlight & (emitLeft <= 2);
        if (tn <= 16)
            readIssue = reading & room;
        Read.Valid.Assign(readIssue);
        Read.Group.Assign(store.Fit(f => f.Group, Hw.BitsFor(config.Groups)));
        Read.Address.Assign((chunkRow + rowInChunk.Resize(actBits)).Resize(actBits));
        var granted = readIssue & Read.Granted;
        inFlight.Assign(granted);
        When(granted, () =>
        {
            When(endOfChunk, () =>
            {
                rowInChunk.Assign(0);
                chunk.Assign((chunk + 1).Resize(16));
                chunkRow.Assign((chunkRow + store.Fit(f => f.ActStride, actBits)).Resize(actBits));
                consumerChunk.Assign((consumerChunk + store[f => f.DdrStride]).Resize(MachineShape.AddressBits));
            }).Otherwise(() => rowInChunk.Assign((rowInChunk + 1).Resize(16)));
            When(lastRow, () => reading.Assign(false));
        });
        var readGroup = RegNext(store.Fit(f => f.Group, Hw.BitsFor(config.Groups)), name: "read_group");
        var row = Enumerable.Range(0, tn).Select(n =>
        {
            SInt value = ReadData[n];
            for (var g = 1; g < config.Groups; g++)
                value = Mux(readGroup == g, ReadData[(g * tn) + n], value);
            return value.AsUInt();
        }).ToArray();
        UInt? offset = null, strobes = null;
        if (tn <= 16)
        {
            offset = Reg(UInt(4), name: "offset");
            strobes = Reg(UInt(16), reset: 0, name: "strobes");
            var packed = Enumerable.Range(0, 16).Select(b => Reg(UInt(8), name: $"packed_{b}")).ToArray();
            // The arriving row lands at the byte offset; the beat leaves at its end or the run's.
            var arrivedEndOfRun = RegNext(lastRow | (endOfChunk & !contiguous), name: "arrived_end_of_run");
            var arrivedNextOffset = RegNext((consumerChunk + store[f => f.DdrStride]).Resize(MachineShape.AddressBits)[3, 0], name: "arrived_next_offset");
            var data = new UInt[16];
            var strobe = new Bool[16];
            for (var b = 0; b < 16; b++)
            {
                var here = inFlight & (offset == (b / tn) * tn);
                data[b] = Mux(here, row[b % tn], packed[b]);
                strobe[b] = here | strobes[b];
            }
            var nextOffset = (offset + tn).Resize(5);
            var leave = inFlight & ((nextOffset == 16) | arrivedEndOfRun);
            beats.In.Valid.Assign(leave);
            beats.In.Payload.Assign(Cat(Cat([.. strobe.Reverse()]), Cat([.. data.Reverse()])));
            When(inFlight, () =>
            {
                for (var b = 0; b < 16; b++)
                {
                    var index = b;
                    packed[index].Assign(data[index]);
                }
                strobes.Assign(Mux(leave, Lit(0, 16), Cat([.. strobe.Reverse()])));
                offset.Assign(Mux(arrivedEndOfRun, arrivedNextOffset, nextOffset.Resize(4)));
            });
        }
        else
        {
            // A row of several beats: each leaves whole, one per cycle.
            var held = Enumerable.Range(0, tn).Select(n => Reg(UInt(8), name: $"held_{n}")).ToArray();
            var part = Reg(UInt(8), name: "part");
            When(inFlight, () =>
            {
                for (var n = 0; n < tn; n++)
                {
                    var index = n;
                    held[index].Assign(row[index]);
                }
                emitLeft.Assign(rowBeats);
                part.Assign(0);
            }).ElseWhen(emitLeft != 0, () =>
            {
                emitLeft.Assign((emitLeft - 1).Resize(8));
                part.Assign((part + 1).Resize(8));
            });
            UInt beat = Cat([.. held.Take(16).Reverse()]);
            for (var k = 1; k < rowBeats; k++)
                beat = Mux(part == k, Cat([.. held.Skip(16 * k).Take(16).Reverse()]), beat);
            beats.In.Valid.Assign(emitLeft != 0);
            beats.In.Payload.Assign(Cat(Lit(0xFFFF, 16), beat));
        }

        // ---- write side ----
        // After an abort the bursts whose addresses went out still get their beats, as AXI requires, but
        // with no byte strobes: the slave's handshakes end and nothing more is written. A beat already on
        // offer stays as it is until it is taken (AXI allows no change), so the abort waits for it.
        var flushing = Reg(Bool(), reset: 0, name: "flushing");
        var abortWaits = Reg(Bool(), reset: 0, name: "abort_waits");
        var beatHeld = Axi.W.Valid & !Axi.W.Ready;
        var stopBeats = (Control.Abort | abortWaits) & !beatHeld;
        When(Control.Abort & beatHeld, () => abortWaits.Assign(true)).ElseWhen(stopBeats, () => abortWaits.Assign(false));
        beats.Clear.Assign(stopBeats);
        When(stopBeats, () => flushing.Assign(true)).ElseWhen(!awValid & !bursts.Out.Valid, () => flushing.Assign(false));
        var beatInBurst = Reg(UInt(9), reset: 0, name: "beat_in_burst");
        var burstLast = bursts.Out.Payload;
        var wValid = (beats.Out.Valid | flushing) & bursts.Out.Valid;
        var lastBeat = beatInBurst == burstLast;
        Axi.W.Valid.Assign(wValid);
        Axi.W.Payload.Data.Assign(Mux(flushing, Lit(0, 128), beats.Out.Payload[127, 0]));
        Axi.W.Payload.Strb.Assign(Mux(flushing, Lit(0, 16), beats.Out.Payload[143, 128]));
        Axi.W.Payload.Last.Assign(lastBeat);
        var sent = Axi.W.Fire;
        beats.Out.Ready.Assign(sent & !flushing);
        bursts.Out.Ready.Assign(sent & lastBeat);
        When(sent, () => beatInBurst.Assign(Mux(lastBeat, Lit(0, 9), (beatInBurst + 1).Resize(9))));
        BytesWritten = Output(UInt(5));
        UInt count = Lit(0, 5);
        for (var b = 0; b < 16; b++)
            count = (count + Mux(beats.Out.Payload[128 + b], Lit(1, 1), Lit(0, 1))).Resize(5);
        BytesWritten.Assign(Mux(sent & !flushing, count, Lit(0, 5)));

        When(setup == 1, () =>
        {
            reading.Assign(true);
            rowInChunk.Assign(0);
            chunk.Assign(0);
            chunkRow.Assign(store.Fit(f => f.ActRow, actBits));
            consumerChunk.Assign(address.Address);
            offset?.Assign(address.Address[3, 0]);
            strobes?.Assign(0);
            issued.Assign(0);
            answered.Assign(0);
        });
        When(Control.Abort, () =>
        {
            // An address on offer stays until it is taken (AXI allows no withdrawal); its beats are flushed.
            reading.Assign(false);
            setup.Assign(0);
            emitLeft.Assign(0);
        });

        Unused(Cat(beats.In.Ready, bursts.Count), "room_is_reserved");
        var busy = Reg(Bool(), reset: 0, name: "busy");
        var finished = busy & (setup == 0) & !addressing & !awValid & !reading & !inFlight & (emitLeft == 0) & !beats.Out.Valid & (beats.Count == 0) & (issued == answered) & !Axi.B.Valid;
        var done = RegNext(finished & !RegNext(finished, reset: 0, name: "finished_before"), reset: 0, name: "done");
        When(Control.Start, () => busy.Assign(true)).ElseWhen(done | Control.Abort, () => busy.Assign(false));
        Control.Busy.Assign(busy);
        Control.Done.Assign(done);
        Control.Stalled.Assign(false);
        Waiting = Output(Bool());
        Waiting.Assign(busy & (setup == 0) & !sent & (addressing | awValid | !beats.Out.Valid | (issued != answered)));
        AxiIdle = Output(Bool());
        AxiIdle.Assign(!awValid & !bursts.Out.Valid & (issued == answered));
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => "StoreEngine";

    public EngineControl Control { get; }

    public Vec<UInt> Bases { get; }

    public UInt Step { get; }

    public Axi4Write Axi { get; }

    public BufferRead Read { get; }

    public Vec<SInt> ReadData { get; }

    /// <summary>Pulse: a write response was not OKAY.</summary>
    public Bool BadResponse { get; private set; }

    /// <summary>Bytes written this cycle (strobes of the beat that moved).</summary>
    public UInt BytesWritten { get; private set; }

    public Vec<DmaWindowPages> Windows { get; private set; }

    public Bool WindowsChecked { get; private set; }

    /// <summary>Pulse: a burst of the running instruction lay outside the DMA windows and was not issued.</summary>
    public Bool WindowViolation { get; private set; }

    /// <summary>No write address waits, no burst is owed beats and every burst has its response.</summary>
    public Bool AxiIdle { get; private set; }

    /// <summary>Running but no data beat moved this cycle.</summary>
    public Bool Waiting { get; private set; }
}
