using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Accelerator.Vector;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// The vector engine: a streaming instruction reads a buffer row a cycle (two for a two-operand ADD)
/// and its unit takes VectorLanes values a cycle, so a row costs the larger of its reads and its
/// Tn / VectorLanes beats, and the last row leaves through the unit's pipeline and the collector.
/// SOFTMAX reads each query's scores three times (maximum, sum, probabilities) with the division
/// between the second and third pass, the next query's first two passes under it; GN_FINISH sums a batch of groups, roots them side by side and stores them.
/// </summary>
internal sealed class VectorTiming : IInstructionTiming
{
    /// <summary>Start to the first read: the parameter read and the reader's start.</summary>
    public const int SetupCycles = 2;

    /// <summary>A row's last beat out of its unit to done: the collector, the write and the done pulse.</summary>
    public const int TailCycles = 4;

    /// <summary>
    /// A SOFTMAX row's last sum beat taken to its Divide pulse: the beat's advance to the sum's stage and the
    /// engine's count of the advances after it.
    /// </summary>
    public const int SoftmaxDrainCycles = SoftmaxUnit.SumDrainAdvances - 1;

    /// <summary>A gate the reader waits on (the sum taken, a reciprocal held) opening to the first beat it lets through reaching the unit.</summary>
    public const int SoftmaxGateCycles = 3;

    /// <summary>A Divide pulse to the row's reciprocal held for its probability pass (the division and the hold), when the divider takes the next row.</summary>
    public const int SoftmaxDivideCycles = SoftmaxUnit.DivideCycles + 1;

    /// <summary>
    /// A batch of GroupNorm groups' reciprocal square roots, side by side: the machine's fixed cycles, an
    /// average normalization shift and the turn from the last root to the first store.
    /// </summary>
    public const int RootCycles = ReciprocalSqrtUnit.FinishCycles + 8 + 2;

    /// <summary>A group's sums besides one cycle a channel: the last channel's read, shift and add, and the machine's start.</summary>
    public const int GroupCloseCycles = 3;

    /// <summary>An ADD with Statistics: its last written row through the statistics unit's two stages before done.</summary>
    public const int AddStatisticsCycles = GroupNormStatisticsUnit.Stages;

    /// <summary>Cycles a vector stream takes a source row: GN_STATS takes a whole row a cycle, the other units a beat of VectorLanes values (and an ADD's two operands two reads).</summary>
    public static int CyclesPerRow(VectorStream stream, Configuration.AcceleratorConfig config)
        => stream is GroupNormStatistics ? 1 : Math.Max(Math.Max(1, config.Tn / config.VectorLanes), stream is Add { SingleOperand: false } ? 2 : 1);

    /// <summary>The cycles a vector stream's reads take when its group's read port is its own.</summary>
    public static double ReadCycles(VectorStream stream, Configuration.AcceleratorConfig config)
        => (double)stream.Pixels * stream.Blocks * CyclesPerRow(stream, config);

    /// <summary>
    /// SOFTMAX, pass by pass in the reader's order (row k's maximum and sum, then row k - 1's probabilities), a beat
    /// a cycle: a row's sum pass waits until the unit has taken the sum before it to divide, its probability pass
    /// for its reciprocal, and the one divider takes the rows' sums one after another.
    /// </summary>
    private static double SoftmaxEnd(Softmax softmax, double start, int beats)
    {
        var unit = start + SetupCycles;
        // The last row's Divide pulse, and the cycle its reciprocal is held and the divider free for the next.
        double pulse = double.MinValue, divided = double.MinValue;
        for (var k = 0; k <= softmax.Rows; k++)
        {
            var heldBefore = divided;
            if (k < softmax.Rows)
            {
                unit += beats;
                unit = Math.Max(unit, pulse + SoftmaxGateCycles) + beats;
                pulse = Math.Max(unit + SoftmaxDrainCycles, divided);
                divided = pulse + SoftmaxDivideCycles;
            }
            if (k > 0)
                unit = Math.Max(unit, heldBefore + SoftmaxGateCycles) + beats;
        }
        return unit + SoftmaxUnit.Latency + TailCycles;
    }

    public bool Times(Instruction instruction) => instruction is VectorStream or Softmax or GroupNormFinish;

    public double Run(Instruction instruction, double start, MachineTimingState state)
    {
        int tm = state.Config.Tm, lanes = state.Config.VectorLanes;
        switch (instruction)
        {
            case GroupNormFinish finish:
                var groups = (finish.Channels - finish.FirstChannel) / Math.Max(1, finish.ChannelsPerGroup);
                var batches = (groups + GroupNormFinishWalk.RootUnits - 1) / GroupNormFinishWalk.RootUnits;
                return start + 1 + (groups * ((2.0 * finish.ChannelsPerGroup) + GroupCloseCycles)) + (batches * RootCycles);
            case Softmax softmax:
                return SoftmaxEnd(softmax, start, softmax.RowLength / tm * Math.Max(1, tm / lanes));
            case VectorStream stream:
                var reads = stream is Add { SingleOperand: false } ? 2 : 1;
                var perRow = CyclesPerRow(stream, state.Config);
                var first = start + SetupCycles;
                // The reader yields the group's read port to stores and weight gathers; CONVs yield to it.
                var streamed = state.ReadPorts.Finish(1 << stream.Group, Engine.Vector, first, ReadCycles(stream, state.Config), (double)reads / perRow);
                state.ReadPorts.Occupy(1 << stream.Group, Engine.Vector, first, streamed, (double)reads / perRow);
                var latency = stream switch
                {
                    Activate => ActivationTableUnit.Latency,
                    Add { ApplyTable: true } => ScaleAddUnit.Latency + ActivationTableUnit.Latency,
                    Add => ScaleAddUnit.Latency,
                    GroupNormApply { ApplyTable: true } => GroupNormApplyUnit.Latency + ActivationTableUnit.Latency,
                    GroupNormApply => GroupNormApplyUnit.Latency,
                    _ => 0,
                };
                return streamed + latency + TailCycles + (stream is Add { Statistics: true } ? AddStatisticsCycles : 0);
            default:
                throw new ArgumentException($"{instruction} is not a vector instruction", nameof(instruction));
        }
    }
}
