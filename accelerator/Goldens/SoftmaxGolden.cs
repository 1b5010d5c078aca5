using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Goldens;

/// <summary>
/// The cycle-level golden of <see cref="Vector.SoftmaxUnit"/>: the row maximum, sum and reciprocal
/// registers sampled where the unit samples them, every value computed with
/// <see cref="IntegerSoftmax"/>'s pieces, and the divider stepped bit by bit.
/// </summary>
public sealed class SoftmaxGolden(int lanes)
{
    private const int Stages = Vector.SoftmaxUnit.Latency;

    private sealed class Beat
    {
        public int Pass;
        public bool RowStart;
        public ProbabilityFormat Format;
        public bool[] LaneValid = [];
        public int[] Scores = [];
        public RequantParameters Scale;
        public int[] Exponents = [];
        public sbyte[] Probabilities = [];
    }

    private readonly StallPipeline<Beat> pipeline = new(Stages, new Beat());
    private int max;
    private uint sum;
    private int count;
    private uint divisor;
    private ulong remainder;
    private uint reciprocal;

    public bool OutValid => pipeline.OutValid && pipeline.Out.Pass == 2;

    public IReadOnlyList<sbyte> Probabilities => OutValid ? pipeline.Out.Probabilities : new sbyte[lanes];

    public bool Busy => count != 0;

    public void Tick(bool inValid, ReadOnlySpan<int> scores, ReadOnlySpan<bool> laneValid, int pass, bool rowStart, int multiplier, int shift, bool divide, bool outReady, bool reset, ProbabilityFormat format = ProbabilityFormat.Signed)
    {
        // The divider steps whether or not the pipeline moves; it reads the sum before this edge.
        if (count != 0)
        {
            var trial = (remainder << 1) | (count == Vector.SoftmaxUnit.DivideCycles ? 1UL : 0UL);
            var fits = trial >= divisor;
            remainder = (fits ? trial - divisor : trial) & ((1UL << 33) - 1);
            reciprocal = (reciprocal << 1) | (fits ? 1U : 0U);
            count--;
        }
        else if (divide)
        {
            (count, divisor, remainder, reciprocal) = (Vector.SoftmaxUnit.DivideCycles, sum, 0, 0);
        }
        if (reset)
            count = 0;

        if (outReady)
        {
            var first = pipeline.At(1);
            if (pipeline.ValidAt(1) && first.Pass == 0)
            {
                var beatMax = int.MinValue;
                for (var l = 0; l < lanes; l++)
                {
                    if (first.LaneValid[l])
                        beatMax = Math.Max(beatMax, first.Scores[l]);
                }
                max = first.RowStart || beatMax > max ? beatMax : max;
            }
            var seventh = pipeline.At(7);
            if (pipeline.ValidAt(7) && seventh.Pass == 1)
            {
                var beatSum = (uint)seventh.Exponents.Sum();
                sum = seventh.RowStart ? beatSum : sum + beatSum;
            }
            var fifth = pipeline.At(6);
            // Stage 2 takes the maximum before this edge; stage 7 the reciprocal.
            if (pipeline.ValidAt(1) && first.Pass != 0)
                first.Exponents = [.. Enumerable.Range(0, lanes).Select(l => first.LaneValid[l] ? IntegerSoftmax.Exponent((long)max - first.Scores[l], first.Scale) : 0)];
            if (pipeline.ValidAt(6) && fifth.Pass == 2)
                fifth.Probabilities = [.. fifth.Exponents.Select(e => IntegerSoftmax.Probability(e, reciprocal & 0x1FFFF, fifth.Format))];
            pipeline.Tick(inValid, new Beat
            {
                Pass = pass,
                RowStart = rowStart,
                Format = format,
                LaneValid = laneValid.ToArray(),
                Scores = scores.ToArray(),
                Scale = new RequantParameters(0, multiplier, shift),
                Probabilities = new sbyte[lanes],
            }, outReady, reset);
        }
        else
        {
            pipeline.Tick(inValid, new Beat(), outReady, reset);
        }
    }
}
