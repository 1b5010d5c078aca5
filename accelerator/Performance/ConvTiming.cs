using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// CONV: two setup cycles, a wait for a complete weight bank, then one term a cycle (output block x
/// row x column x tap x input block) through the walker's three address stages, and the drain of the
/// last pixel through the PE group, the accumulator bank and the requantizer.
/// </summary>
internal sealed class ConvTiming : IInstructionTiming
{
    public static long Terms(Conv conv) => (long)conv.CoutBlocks * conv.OutRows * conv.OutCols * (conv.Kernel3x3 ? 9 : 1) * conv.CinBlocks;

    public bool Times(Instruction instruction) => instruction is Conv;

    public double Run(Instruction instruction, double start, MachineTimingState state)
    {
        var conv = (Conv)instruction;
        var walk = Math.Max(start + ConvWalker.SetupCycles, state.BankComplete + 1);
        // A term waits while a store, weight gather or vector instruction holds one of its groups' read ports.
        var walked = state.ReadPorts.Finish(conv.GroupMask, Engine.Compute, walk, Terms(conv), 1);
        return walked + ConvWalker.AddressStages + ComputeEngine.DrainCycles(state.PeLatency) - 1;
    }
}
