using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// LOAD_WEIGHTS on the weights ports: up to 512 beats a port are asked for before the fill bank is free,
/// then a beat of every port a cycle goes into the bank. MOVE_WEIGHTS: each chunk of a row is prepared, read and written
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
        // The ports move in step, each one run of its share of every row (WeightPortShares): one is timed.
        var share = (long)tm * tn / state.Config.WeightPorts;
        var bursts = DmaRuns.Bursts(state.Address(load), share * load.Rows, 1, 0);
        return Stream(state.Weights, bursts) + TailCycles;

        // A row is written once every port's share of it is in, a beat of each a cycle.
        double Stream(DdrPort port, List<int> bursts)
        {
            if (state.BankFree <= start + SetupCycles)
                return port.Read(start + SetupCycles, bursts, 1.0, WeightEngine.BeatQueueDepth);
            // The queue fills while the bank is busy; from the bank's release the queue drains a beat a cycle
            // and each beat taken makes room for the rest, which the bank takes once the queued beats are in.
            var early = new List<int>();
            var queued = 0;
            var index = 0;
            while (index < bursts.Count && queued + bursts[index] <= WeightEngine.BeatQueueDepth)
            {
                queued += bursts[index];
                early.Add(bursts[index++]);
            }
            var arrived = port.Read(start + SetupCycles, early, 1.0, WeightEngine.BeatQueueDepth);
            var drained = Math.Max(arrived, state.BankFree + queued);
            var rest = bursts.Skip(index).ToList();
            return rest.Count == 0 ? drained : port.Read(state.BankFree, rest, 1.0, WeightEngine.BeatQueueDepth, drained);
        }
    }
}
