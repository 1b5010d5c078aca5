using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// GroupNorm's reciprocal square root of one group as a small sequential machine, exactly
/// <see cref="IntegerGroupNorm.ReciprocalSqrt"/>: on <see cref="Start"/> with the group's n·Σx², (Σx)²
/// and eps term (the products come from outside, so the machines side by side in GN_FINISH share one pair
/// of multipliers), it forms <c>V = (n·Σx² − (Σx)²)·2^16 + E</c>, shifts it by an even amount below
/// 2^30, computes <c>floor(2^62 / V')</c> by restoring division and its integer square root digit by
/// digit, in <see cref="FinishCycles"/> + HalfShift cycles while <see cref="Busy"/>; <see cref="Done"/>
/// pulses when <see cref="Root"/> and <see cref="HalfShift"/> hold the result.
/// </summary>
public sealed class ReciprocalSqrtUnit : Module
{
    private enum RootStep
    {
        Idle,
        Variance,
        Normalize,
        Divide,
        Root,
    }

    public const int CountBits = 21;

    /// <summary>Bits of one channel's Σx and Σx² of int8 values (the statistics unit's; they wrap beyond).</summary>
    public const int ChannelSumBits = CountBits + 7;

    public const int ChannelSquaresBits = CountBits + 14;

    /// <summary>Bits of a group's Σx and Σx², whose values may stand for q x 2^e (e up to <see cref="SplitConcat.MaxSteps"/>).</summary>
    public const int SumBits = ChannelSumBits + SplitConcat.MaxSteps;

    public const int SquaresBits = ChannelSquaresBits + (2 * SplitConcat.MaxSteps);

    /// <summary>Bits of V = (n·Σx² − (Σx)²)·2^16 + E.</summary>
    private const int VarianceBits = CountBits + SquaresBits + IntegerGroupNorm.VarianceFractionBits + 2;

    /// <summary>Busy cycles besides the normalization shifts: variance 1, normalization check 1, division 63, root 32.</summary>
    public const int FinishCycles = 97;

    private const int DivideSteps = 63;

    private const int RootSteps = 32;

    public ReciprocalSqrtUnit(ClockDomain? domain = null)
    {
        Domain = domain ?? Domain;
        Start = Input(Bool());
        CountTimesSquares = Input(UInt(CountBits + SquaresBits));
        SumSquared = Input(SInt(2 * SumBits));
        EpsilonTerm = Input(UInt(63));
        Busy = Output(Bool());
        Done = Output(Bool());
        Root = Output(UInt(32));
        HalfShift = Output(UInt(5));

        var state = Reg(Enum<RootStep>(), RootStep.Idle, name: "state");
        var scaledCount = Reg(UInt(CountBits + SquaresBits), name: "count_times_squares");
        var sumSquared = Reg(SInt(2 * SumBits), name: "sum_squared");
        var epsilon = Reg(UInt(63), name: "epsilon");
        var v = Reg(UInt(VarianceBits), name: "v");
        var halfShift = Reg(UInt(5), name: "half_shift");
        var steps = Reg(UInt(6), name: "steps");
        var remainder = Reg(UInt(31), name: "remainder");
        var quotient = Reg(UInt(63), name: "quotient");
        var rootValue = Reg(UInt(63), name: "root_value");
        var bit = Reg(UInt(63), name: "bit");
        var resultRoot = Reg(UInt(32), name: "result_root");
        var resultHalfShift = Reg(UInt(5), name: "result_half_shift");
        var done = Reg(Bool(), reset: 0, name: "done");

        var difference = (scaledCount.ToSInt() - sumSquared).AsUInt();
        var trial = Cat(remainder, (steps == DivideSteps).Select(Hw.Lit(1, 1), Hw.Lit(0, 1)));
        var fits = trial >= v.Truncate(30);
        var candidate = rootValue + bit;
        var takes = quotient >= candidate;
        done.Assign(false);
        When(state == RootStep.Idle, () =>
        {
            When(Start, () =>
            {
                state.Assign(RootStep.Variance);
                scaledCount.Assign(CountTimesSquares);
                sumSquared.Assign(SumSquared);
                epsilon.Assign(EpsilonTerm);
            });
        }).ElseWhen(state == RootStep.Variance, () =>
        {
            v.Assign(Cat(difference, Hw.Lit(0, IntegerGroupNorm.VarianceFractionBits)).ZeroExtend(VarianceBits).AddWrap(epsilon.ZeroExtend(VarianceBits)));
            halfShift.Assign(Hw.Lit(0, 5));
            state.Assign(RootStep.Normalize);
        }).ElseWhen(state == RootStep.Normalize, () =>
        {
            When(v >= (1L << IntegerGroupNorm.NormalizedVarianceBits), () =>
            {
                v.Assign((v >> 2).ZeroExtend(VarianceBits));
                halfShift.Assign((halfShift + 1).Truncate(5));
            }).Otherwise(() =>
            {
                state.Assign(RootStep.Divide);
                steps.Assign(Hw.Lit(DivideSteps, 6));
                remainder.Assign(Hw.Lit(0, 31));
                quotient.Assign(Hw.Lit(0, 63));
            });
        }).ElseWhen(state == RootStep.Divide, () =>
        {
            // floor(2^62 / V'), V' < 2^30: one quotient bit per cycle, the numerator's only 1 first.
            remainder.Assign(Mux(fits, (trial - v.Truncate(30)).Truncate(31), trial.Truncate(31)));
            quotient.Assign(Cat(quotient[61, 0], fits));
            steps.Assign((steps - 1).Truncate(6));
            When(steps == 1, () =>
            {
                state.Assign(RootStep.Root);
                rootValue.Assign(Hw.Lit(0, 63));
                bit.Assign(Hw.Lit(1L << 62, 63));
                steps.Assign(Hw.Lit(RootSteps, 6));
            });
        }).ElseWhen(state == RootStep.Root, () =>
        {
            // isqrt digit by digit: the quotient register holds what is left of the radicand.
            var next = Mux(takes, ((rootValue >> 1).ZeroExtend(63) + bit).Truncate(63), (rootValue >> 1).ZeroExtend(63));
            When(takes, () => quotient.Assign((quotient - candidate).Truncate(63)));
            rootValue.Assign(next);
            bit.Assign((bit >> 2).ZeroExtend(63));
            steps.Assign((steps - 1).Truncate(6));
            When(steps == 1, () =>
            {
                state.Assign(RootStep.Idle);
                resultRoot.Assign(next.Truncate(32));
                resultHalfShift.Assign(halfShift);
                done.Assign(true);
            });
        });
        Busy.Assign(state != RootStep.Idle);
        Done.Assign(done);
        Root.Assign(resultRoot);
        HalfShift.Assign(resultHalfShift);
    }

    public override string ModuleName => "ReciprocalSqrtUnit";

    public Bool Start { get; }

    /// <summary>n·Σx²: the group's count times its sum of squares.</summary>
    public UInt CountTimesSquares { get; }

    /// <summary>(Σx)².</summary>
    public SInt SumSquared { get; }

    public UInt EpsilonTerm { get; }

    public Bool Busy { get; }

    /// <summary>Pulses the cycle <see cref="Root"/> and <see cref="HalfShift"/> are valid (they hold until the next result).</summary>
    public Bool Done { get; }

    public UInt Root { get; }

    public UInt HalfShift { get; }
}
