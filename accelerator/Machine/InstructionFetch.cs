using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// Reads the program from DDR (PROGRAM, PROGRAM_LENGTH instructions of 32 bytes) in bursts of up to
/// 32 beats while its queue has room, and hands the dispatcher one 256-bit instruction at a time with
/// its index. A program address that is not 32-byte aligned is reported and nothing is fetched.
/// </summary>
public sealed class InstructionFetch : Module
{
    private const int QueueBeats = 32;

    public InstructionFetch(AcceleratorConfig config)
    {
        Domain = config.ClockDomain;
        Start = Input(Bool());
        ProgramAddress = Input(UInt(MachineShape.AddressBits));
        ProgramLength = Input(UInt(32));
        Read = Output(AxiReadClient.Of(MachineShape.AddressBits));
        Valid = Output(Bool());
        Ready = Input(Bool());
        Instruction = Output(UInt(InstructionSet.Bits));
        Index = Output(UInt(32));
        Exhausted = Output(Bool());
        Misaligned = Output(Bool());

        var beats = Instance(new Queue(128, QueueBeats, RamStyle.Distributed, config.ClockDomain), "beats");
        beats.Clear.Assign(Start);
        var address = Reg(UInt(MachineShape.AddressBits), name: "address");
        var left = Reg(UInt(34), reset: 0, name: "left");
        var outstanding = Reg(UInt(7), reset: 0, name: "outstanding");
        var burst = Bursts.Next(address, left, QueueBeats);
        var room = (beats.Count.ZeroExtend(7) + outstanding + burst).Resize(8) <= QueueBeats;
        Read.Valid.Assign((left != 0) & room);
        Read.Address.Assign(address);
        Read.Beats.Assign(burst);
        var asked = Read.Valid & Read.Ready;
        beats.InValid.Assign(Read.DataValid);
        beats.InData.Assign(Read.Data);
        outstanding.Assign((outstanding + Mux(asked, burst, Lit(0, 9))).Resize(7).SubWrap(Mux(Read.DataValid, Lit(1, 7), Lit(0, 7))));
        var aligned = ProgramAddress[4, 0] == 0;
        When(Start, () =>
        {
            address.Assign(ProgramAddress);
            left.Assign(Mux(aligned, (ProgramLength << 1).ZeroExtend(34), Lit(0, 34)));
            outstanding.Assign(0);
        }).ElseWhen(asked, () =>
        {
            address.Assign((address + (burst << 4)).Resize(MachineShape.AddressBits));
            left.Assign(left.SubWrap(burst.ZeroExtend(34)));
        });
        Misaligned.Assign(Start & !aligned);

        // Two beats make an instruction: the first waits in a register for the second.
        var low = Reg(UInt(128), name: "low");
        var half = Reg(Bool(), reset: 0, name: "half");
        var index = Reg(UInt(32), reset: 0, name: "index");
        var delivered = Reg(UInt(32), reset: 0, name: "delivered");
        var hand = beats.OutValid & half & Ready;
        beats.OutReady.Assign(beats.OutValid & (!half | Ready));
        When(beats.OutValid & !half, () =>
        {
            low.Assign(beats.OutData);
            half.Assign(true);
        }).ElseWhen(hand, () =>
        {
            half.Assign(false);
            index.Assign((index + 1).Resize(32));
        });
        When(hand, () => delivered.Assign((delivered + 1).Resize(32)));
        When(Start, () =>
        {
            half.Assign(false);
            index.Assign(0);
            delivered.Assign(0);
        });
        Valid.Assign(beats.OutValid & half);
        Instruction.Assign(Cat(beats.OutData, low));
        Index.Assign(index);
        Exhausted.Assign(delivered == ProgramLength);
        Unused(beats.InReady, "room_is_reserved");
    }

    public override string ModuleName => "InstructionFetch";

    /// <summary>Pulse: fetch from the start of the program.</summary>
    public Bool Start { get; }

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

    /// <summary>Pulse with <see cref="Start"/>: the program address is not 32-byte aligned.</summary>
    public Bool Misaligned { get; }
}
