using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// LOAD and LOAD_TABLE on the data port's read side: the address two cycles after Start, bursts while
/// the 256-beat queue has room, and a consumer that writes one buffer row a cycle (Tn/16 beats a
/// cycle when a beat holds several rows), one table entry a beat, or one activation-table byte a cycle.
/// </summary>
internal sealed class LoadTiming : IInstructionTiming
{
    /// <summary>Start to the first burst request: the address (two stages), the burst walker and its offer register.</summary>
    public const int SetupCycles = 6;

    /// <summary>The last beat's arrival to done: the queue's read and the write.</summary>
    public const int TailCycles = 3;

    public bool Times(Instruction instruction) => instruction is Load or LoadTable;

    public double Run(Instruction instruction, double start, MachineTimingState state)
    {
        var tn = state.Config.Tn;
        var dma = (DmaInstruction)instruction;
        var address = state.Address(dma);
        var (bursts, rate) = instruction switch
        {
            Load load => (DmaRuns.Bursts(load, address, tn), Math.Min(1.0, tn / (double)MachineShape.BeatBytes)),
            LoadTable { Kind: TableKind.Activation } table => (DmaRuns.Bursts(address, table.Count * 256L, 1, 0), 1.0 / MachineShape.BeatBytes),
            LoadTable table => (DmaRuns.Bursts(address, (long)table.Count * DataWord.Bytes, 1, 0), 1.0),
            _ => throw new ArgumentException($"{instruction} is not a load", nameof(instruction)),
        };
        return state.DataRead.Read(start + SetupCycles, bursts, rate, LoadEngine.BeatQueueDepth) + TailCycles;
    }
}
