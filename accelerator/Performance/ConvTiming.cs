using DiffAcc.Accelerator.Datapath;
using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// CONV: two setup cycles, a wait for a complete weight bank, then one term a cycle (output block x
/// row x column x tap x input block) through the walker's three address stages, and the drain of the
/// last pixel through the PE group, the accumulator bank and the requantizer.
/// </summary>
internal sealed class ConvTiming : IInstructionTiming
{
    /// <summary>Start to the first term entering the walker: the setup counter and the weight check.</summary>
    public const int SetupCycles = 3;

    /// <summary>The walker's address stages: the last term issues this long after it was counted.</summary>
    public const int AddressStages = 3;

    public static long Terms(Conv conv) => (long)conv.CoutBlocks * conv.OutRows * conv.OutCols * (conv.Kernel3x3 ? 9 : 1) * conv.CinBlocks;

    public bool Times(Instruction instruction) => instruction is Conv;

    public double Run(Instruction instruction, double start, MachineTimingState state)
    {
        var conv = (Conv)instruction;
        var walk = Math.Max(start + SetupCycles, state.BankComplete + 1);
        var drain = state.PeLatency + Requantizer.Latency + 4;
        // A term waits while a store, weight gather or vector instruction holds one of its groups' read ports.
        var walked = state.ReadPorts.Finish(conv.GroupMask, BufferReadPorts.Reader.Compute, walk, Terms(conv), 1);
        return walked + AddressStages + drain - 1;
    }
}
