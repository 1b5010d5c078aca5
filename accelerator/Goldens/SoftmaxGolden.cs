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
        public bool RowOdd;
        public ProbabilityFormat Format;
        public bool[] LaneValid = [];
        public int[] Scores = [];
        public RequantParameters Scale;
        public int[] Exponents = [];
        public sbyte[] Probabilities = [];
    }

    private readonly StallPipeline<Beat> pipeline = new(Stages, new Beat());
    private readonly int[] maxima = new int[2];
    private readonly uint[] held = new uint[2];
    private uint sum;
    private int count;
    private uint divisor;
    private ulong remainder;
    private uint reciprocal;
    private bool dividingOdd;

    public bool OutValid => pipeline.OutValid && pipeline.Out.Pass == 2;

    public IReadOnlyList<sbyte> Probabilities => OutValid ? pipeline.Out.Probabilities : new sbyte[lanes];

    public bool Busy => count != 0;

    /// <summary>The reciprocal of the row divided last is held (a pulse, the cycle after the division's last step).</summary>
    public bool Divided { get; private set; }

    public void Tick(bool inValid, ReadOnlySpan<int> scores, ReadOnlySpan<bool> laneValid, int pass, bool rowStart, int multiplier, int shift, bool divide, bool outReady, bool reset, ProbabilityFormat format = ProbabilityFormat.Signed, bool rowOdd = false, bool divideOdd = false)
    {
        // The divider steps whether or not the pipeline moves; it reads the sum before this edge.
        var finishing = count == 1;
        if (count != 0)
        {
            var trial = (remainder << 1) | (count == Vector.SoftmaxUnit.DivideCycles ? 1UL : 0UL);
            var fits = trial >= divisor;
            remainder = (fits ? trial - divisor : trial) & ((1UL << 33) - 1);
            reciprocal = (reciprocal << 1) | (fits ? 1U : 0U);
            count--;
            if (finishing)
                held[dividingOdd ? 1 : 0] = reciprocal & 0x1FFFF;
        }
        else if (divide)
        {
            (count, divisor, remainder, reciprocal, dividingOdd) = (Vector.SoftmaxUnit.DivideCycles, sum, 0, 0, divideOdd);
        }
        Divided = finishing && !reset;
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
                var row = first.RowOdd ? 1 : 0;
                maxima[row] = first.RowStart || beatMax > maxima[row] ? beatMax : maxima[row];
            }
            var seventh = pipeline.At(7);
            if (pipeline.ValidAt(7) && seventh.Pass == 1)
            {
                var beatSum = (uint)seventh.Exponents.Sum();
                sum = seventh.RowStart ? beatSum : sum + beatSum;
            }
            var fifth = pipeline.At(6);
            // Stage 2 takes its row's maximum before this edge; stage 7 its row's reciprocal.
            if (pipeline.ValidAt(1) && first.Pass != 0)
            {
                var rowMax = maxima[first.RowOdd ? 1 : 0];
                first.Exponents = [.. Enumerable.Range(0, lanes).Select(l => first.LaneValid[l] ? IntegerSoftmax.Exponent((long)rowMax - first.Scores[l], first.Scale) : 0)];
            }
            if (pipeline.ValidAt(6) && fifth.Pass == 2)
                fifth.Probabilities = [.. fifth.Exponents.Select(e => IntegerSoftmax.Probability(e, held[fifth.RowOdd ? 1 : 0], fifth.Format))];
            pipeline.Tick(inValid, new Beat
            {
                Pass = pass,
                RowStart = rowStart,
                RowOdd = rowOdd,
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
