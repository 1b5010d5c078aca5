using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Goldens;

/// <summary>
/// The cycle-level golden of <see cref="Vector.GroupNormUnit"/>: the sums sampled from stage 0, the
/// reciprocal square root of <see cref="IntegerGroupNorm.ReciprocalSqrt"/> appearing when the unit's
/// sequential machine would finish, and every output computed with <see cref="IntegerGroupNorm"/>.
/// </summary>
public sealed class GroupNormGolden(int lanes)
{
    private const int Stages = Vector.GroupNormUnit.Latency;

    private sealed class Beat
    {
        public bool Pass;
        public bool GroupStart;
        public bool[] LaneValid = [];
        public sbyte[] X = [];
        public long Count;
        public GroupNormChannel Channel;
        public long[] Centered = [];
        public sbyte[] Y = [];
    }

    private readonly Beat[] stages = [.. Enumerable.Range(0, Stages).Select(_ => new Beat())];
    private readonly bool[] valid = new bool[Stages];
    private long sum;
    private long squares;
    private int busyCycles;
    private (long Root, int HalfShift) pending;
    private (long Root, int HalfShift) result;

    public bool OutValid => valid[^1] && stages[^1].Pass;

    public IReadOnlyList<sbyte> Y => OutValid ? stages[^1].Y : new sbyte[lanes];

    public bool Busy => busyCycles > 0;

    public void Tick(bool inValid, ReadOnlySpan<sbyte> x, ReadOnlySpan<bool> laneValid, bool pass, bool groupStart, long count, long epsilonTerm, bool finish, GroupNormChannel channel, bool outReady, bool reset)
    {
        // Stage 2 samples the reciprocal as it is before this edge.
        var reciprocal = result;
        if (busyCycles > 0)
        {
            if (--busyCycles == 0)
                result = pending;
        }
        else if (finish)
        {
            pending = IntegerGroupNorm.ReciprocalSqrt(new GroupStatistics(count, sum, squares), epsilonTerm);
            busyCycles = Vector.GroupNormUnit.FinishCycles + pending.HalfShift;
        }
        if (reset)
            busyCycles = 0;

        if (outReady)
        {
            var first = stages[0];
            var second = stages[1];
            if (valid[1] && second.Pass)
                second.Y = [.. second.Centered.Select(c => second.Channel.Apply(IntegerGroupNorm.Normalize(c, reciprocal)))];
            if (valid[0])
            {
                if (!first.Pass)
                {
                    long beatSum = 0, beatSquares = 0;
                    for (var l = 0; l < lanes; l++)
                    {
                        if (first.LaneValid[l])
                        {
                            beatSum += first.X[l];
                            beatSquares += first.X[l] * first.X[l];
                        }
                    }
                    (sum, squares) = first.GroupStart ? (beatSum, beatSquares) : (sum + beatSum, squares + beatSquares);
                }
                else
                {
                    // Stage 1 takes the sum before this edge.
                    var statistics = new GroupStatistics(first.Count, sum, 0);
                    first.Centered = [.. first.X.Select(v => IntegerGroupNorm.Centered(v, statistics))];
                }
            }
            Array.Copy(stages, 0, stages, 1, Stages - 1);
            stages[0] = new Beat
            {
                Pass = pass,
                GroupStart = groupStart,
                LaneValid = laneValid.ToArray(),
                X = x.ToArray(),
                Count = count,
                Channel = channel,
                Y = new sbyte[lanes],
            };
        }
        if (reset)
        {
            Array.Clear(valid);
        }
        else if (outReady)
        {
            Array.Copy(valid, 0, valid, 1, Stages - 1);
            valid[0] = inValid;
        }
    }
}
