using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// Reads the program from DDR (PROGRAM, PROGRAM_LENGTH instructions of 32 bytes) in bursts of up to
/// 32 beats while its queue has room (a <see cref="DmaBursts"/> walker with the queue's credit), and hands the dispatcher one 256-bit instruction at a time with
/// its index. A program address that is not 32-byte aligned is reported and nothing is fetched.
/// </summary>
public sealed class InstructionFetch : Module
{
    private const int QueueBeats = 32;

    public InstructionFetch(AcceleratorConfig config)
    {
        Domain = config.ClockDomain;
        Start = Input(Bool());
        Stop = Input(Bool());
        ProgramAddress = Input(UInt(MachineShape.AddressBits));
        ProgramLength = Input(UInt(32));
        Read = Output(AxiReadClient.Of(MachineShape.AddressBits));
        Valid = Output(Bool());
        Ready = Input(Bool());
        Instruction = Output(UInt(InstructionSet.Bits));
        Index = Output(UInt(32));
        Exhausted = Output(Bool());
        Misaligned = Output(Bool());
        Class = Output(UInt(Dispatcher.ClassBits));

        var beats = Instance(new StreamQueue<UInt>(UInt(128), QueueBeats, RamStyle.Distributed, config.ClockDomain), "beats");
        beats.Clear.Assign(Start);
        // The program is one run of whole instructions, walked as the DMA engines walk theirs.
        var aligned = ProgramAddress[4, 0] == 0;
        var walker = Instance(new DmaBursts(config, QueueBeats, QueueBeats, runBeatBits: 34), "walker");
        walker.Start.Assign(Start);
        walker.Abort.Assign(Start | Stop);
        walker.Address.Assign(ProgramAddress);
        walker.RunBytes.Assign(Mux(aligned, (ProgramLength.ZeroExtend(48) << 5).Resize(48), Lit(0, 48)));
        walker.Runs.Assign(Lit(1, 16));
        walker.Stride.Assign(Lit(0, 32));
        walker.Arrived.Assign(Read.DataValid);
        walker.Freed.Assign(beats.Out.Valid & beats.Out.Ready);
        Read.Valid.Assign(walker.Valid);
        Read.Address.Assign(walker.BurstAddress);
        Read.Beats.Assign(walker.BurstBeats);
        walker.Taken.Assign(Read.Valid & Read.Ready);
        Windows = Input(Hw.Vec(RegisterMap.Windows, DmaWindowPages.Of()));
        WindowsChecked = Input(Bool());
        walker.CheckAgainst(Windows, WindowsChecked);
        WindowViolation = Output(Bool());
        WindowViolation.Assign(walker.Violation);
        beats.In.Valid.Assign(Read.DataValid);
        beats.In.Payload.Assign(Read.Data);
        Misaligned.Assign(Start & !aligned);

        // Two beats make an instruction: the first waits in a register for the second.
        var low = Reg(UInt(128), name: "low");
        if (InstructionSet.OpcodeField.High >= 128)
            throw new InvalidOperationException("the opcode must lie in an instruction's first beat: the fetch classifies it from that beat");
        var instructionClass = Reg(UInt(Dispatcher.ClassBits), name: "class");
        var half = Reg(Bool(), reset: 0, name: "half");
        var index = Reg(UInt(32), reset: 0, name: "index");
        var hand = beats.Out.Valid & half & Ready;
        beats.Out.Ready.Assign(beats.Out.Valid & (!half | Ready));
        When(beats.Out.Valid & !half, () =>
        {
            low.Assign(beats.Out.Payload);
            instructionClass.Assign(Dispatcher.Classify(beats.Out.Payload));
            half.Assign(true);
        }).ElseWhen(hand, () => half.Assign(false));
        // The index counts the instructions handed over; whether that is all of them is known a cycle ahead,
        // so that the dispatcher's end test reads a flip-flop, not a 32-bit compare.
        var exhausted = Reg(Bool(), reset: 0, name: "exhausted");
        When(hand, () =>
        {
            var next = (index + 1).Resize(32);
            index.Assign(next);
            exhausted.Assign(next == ProgramLength);
        });
        When(Start, () =>
        {
            half.Assign(false);
            index.Assign(0);
            exhausted.Assign(ProgramLength == 0);
        });
        Valid.Assign(beats.Out.Valid & half);
        Instruction.Assign(Cat(beats.Out.Payload, low));
        Index.Assign(index);
        Exhausted.Assign(exhausted);
        Class.Assign(instructionClass);
        Unused(Cat(beats.In.Ready, beats.Count, walker.Active), "room_is_reserved");
    }

    public override string ModuleName => "InstructionFetch";

    /// <summary>Pulse: fetch from the start of the program.</summary>
    public Bool Start { get; }

    public Vec<DmaWindowPages> Windows { get; private set; }

    public Bool WindowsChecked { get; private set; }

    /// <summary>Pulse: a burst of the program lay outside the DMA windows and was not fetched.</summary>
    public Bool WindowViolation { get; private set; }

    /// <summary>Pulse: the program stops (an abort or an error): ask for no more bursts.</summary>
    public Bool Stop { get; }

    public UInt ProgramAddress { get; }

    /// <summary>Instructions.</summary>
    public UInt ProgramLength { get; }

    public AxiReadClient Read { get; }

    public Bool Valid { get; }

    public Bool Ready { get; }

    public UInt Instruction { get; }

    /// <summary>The instruction's position in the program.</summary>
    public UInt Index { get; }

    /// <summary>Every instruction of the program has been handed over.</summary>
    public Bool Exhausted { get; }

    /// <summary>The instruction's <see cref="Dispatcher.Classify"/>, registered with its first beat.</summary>
    public UInt Class { get; }

    /// <summary>Pulse with <see cref="Start"/>: the program address is not 32-byte aligned.</summary>
    public Bool Misaligned { get; }
}
