using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Machine;

namespace DiffAcc.Accelerator.Performance;

/// <summary>What the engine timings share while the cycle model runs a program: the configuration, the DDR ports (all behind one DDR controller) and the step's registers.</summary>
internal sealed class MachineTimingState(AcceleratorConfig config, DdrTiming ddr, MachineRegisters registers, DdrController controller)
{
    private int? peLatency;

    public AcceleratorConfig Config { get; } = config;

    public DdrTiming Ddr { get; } = ddr;

    public MachineRegisters Registers { get; } = registers;

    /// <summary>Cycles from a term entering a PE group to its sum (the generator's pipeline, built once).</summary>
    public int PeLatency => peLatency ??= new Datapath.PeGroup(Config).Latency;

    /// <summary>The data port's read side: LOAD, LOAD_TABLE and the instruction fetch.</summary>
    public DdrPort DataRead { get; } = new(ddr, Math.Min(ddr.Outstanding, AxiReadPort.Outstanding - 1), controller);

    /// <summary>The data port's write side: STORE.</summary>
    public DdrPort DataWrite { get; } = new(ddr, ddr.Outstanding, controller);

    /// <summary>The weights ports, in step: LOAD_WEIGHTS alone, each port its share of every row.</summary>
    public DdrPort Weights { get; } = new(ddr, Math.Min(ddr.Outstanding, AxiReadPort.Outstanding - 1), controller, config.WeightPorts);

    /// <summary>The step group stamped on the instruction being timed (SET_STEP changes it within a program).</summary>
    public int StepGroup { get; set; } = registers.StepGroup;

    /// <summary>The DDR address of a DMA instruction with the stamped step group.</summary>
    public long Address(Isa.DmaInstruction instruction) => instruction.Address(Registers, StepGroup);

    /// <summary>The activation buffers' read ports, shared by priority.</summary>
    public BufferReadPorts ReadPorts { get; } = new();

    /// <summary>The cycle the weight bank an instruction fills is free (set by the scheduler before it runs a weight instruction).</summary>
    public double BankFree { get; set; }

    /// <summary>The cycle the weight bank a CONV reads is complete (set by the scheduler before it runs a CONV).</summary>
    public double BankComplete { get; set; }
}

/// <summary>The time one engine takes for the instructions it executes.</summary>
internal interface IInstructionTiming
{
    bool Times(Isa.Instruction instruction);

    /// <summary>The cycle the engine reports the instruction done, given the cycle its Start pulse comes.</summary>
    double Run(Isa.Instruction instruction, double start, MachineTimingState state);
}
