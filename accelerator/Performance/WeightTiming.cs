using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// LOAD_WEIGHTS on the weights port: up to 512 beats are asked for before the fill bank is free, then a
/// beat a cycle goes into the bank. MOVE_WEIGHTS: each chunk of a row is prepared, read and written
/// (three cycles), only into a free bank.
/// </summary>
internal sealed class WeightTiming : IInstructionTiming
{
    public const int SetupCycles = 6;

    public const int TailCycles = 2;

    /// <summary>Cycles per gathered chunk: the address, the granted read, the write.</summary>
    public const int MoveChunkCycles = 3;

    public bool Times(Instruction instruction) => instruction is LoadWeights or MoveWeights;

    public double Run(Instruction instruction, double start, MachineTimingState state)
    {
        int tm = state.Config.Tm, tn = state.Config.Tn;
        if (instruction is MoveWeights move)
        {
            var chunks = (long)move.OutBlocks * move.InBlocks * (move.Transpose ? tn : tm);
            var first = Math.Max(start + SetupCycles, state.BankFree);
            var last = first + (chunks * MoveChunkCycles);
            state.ReadPorts.Occupy(1 << move.Group, Engine.Weight, first, last, 1.0 / MoveChunkCycles);
            return last + TailCycles;
        }
        var load = (LoadWeights)instruction;
        var bursts = DmaRuns.Bursts(state.Address(load), (long)load.Rows * tm * tn, 1, 0);
        if (state.BankFree <= start + SetupCycles)
            return state.Weights.Read(start + SetupCycles, bursts, 1.0, WeightEngine.BeatQueueDepth) + TailCycles;
        // The queue fills while the bank is busy; from the bank's release the queue drains a beat a cycle
        // while the rest streams in behind it.
        var early = new List<int>();
        var queued = 0;
        var index = 0;
        while (index < bursts.Count && queued + bursts[index] <= WeightEngine.BeatQueueDepth)
        {
            queued += bursts[index];
            early.Add(bursts[index++]);
        }
        var arrived = state.Weights.Read(start + SetupCycles, early, 1.0, WeightEngine.BeatQueueDepth);
        var drained = Math.Max(arrived, state.BankFree + queued);
        var rest = bursts.Skip(index).ToList();
        var end = rest.Count == 0 ? drained : Math.Max(drained, state.Weights.Read(state.BankFree, rest, 1.0, WeightEngine.BeatQueueDepth - queued));
        return end + TailCycles;
    }
}
