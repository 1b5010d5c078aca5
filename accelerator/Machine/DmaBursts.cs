using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The DDR side of a DMA instruction: walks its runs (<see cref="Runs"/> runs of <see cref="RunBytes"/>
/// bytes, <see cref="Stride"/> bytes apart, from <see cref="Address"/>) and cuts each into AXI bursts of
/// whole 16-byte beats — at most <c>maxBurst</c> beats, never across a 4 KB page. With a queue depth, a
/// burst is asked for only while the engine's queue can hold it beside the beats still on their way,
/// so read data is never refused; without one (writes), every burst may go at once.
/// </summary>
public sealed class DmaBursts : Module
{
    public DmaBursts(Configuration.AcceleratorConfig config, int maxBurst, int queueDepth)
    {
        Domain = config.ClockDomain;
        MaxBurst = maxBurst;
        QueueDepth = queueDepth;
        var bits = MachineShape.AddressBits;
        Start = Input(Bool());
        Abort = Input(Bool());
        Address = Input(UInt(bits));
        RunBytes = Input(UInt(48));
        Runs = Input(UInt(16));
        Stride = Input(UInt(32));
        Held = Input(UInt(Hw.BitsFor(Math.Max(queueDepth, 1) + 1)));
        Arrived = Input(Bool());
        Taken = Input(Bool());
        Valid = Output(Bool());
        BurstAddress = Output(UInt(bits));
        BurstBeats = Output(UInt(9));
        Active = Output(Bool());

        var active = Reg(Bool(), reset: 0, name: "active");
        var runAddress = Reg(UInt(bits), name: "run_address");
        var runStart = Reg(UInt(bits), name: "run_start");
        var runBeats = Reg(UInt(24), name: "run_beats");
        var runsLeft = Reg(UInt(16), name: "runs_left");
        UInt BeatsOf(UInt start) => ((start[3, 0].ZeroExtend(48) + RunBytes + 15) >> 4).Resize(24);
        UInt Aligned(UInt address) => Cat(address[bits - 1, 4], Lit(0, 4));
        var burst = Bursts.Next(runAddress, runBeats, maxBurst);
        var fits = Hw.True;
        if (queueDepth > 0)
        {
            // Beats asked for and not yet arrived, beside those the queue holds.
            var outstanding = Reg(UInt(Hw.BitsFor(queueDepth + 1)), reset: 0, name: "outstanding");
            fits = (Held.ZeroExtend(outstanding.Width) + outstanding + burst).Resize(outstanding.Width + 2) <= queueDepth;
            outstanding.Assign((outstanding + Mux(Taken, burst, Lit(0, 9))).Resize(outstanding.Width).SubWrap(Mux(Arrived, Lit(1, outstanding.Width), Lit(0, outstanding.Width))));
        }
        else
        {
            Unused(Cat(Held, Arrived), "no_credits");
        }
        Valid.Assign(active & (runBeats != 0) & fits);
        BurstAddress.Assign(runAddress);
        BurstBeats.Assign(burst);
        Active.Assign(active);
        When(Start, () =>
        {
            active.Assign(true);
            runAddress.Assign(Aligned(Address));
            runStart.Assign(Address);
            runBeats.Assign(BeatsOf(Address));
            runsLeft.Assign(Runs);
        }).ElseWhen(Taken, () =>
        {
            runAddress.Assign((runAddress + (burst << 4)).Resize(bits));
            runBeats.Assign(runBeats.SubWrap(burst.ZeroExtend(24)));
            When(runBeats == burst.ZeroExtend(24), () =>
            {
                var next = (runStart + Stride).Resize(bits);
                runStart.Assign(next);
                runAddress.Assign(Aligned(next));
                runBeats.Assign(Mux(runsLeft == 1, Lit(0, 24), BeatsOf(next)));
                runsLeft.Assign(runsLeft.SubWrap(Lit(1, 16)));
                When(runsLeft == 1, () => active.Assign(false));
            });
        });
        When(Abort, () => active.Assign(false));
    }

    public int MaxBurst { get; }

    public int QueueDepth { get; }

    public override string ModuleName => $"DmaBursts{MaxBurst}x{QueueDepth}";

    /// <summary>Pulse: the instruction's address and runs are valid.</summary>
    public Bool Start { get; }

    public Bool Abort { get; }

    public UInt Address { get; }

    public UInt RunBytes { get; }

    public UInt Runs { get; }

    public UInt Stride { get; }

    /// <summary>Beats the engine's queue holds now.</summary>
    public UInt Held { get; }

    /// <summary>A beat of an asked-for burst arrived this cycle.</summary>
    public Bool Arrived { get; }

    /// <summary>The burst on offer was taken this cycle.</summary>
    public Bool Taken { get; }

    public Bool Valid { get; }

    public UInt BurstAddress { get; }

    public UInt BurstBeats { get; }

    /// <summary>Runs remain to be asked for.</summary>
    public Bool Active { get; }
}
