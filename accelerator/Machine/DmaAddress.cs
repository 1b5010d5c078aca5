using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The DDR address of a DMA instruction, <c>BASE[Base] + Offset + (STEP or STEP_GROUP) x StepStride</c>,
/// two cycles after the instruction appears (the product, then the sum): every DMA instruction keeps these
/// fields at the same bits (<see cref="DmaInstruction"/>), so one circuit serves them all.
/// </summary>
public sealed class DmaAddress : Module
{
    public DmaAddress(AcceleratorConfig config)
    {
        Domain = config.ClockDomain;
        var bits = MachineShape.AddressBits;
        Instruction = Input(UInt(InstructionSet.Bits));
        Bases = Input(Vec(4, UInt(bits)));
        Step = Input(UInt(16));
        StepGroup = Input(UInt(AcceleratorConfig.StepGroupBits));
        Address = Output(UInt(bits));

        var fields = new WordFields<Load>(Instruction);
        var mode = fields[f => f.StepMode];
        var index = Mux(mode == (int)StepMode.Step, Step, Mux(mode == (int)StepMode.StepGroup, StepGroup, Lit(0, 16)));
        var product = RegNext((index * fields[f => f.StepStride]).Resize(bits), name: "step_offset");
        var baseSelect = fields[f => f.Base];
        var chosen = Mux(baseSelect == 3, Bases[3], Mux(baseSelect == 2, Bases[2], Mux(baseSelect == 1, Bases[1], Bases[0])));
        var start = RegNext((chosen + fields[f => f.Offset]).Resize(bits), name: "start_address");
        var sum = RegNext((start + product).Resize(bits), name: "sum");
        Address.Assign(sum);
        Unused(Instruction, "other_fields");
    }

    public override string ModuleName => "DmaAddress";

    public UInt Instruction { get; }

    public Vec<UInt> Bases { get; }

    public UInt Step { get; }

    public UInt StepGroup { get; }

    public UInt Address { get; }
}

/// <summary>Fixed widths of the machine's interfaces.</summary>
public static class MachineShape
{
    /// <summary>Bits of DDR addresses on the AXI ports (1 TB; Zynq UltraScale+ HP ports take 49).</summary>
    public const int AddressBits = 40;

    /// <summary>Bytes of one AXI data beat (128-bit ports).</summary>
    public const int BeatBytes = 16;

    public static Hdl.Library.Axi4Shape Data { get; } = new(AddressBits, 8 * BeatBytes);

    public static Hdl.Library.Axi4Shape Weights { get; } = new(AddressBits, 8 * BeatBytes, Write: false);
}

/// <summary>How DMA engines cut a run of beats into AXI bursts.</summary>
public static class Bursts
{
    /// <summary>Beats of a 4 KB page: a burst that stays within its page is legal.</summary>
    public const int PageBeats = 4096 / MachineShape.BeatBytes;
}
