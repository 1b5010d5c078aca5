using DiffAcc.Accelerator.Datapath;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// GroupNorm on int8 activations, <see cref="Lanes"/> values per cycle, in the integer algorithm of
/// <see cref="IntegerGroupNorm"/> (docs/numerics.md, "GroupNorm"). Two passes over each group:
/// <list type="number">
/// <item><c>Pass = 0</c>: Σx and Σx² of the group (the beat with <c>GroupStart</c> restarts them);</item>
/// <item>when those beats have left stage 0, a <c>Finish</c> pulse (with the group's <c>Count</c> and
/// <c>EpsilonTerm</c>) computes the reciprocal square root sequentially — the scaled variance, the
/// even normalization shift, <c>floor(2^62 / V')</c> by restoring division and the integer square
/// root digit by digit — in <c>97 + HalfShift</c> cycles while <c>Busy</c> is high;</item>
/// <item><c>Pass = 1</c>: the normalized int8 outputs, with the channel's <c>Gain</c>, <c>Offset</c> and
/// <c>Shift</c> on each beat (a beat holds values of one channel), the only beats that leave with <c>OutValid</c>.</item>
/// </list>
/// Groups of up to 2^20 values. Latency <see cref="Latency"/> cycles of advance.
/// </summary>
public sealed class GroupNormUnit : StreamPipeline
{
    public const int Latency = 6;

    public const int CountBits = 21;

    /// <summary>Busy cycles after <c>Finish</c> besides the normalization shifts: variance 1, normalization check 1, division 63, root 32.</summary>
    public const int FinishCycles = 97;

    private const int DivideSteps = 63;

    private const int RootSteps = 32;

    public GroupNormUnit(int lanes, ClockDomain? domain = null)
    {
        Domain = domain ?? Domain;
        if (lanes < 1)
            throw new ArgumentOutOfRangeException(nameof(lanes), lanes, "at least one lane");
        Lanes = lanes;
        InValid = Input(Bool());
        OutReady = Input(Bool());
        X = Input(Vec(lanes, SInt(8)));
        LaneValid = Input(Vec(lanes, Bool()));
        Pass = Input(Bool());
        GroupStart = Input(Bool());
        Count = Input(UInt(CountBits));
        EpsilonTerm = Input(UInt(63));
        Finish = Input(Bool());
        Gain = Input(SInt(GroupNormChannel.GainBits));
        Offset = Input(SInt(42));
        Shift = Input(UInt(6));
        InReady = Output(Bool());
        OutValid = Output(Bool());
        Y = Output(Vec(lanes, SInt(8)));
        Busy = Output(Bool());

        InReady.Assign(StartPipeline(OutReady));
        var valid = ValidChain(InValid, Latency);
        var pass = StageChain(Pass, Latency, "pass");
        var groupStart = Stage(GroupStart, "group_start_0");
        var x = Enumerable.Range(0, lanes).Select(l => Stage(X[l], $"x_{l}")).ToArray();
        var laneValid = Enumerable.Range(0, lanes).Select(l => Stage(LaneValid[l], $"lane_valid_{l}")).ToArray();
        var count = Stage(Count, "count_0");
        // The channel's gain and offset meet z in stage 4, its shift the sum in stage 5.
        var gain = StageChain(Gain, 4, "gain")[^1];
        var offset = StageChain(Offset, 4, "offset")[^1];
        var shift = StageChain(Shift, 5, "shift")[^1];

        // Pass 0: the group's sums from the beat in stage 0.
        var sum = Reg(SInt(CountBits + 7), name: "sum");
        var squares = Reg(UInt(CountBits + 14), name: "squares");
        var beatSum = FixedPointLogic.Sum([.. Enumerable.Range(0, lanes).Select(l => Mux(laneValid[l], x[l], Hw.SLit(0, 8)))]);
        var beatSquares = FixedPointLogic.Sum([.. Enumerable.Range(0, lanes).Select(l => Mux(laneValid[l], (x[l] * x[l]).AsUInt().Truncate(15), Hw.Lit(0, 15)))]);
        When(Advance & valid[0] & !pass[0], () =>
        {
            sum.Assign(Mux(groupStart, beatSum.SignExtend(sum.Width), sum.AddWrap(beatSum.SignExtend(sum.Width))));
            squares.Assign(Mux(groupStart, beatSquares.ZeroExtend(squares.Width), squares.AddWrap(beatSquares.ZeroExtend(squares.Width))));
        });

        // Finish: the reciprocal square root as a small sequential machine.
        const int idle = 0, variance = 1, normalize = 2, divide = 3, root = 4;
        var state = Reg(UInt(3), reset: idle, name: "state");
        var scaledCount = Reg(UInt(CountBits + squares.Width), name: "count_times_squares");
        var sumSquared = Reg(SInt(2 * sum.Width), name: "sum_squared");
        var epsilon = Reg(UInt(63), name: "epsilon");
        var v = Reg(UInt(75), name: "v");
        var halfShift = Reg(UInt(5), name: "half_shift");
        var steps = Reg(UInt(6), name: "steps");
        var remainder = Reg(UInt(31), name: "remainder");
        var quotient = Reg(UInt(63), name: "quotient");
        var rootValue = Reg(UInt(63), name: "root_value");
        var bit = Reg(UInt(63), name: "bit");
        var resultRoot = Reg(UInt(32), name: "result_root");
        var resultHalfShift = Reg(UInt(5), name: "result_half_shift");

        var difference = (scaledCount.ToSInt() - sumSquared).AsUInt();
        var trial = Cat(remainder, (steps == DivideSteps).Select(Hw.Lit(1, 1), Hw.Lit(0, 1)));
        var fits = trial >= v.Truncate(30);
        var candidate = rootValue + bit;
        var takes = quotient >= candidate;
        When(state == idle, () =>
        {
            When(Finish, () =>
            {
                state.Assign(Hw.Lit(variance, 3));
                scaledCount.Assign(Count * squares);
                sumSquared.Assign(sum * sum);
                epsilon.Assign(EpsilonTerm);
            });
        }).ElseWhen(state == variance, () =>
        {
            v.Assign(Cat(difference, Hw.Lit(0, IntegerGroupNorm.VarianceFractionBits)).ZeroExtend(75).AddWrap(epsilon.ZeroExtend(75)));
            halfShift.Assign(Hw.Lit(0, 5));
            state.Assign(Hw.Lit(normalize, 3));
        }).ElseWhen(state == normalize, () =>
        {
            When(v >= (1L << IntegerGroupNorm.NormalizedVarianceBits), () =>
            {
                v.Assign((v >> 2).ZeroExtend(75));
                halfShift.Assign((halfShift + 1).Truncate(5));
            }).Otherwise(() =>
            {
                state.Assign(Hw.Lit(divide, 3));
                steps.Assign(Hw.Lit(DivideSteps, 6));
                remainder.Assign(Hw.Lit(0, 31));
                quotient.Assign(Hw.Lit(0, 63));
            });
        }).ElseWhen(state == divide, () =>
        {
            // floor(2^62 / V'), V' < 2^30: one quotient bit per cycle, the numerator's only 1 first.
            remainder.Assign(Mux(fits, (trial - v.Truncate(30)).Truncate(31), trial.Truncate(31)));
            quotient.Assign(Cat(quotient[61, 0], fits));
            steps.Assign((steps - 1).Truncate(6));
            When(steps == 1, () =>
            {
                state.Assign(Hw.Lit(root, 3));
                rootValue.Assign(Hw.Lit(0, 63));
                bit.Assign(Hw.Lit(1L << 62, 63));
                steps.Assign(Hw.Lit(RootSteps, 6));
            });
        }).ElseWhen(state == root, () =>
        {
            // isqrt digit by digit: the quotient register holds what is left of the radicand.
            var next = Mux(takes, ((rootValue >> 1).ZeroExtend(63) + bit).Truncate(63), (rootValue >> 1).ZeroExtend(63));
            When(takes, () => quotient.Assign((quotient - candidate).Truncate(63)));
            rootValue.Assign(next);
            bit.Assign((bit >> 2).ZeroExtend(63));
            steps.Assign((steps - 1).Truncate(6));
            When(steps == 1, () =>
            {
                state.Assign(Hw.Lit(idle, 3));
                resultRoot.Assign(next.Truncate(32));
                resultHalfShift.Assign(halfShift);
            });
        });
        Busy.Assign(state != idle);

        // Pass 1: c = n·x − Σx; z = round_shift(c · Root, 7 + h); y = sat8(round_shift(z · G + O, k)).
        // Sampled at the edge that samples Root into the products, so both belong to the same beat.
        var normalizeShift = Stage((resultHalfShift + IntegerGroupNorm.NormalizeShift(0)).Truncate(6), "normalize_shift");
        for (var l = 0; l < lanes; l++)
        {
            var centered = Stage((count.ToSInt() * x[l]) - sum, $"centered_{l}");
            var product = Stage(centered * resultRoot.ToSInt(), $"product_{l}");
            var z = Stage(FixedPointLogic.RoundingShift(product, normalizeShift).Truncate(40), $"z_{l}");
            var scaled = Stage((z * gain) + offset, $"scaled_{l}");
            var y = Stage(FixedPointLogic.SaturateToInt8(FixedPointLogic.RoundingShift(scaled, shift)), $"y_{l}");
            Y[l].Assign(Mux(OutValid, y, Hw.SLit(0, 8)));
        }
        OutValid.Assign(valid[^1] & pass[^1]);
    }

    public int Lanes { get; }

    public override string ModuleName => $"GroupNormUnit{Lanes}";

    public Bool InValid { get; }

    public Bool OutReady { get; }

    public Vec<SInt> X { get; }

    public Vec<Bool> LaneValid { get; }

    public Bool Pass { get; }

    public Bool GroupStart { get; }

    public UInt Count { get; }

    public UInt EpsilonTerm { get; }

    public Bool Finish { get; }

    public SInt Gain { get; }

    public SInt Offset { get; }

    public UInt Shift { get; }

    public Bool InReady { get; }

    public Bool OutValid { get; }

    public Vec<SInt> Y { get; }

    public Bool Busy { get; }
}
