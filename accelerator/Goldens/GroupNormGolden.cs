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

    private readonly StallPipeline<Beat> pipeline = new(Stages, new Beat());
    private long sum;
    private long squares;
    private int busyCycles;
    private (long Root, int HalfShift) pending;
    private (long Root, int HalfShift) result;

    public bool OutValid => pipeline.OutValid && pipeline.Out.Pass;

    public IReadOnlyList<sbyte> Y => OutValid ? pipeline.Out.Y : new sbyte[lanes];

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
            var first = pipeline.At(0);
            var second = pipeline.At(1);
            if (pipeline.ValidAt(1) && second.Pass)
                second.Y = [.. second.Centered.Select(c => second.Channel.Apply(IntegerGroupNorm.Normalize(c, reciprocal)))];
            if (pipeline.ValidAt(0))
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
            pipeline.Tick(inValid, new Beat
            {
                Pass = pass,
                GroupStart = groupStart,
                LaneValid = laneValid.ToArray(),
                X = x.ToArray(),
                Count = count,
                Channel = channel,
                Y = new sbyte[lanes],
            }, outReady, reset);
        }
        else
        {
            pipeline.Tick(inValid, new Beat(), outReady, reset);
        }
    }
}
