using DiffAcc.Hdl;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The DDR side of a DMA instruction: walks its runs (<see cref="Runs"/> runs of <see cref="RunBytes"/>
/// bytes, <see cref="Stride"/> bytes apart, from <see cref="Address"/>) and cuts each into AXI bursts of
/// whole 16-byte beats — at most <c>maxBurst</c> beats, never across a 4 KB page. With a queue depth, a
/// burst is asked for only while the engine's queue can hold it beside the beats still on their way,
/// so read data is never refused; without one (writes), every burst may go at once. Bursts move through
/// two registers: the walker cuts the next one into a candidate register, and the candidate moves to the
/// offer register (what the AXI side sees) when the queue has credit for it and the offer is free or
/// taken. Each refills in the cycle it empties, so a burst can go every cycle; the walker's arithmetic,
/// the credit check and the port's arbitration each end in their own registers.
/// </summary>
public sealed class DmaBursts : Module
{
    public DmaBursts(Configuration.AcceleratorConfig config, int maxBurst, int queueDepth, int runBeatBits = 24, bool write = false)
    {
        Domain = config.ClockDomain;
        IsWrite = write;
        MaxBurst = maxBurst;
        QueueDepth = queueDepth;
        RunBeatBits = runBeatBits;
        var bits = MachineShape.AddressBits;
        Start = Input(Bool());
        Abort = Input(Bool());
        Address = Input(UInt(bits));
        RunBytes = Input(UInt(48));
        Runs = Input(UInt(16));
        Stride = Input(UInt(32));
        Freed = Input(Bool());
        Arrived = Input(Bool());
        Taken = Input(Bool());
        Windows = Input(Hw.Vec(Isa.RegisterMap.Windows, DmaWindowPages.Of()));
        WindowsChecked = Input(Bool());
        for (var w = 0; w < Windows.Count; w++)
            Unused(write ? Windows[w].Read : Windows[w].Write, $"window{w}_other_access");
        Valid = Output(Bool());
        Violation = Output(Bool());
        BurstAddress = Output(UInt(bits));
        BurstBeats = Output(UInt(9));
        Active = Output(Bool());

        // The walker keeps what the next burst needs ready in flip-flops: the beats to the end of the page,
        // the next run's start and the queue's free credit, so that choosing a burst is one compare and a
        // multiplexer, and taking it one more compare before the registers.
        var active = Reg(Bool(), reset: 0, name: "active");
        var runAddress = Reg(UInt(bits), name: "run_address");
        var toPage = Reg(UInt(9), name: "to_page");
        var nextStart = Reg(UInt(bits), name: "next_start");
        var runBeats = Reg(UInt(runBeatBits), name: "run_beats");
        var runsLeft = Reg(UInt(16), name: "runs_left");
        UInt BeatsOf(UInt start) => ((start[3, 0].ZeroExtend(48) + RunBytes + 15) >> 4).Resize(runBeatBits);
        UInt Aligned(UInt address) => Cat(address[bits - 1, 4], Lit(0, 4));
        UInt PageLeft(UInt address) => (Lit(Bursts.PageBeats, 9) - address[11, 4]).Resize(9);
        // A burst stops at the page's end, at maxBurst beats, or at the run's end, whichever comes first.
        // Below a page, whether the page ends first and the limit it gives are registers set with the
        // page's remainder, so the run's end compares against flip-flops.
        var shortBursts = maxBurst < Bursts.PageBeats;
        var pageFirst = shortBursts ? Reg(Bool(), name: "page_first") : Hw.True;
        var limit = shortBursts ? Reg(UInt(9), name: "limit") : toPage;
        void SetPage(UInt left)
        {
            toPage.Assign(left);
            if (!shortBursts)
                return;
            var first = left <= maxBurst;
            pageFirst.Assign(first);
            limit.Assign(Mux(first, left, Lit(maxBurst, 9)));
        }
        var runEnds = runBeats <= limit.ZeroExtend(runBeatBits);
        var burst = Mux(runEnds, runBeats.Resize(9), limit);
        var candidate = Reg(Bool(), reset: 0, name: "candidate");
        var candidateAddress = Reg(UInt(bits), name: "candidate_address");
        var candidateBeats = Reg(UInt(9), name: "candidate_beats");
        // Whether the candidate may go is decided as it is cut, from the walk's page: no burst crosses a page.
        var candidateAllowed = Reg(Bool(), name: "candidate_allowed");
        var offered = Reg(Bool(), reset: 0, name: "offered");
        var offerAddress = Reg(UInt(bits), name: "offer_address");
        var offerBeats = Reg(UInt(9), name: "offer_beats");
        var fits = Hw.True;
        var move = Wire(Bool(), name: "move");
        if (queueDepth > 0)
        {
            // Headroom: the queue's depth less the beats on offer or asked for and not yet arrived. Space:
            // the headroom less what the queue holds, given back a cycle after each beat leaves it (late
            // credit is safe credit). An abort empties the queue: the space is the headroom again.
            var creditBits = Hw.BitsFor(queueDepth + 1);
            var headroom = Reg(UInt(creditBits), reset: queueDepth, name: "headroom");
            var space = Reg(UInt(creditBits), reset: queueDepth, name: "space");
            var freed = RegNext(Freed, reset: 0, name: "freed");
            // Arrivals count a cycle late too: the data port's tag bookkeeping that raises Arrived then ends
            // in a flip-flop, not in these counters (a late arrival only holds the headroom lower for a cycle).
            var arrivedLate = RegNext(Arrived, reset: 0, name: "arrived");
            var width = Math.Max(9, creditBits);
            fits = candidateBeats.ZeroExtend(width) <= space.ZeroExtend(width);
            // Each register's next value is its count plus what came back (chosen, not added, so one carry
            // chain stays on the way), less the candidate when it moves to the offer; an abort withdraws the
            // burst on offer, whose beats will not come (a candidate has taken no credit yet), and the
            // emptied queue leaves the headroom as the space.
            UInt Plus1(UInt counter, Bool when) => Mux(when, (counter + 1).Resize(creditBits), counter);
            UInt LessCandidate(UInt counter) => counter.SubWrap(candidateBeats.Resize(creditBits));
            var arrived = Plus1(headroom, arrivedLate);
            var aborted = (arrived + Mux(offered & !Taken, offerBeats, Lit(0, 9)).Resize(creditBits)).Resize(creditBits);
            headroom.Assign(Mux(Abort, aborted, Mux(move, LessCandidate(arrived), arrived)));
            var returned = Plus1(space, freed);
            space.Assign(Mux(Abort, aborted, Mux(move, LessCandidate(returned), returned)));
        }
        else
        {
            Unused(Cat(Freed, Arrived), "no_credits");
        }
        move.Assign(candidate & candidateAllowed & fits & (!offered | Taken) & !Abort);
        var next = active & (runBeats != 0) & (!candidate | move) & !Abort;
        // A burst outside the DMA windows is never offered: the walk stops and the engine's program is stopped.
        var refused = candidate & !candidateAllowed & !Abort;
        Violation.Assign(refused);
        When(move, () =>
        {
            offered.Assign(true);
            offerAddress.Assign(candidateAddress);
            offerBeats.Assign(candidateBeats);
        }).ElseWhen(Taken, () => offered.Assign(false));
        When(next, () =>
        {
            candidate.Assign(true);
            candidateAddress.Assign(runAddress);
            candidateBeats.Assign(burst);
            candidateAllowed.Assign(DmaWindowCheck.Allows(Windows, WindowsChecked, runAddress, write));
        }).ElseWhen(move | refused, () => candidate.Assign(false));
        Valid.Assign(offered);
        BurstAddress.Assign(offerAddress);
        BurstBeats.Assign(offerBeats);
        Active.Assign(active | candidate | offered);
        // An abort with a start (the instruction fetch's new program) ends the old walk and begins the new one.
        When(Abort | refused, () => active.Assign(false));
        When(Start, () =>
        {
            active.Assign(true);
            runAddress.Assign(Aligned(Address));
            SetPage(PageLeft(Address));
            nextStart.Assign((Address + Stride).Resize(bits));
            runBeats.Assign(BeatsOf(Address));
            runsLeft.Assign(Runs);
        }).ElseWhen(next, () =>
        {
            // Within the run the burst is the limit; at its end the run's registers are replaced below.
            runAddress.Assign((runAddress + (limit.ZeroExtend(bits) << 4)).Resize(bits));
            runBeats.Assign(runBeats.SubWrap(limit.ZeroExtend(runBeatBits)));
            SetPage(Mux(pageFirst, Lit(Bursts.PageBeats, 9), toPage.SubWrap(Lit(maxBurst, 9))));
            When(runEnds, () =>
            {
                runAddress.Assign(Aligned(nextStart));
                SetPage(PageLeft(nextStart));
                nextStart.Assign((nextStart + Stride).Resize(bits));
                runBeats.Assign(Mux(runsLeft == 1, Lit(0, runBeatBits), BeatsOf(nextStart)));
                runsLeft.Assign(runsLeft.SubWrap(Lit(1, 16)));
                When(runsLeft == 1, () => active.Assign(false));
            });
        });
        When(Start | Abort, () =>
        {
            candidate.Assign(false);
            offered.Assign(false);
        });
    }

    public int MaxBurst { get; }

    public int QueueDepth { get; }

    /// <summary>Bits of a run's length in beats (the instruction fetch's one run is a whole program).</summary>
    public int RunBeatBits { get; }

    /// <summary>Writes: the bursts need write access in the DMA windows (else read access).</summary>
    public bool IsWrite { get; }

    public override string ModuleName => $"DmaBursts{MaxBurst}x{QueueDepth}{(RunBeatBits == 24 ? "" : $"r{RunBeatBits}")}{(IsWrite ? "w" : "")}";

    /// <summary>Pulse: the instruction's address and runs are valid.</summary>
    public Bool Start { get; }

    public Bool Abort { get; }

    public UInt Address { get; }

    public UInt RunBytes { get; }

    public UInt Runs { get; }

    public UInt Stride { get; }

    /// <summary>A beat left the engine's queue this cycle.</summary>
    public Bool Freed { get; }

    /// <summary>A beat of an asked-for burst arrived this cycle.</summary>
    public Bool Arrived { get; }

    /// <summary>The burst on offer was taken this cycle.</summary>
    public Bool Taken { get; }

    /// <summary>The DMA windows (<see cref="DmaWindowCheck"/>) and whether they are checked at all.</summary>
    public Vec<DmaWindowPages> Windows { get; }

    public Bool WindowsChecked { get; }

    public Bool Valid { get; }

    /// <summary>Pulse: a burst lay outside the DMA windows; it was not offered, and the walk has stopped.</summary>
    public Bool Violation { get; }

    public UInt BurstAddress { get; }

    public UInt BurstBeats { get; }

    /// <summary>Runs remain to be asked for, or a burst is on offer.</summary>
    public Bool Active { get; }

    /// <summary>Checks this walker's bursts against <paramref name="windows"/> (when <paramref name="isChecked"/>).</summary>
    public void CheckAgainst(Vec<DmaWindowPages> windows, Bool isChecked)
    {
        Windows.ConnectFrom(windows);
        WindowsChecked.Assign(isChecked);
    }

    /// <summary>
    /// Wires this walker's reads: its bursts go out on <paramref name="read"/>, their beats into
    /// <paramref name="queue"/>, and each beat that leaves the queue gives its credit back.
    /// </summary>
    public void Feed(AxiReadClient read, StreamQueue<UInt> queue)
    {
        Freed.Assign(queue.Out.Valid & queue.Out.Ready);
        Arrived.Assign(read.DataValid);
        read.Valid.Assign(Valid);
        read.Address.Assign(BurstAddress);
        read.Beats.Assign(BurstBeats);
        Taken.Assign(read.Valid & read.Ready);
        queue.In.Valid.Assign(read.DataValid);
        queue.In.Payload.Assign(read.Data);
    }
}
