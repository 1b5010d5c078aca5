using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// STORE on the data port's write side: the reader takes a buffer row a cycle and packs beats, the
/// write side sends a beat when the DDR is ready, and the store is done with its last write response.
/// </summary>
internal sealed class StoreTiming : IInstructionTiming
{
    /// <summary>Start to the first beat: the address, the first burst's address handshake and the first row read.</summary>
    public const int SetupCycles = 8;

    public bool Times(Instruction instruction) => instruction is Store;

    public double Run(Instruction instruction, double start, MachineTimingState state)
    {
        var store = (Store)instruction;
        var tn = state.Config.Tn;
        var bursts = DmaRuns.Bursts(store, state.Address(store), tn);
        var first = start + SetupCycles;
        var done = state.DataWrite.Write(first, bursts, Math.Min(1.0, tn / (double)MachineShape.BeatBytes));
        // The reader takes the group's read port for each row it packs, ahead of every other reader.
        var last = done - DdrPort.WriteResponseCycles;
        state.ReadPorts.Occupy(1 << store.Group, Engine.Store, first, last, (double)store.Rows * store.Chunks / Math.Max(1, last - first));
        return done;
    }
}
