using DiffAcc.Accelerator.Datapath;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// Softmax over one row of int32 attention scores, <see cref="Lanes"/> scores per cycle, in the
/// integer algorithm of <see cref="IntegerSoftmax"/> (docs/numerics.md, "Softmax"). The producer
/// streams the row three times (the scores stay in the accumulator buffer, so the unit stores no
/// row and any row length works):
/// <list type="number">
/// <item><c>Pass = 0</c>: the row maximum (the beat with <c>RowStart</c> restarts it);</item>
/// <item><c>Pass = 1</c>: the exponents' sum (restarted by <c>RowStart</c>); when these beats have
/// left the pipeline, a <c>Divide</c> pulse computes <c>floor(2^31 / sum)</c> in
/// <see cref="DivideCycles"/> cycles while <c>Busy</c> is high;</item>
/// <item><c>Pass = 2</c>: the int8 probabilities (scale 1/127, or with <c>Unsigned</c> 1/255 and zero point
/// -128), the only beats that leave with <c>OutValid</c>.</item>
/// </list>
/// Each beat names its row's parity (<c>RowOdd</c>), and the unit keeps two maxima and two reciprocals: the
/// producer can stream the next row's maximum and sum passes while this row's sum is divided (the quotient
/// is held for its row, <c>DivideOdd</c>, from the <c>Divided</c> pulse on) and its probabilities leave.
/// The reciprocal's low 17 bits enter the products: a row's maximum contributes 2^15 to the sum, so
/// <c>R ≤ 2^16</c>. <c>LaneValid</c> marks the lanes of a beat that hold scores (a row need not fill the last beat);
/// other lanes give probability 0 (code 0, or -128 unsigned) and add nothing. Latency <see cref="Latency"/> cycles of advance.
/// </summary>
public sealed class SoftmaxUnit : StreamPipeline
{
    public const int Latency = 11;

    public const int DivideCycles = 32;

    /// <summary>
    /// Advances from the one that takes a row's last pass-1 beat until its exponents are in the row's sum
    /// (added in the last stage), after which <c>Divide</c> may pulse.
    /// </summary>
    public const int SumDrainAdvances = Latency + 1;

    public SoftmaxUnit(int lanes, ClockDomain? domain = null)
    {
        Domain = domain ?? Domain;
        if (lanes < 1)
            throw new ArgumentOutOfRangeException(nameof(lanes), lanes, "at least one lane");
        Lanes = lanes;
        InValid = Input(Bool());
        OutReady = Input(Bool());
        Scores = Input(Vec(lanes, SInt(32)));
        LaneValid = Input(Vec(lanes, Bool()));
        Pass = Input(UInt(2));
        RowStart = Input(Bool());
        Unsigned = Input(Bool());
        ExponentMultiplier = Input(UInt(RequantParameters.MultiplierBits));
        ExponentShift = Input(UInt(RequantParameters.ShiftBits));
        RowOdd = Input(Bool());
        Divide = Input(Bool());
        DivideOdd = Input(Bool());
        InReady = Output(Bool());
        OutValid = Output(Bool());
        Probabilities = Output(Vec(lanes, SInt(8)));
        Busy = Output(Bool());
        Divided = Output(Bool());

        InReady.Assign(StartPipeline(OutReady));
        var valid = ValidChain(InValid, Latency);
        // The valid bit of each stage, for the registers that only valid beats may change.
        Bool ValidAt(int stage) => valid[stage];
        var pass = StageChain(Pass, Latency, "pass");
        // The row's parity picks its maximum (stage 2) and its reciprocal (stage 8): the next row's maximum and
        // division run while this row's probabilities are still in the pipeline.
        var rowOdd = StageChain(RowOdd, 9, "row_odd");
        // The row start is read by the maximum (stage 2) and the sum (stage 10).
        var rowStart = StageChain(RowStart, 11, "row_start");
        // The format is read by the probability's stage (10) from the product's (9).
        var unsignedFormat = StageChain(Unsigned, 10, "unsigned")[^1];

        // Invalid lanes enter stage 0 as the minimum, so the maximum's compare tree needs no masks; their
        // exponents are zeroed at the end whatever the score.
        var scores = Enumerable.Range(0, lanes).Select(l => Stage(Mux(LaneValid[l], Scores[l], Hw.SLit(int.MinValue, 32)), $"score_{l}")).ToArray();
        var laneValid = new List<Bool[]>();
        laneValid.Add([.. Enumerable.Range(0, lanes).Select(l => Stage(LaneValid[l], $"lane_valid_0_{l}"))]);
        for (var s = 1; s < 8; s++)
            laneValid.Add([.. Enumerable.Range(0, lanes).Select(l => Stage(laneValid[^1][l], $"lane_valid_{s}_{l}"))]);
        var multiplier = StageChain(ExponentMultiplier, 4, "multiplier")[^1];
        var shift = StageChain(ExponentShift, 5, "shift")[^1];

        // Pass 0: the row maximum over the valid lanes, a balanced tree of pairwise maxima (log2(lanes)
        // compares deep, not lanes) and then the compare with the row's maximum so far, at most two compares
        // between registers: two tree levels in stage 0, two in stage 1, the rest and the row's in stage 2
        // (16 lanes: 2 + 2 + 1; 4 lanes: the whole tree in stage 0).
        var maxima = new[] { Reg(SInt(32), name: "row_max_even"), Reg(SInt(32), name: "row_max_odd") };
        var max = Mux(rowOdd[2], maxima[1], maxima[0]);
        static List<SInt> Halve(List<SInt> level)
            => [.. Enumerable.Range(0, (level.Count + 1) / 2).Select(i => 2 * i + 1 < level.Count ? Mux(level[2 * i + 1] > level[2 * i], level[2 * i + 1], level[2 * i]) : level[2 * i])];
        var level = scores.ToList();
        for (var stage = 1; stage <= 2; stage++)
        {
            for (var l = 0; l < 2 && level.Count > 1; l++)
                level = Halve(level);
            level = level.Count == 1 ? [Stage(level[0], $"beat_max_{stage}")] : [.. level.Select((m, i) => Stage(m, $"beat_max_{stage}_{i}"))];
        }
        while (level.Count > 1)
            level = Halve(level);
        var beatMax = level[0];
        for (var parity = 0; parity < 2; parity++)
        {
            var m = maxima[parity];
            When(Advance & ValidAt(2) & (pass[2] == 0) & (parity == 1 ? rowOdd[2] : !rowOdd[2]), () => m.Assign(Mux(rowStart[2] | (beatMax > m), beatMax, m)));
        }

        // Pass 1 and 2: exponent 2^-(d / 2^16) of d = round_shift((max - a) * M, r), then a 257-entry table.
        var table = IntegerSoftmax.Exponent2Table.Select(v => (long)v).ToList();
        var exponents = new UInt[lanes];
        for (var l = 0; l < lanes; l++)
        {
            var difference = Stage(max - Stage(Stage(scores[l], $"score_1_{l}"), $"score_2_{l}"), $"difference_{l}");
            var product = Stage(difference * multiplier.ToSInt(), $"product_{l}");
            var u = Stage(FixedPointLogic.RoundingShift(product, shift), $"u_{l}");
            var integer = u >> IntegerSoftmax.ExponentFractionBits;
            var index = ((u.AsUInt()[IntegerSoftmax.ExponentFractionBits - 1, 0] + (1 << (IntegerSoftmax.ExponentFractionBits - IntegerSoftmax.TableIndexBits - 1))) >> (IntegerSoftmax.ExponentFractionBits - IntegerSoftmax.TableIndexBits)).Truncate(IntegerSoftmax.TableIndexBits + 1);
            // The table's index ends in a register (stage 6) before the table's read (stage 7).
            var rom = Rom(UInt(16), table, RamStyle.Auto, name: $"exponent_table_{l}");
            var entry = rom.Read(Stage(index, $"index_{l}"), Advance, name: $"entry_{l}");
            var outOfRange = Stage(Stage(integer > 15, $"out_of_range_{l}"), $"out_of_range_7_{l}");
            var shiftBy = Stage(Stage(integer.AsUInt()[3, 0], $"shift_by_{l}"), $"shift_by_7_{l}");
            exponents[l] = Stage(Mux(outOfRange | !laneValid[7][l], Hw.Lit(0, 16), entry >> shiftBy), $"exponent_{l}");
        }

        // The sum of pass 1: the beat's exponents summed by fours in stage 9 and in all in stage 10, taken into
        // the row's there (the registers keep the adder tree's levels and the accumulation apart).
        var sum = Reg(UInt(32), name: "sum");
        var fours = exponents.Chunk(4).Select((group, i) => Stage(FixedPointLogic.Sum(group), $"beat_sum_{i}")).ToList();
        var beatSum = Stage(FixedPointLogic.Sum(fours), "beat_sum");
        When(Advance & ValidAt(10) & (pass[10] == 1), () => sum.Assign(Mux(rowStart[10], beatSum.ZeroExtend(32), sum.AddWrap(beatSum.ZeroExtend(32)))));

        // The reciprocal floor(2^31 / sum) by restoring division, one quotient bit per cycle, most significant first.
        var count = Reg(UInt(6), reset: 0, name: "divide_count");
        var divisor = Reg(UInt(32), name: "divisor");
        var remainder = Reg(UInt(33), name: "remainder");
        // The quotient's bits so far; its last bit joins them in the held copy. 17 bits in all: R <= 2^16, so the
        // quotient bits above them are 0 and leave the register unread.
        var reciprocal = Reg(UInt(16), name: "reciprocal");
        var busy = count != 0;
        // The quotient of the row being divided, held by the row's parity from the cycle after its last bit.
        var dividingOdd = Reg(Bool(), name: "dividing_odd");
        var held = new[] { Reg(UInt(17), name: "reciprocal_even"), Reg(UInt(17), name: "reciprocal_odd") };
        var finishing = busy & (count == 1);
        var numeratorBit = Mux(count == DivideCycles, Hw.Lit(1, 1), Hw.Lit(0, 1));
        var trial = Cat(remainder, numeratorBit);
        var fits = trial >= divisor;
        When(busy, () =>
        {
            count.Assign((count - 1).Truncate(6));
            remainder.Assign(Mux(fits, (trial - divisor).Truncate(33), trial.Truncate(33)));
            reciprocal.Assign(Cat(reciprocal[14, 0], fits));
        }).ElseWhen(Divide, () =>
        {
            count.Assign(Hw.Lit(DivideCycles, 6));
            dividingOdd.Assign(DivideOdd);
            divisor.Assign(sum);
            remainder.Assign(Hw.Lit(0, 33));
            reciprocal.Assign(Hw.Lit(0, 16));
        });
        Busy.Assign(busy);
        var quotient = Cat(reciprocal[15, 0], fits);
        When(finishing & !dividingOdd, () => held[0].Assign(quotient));
        When(finishing & dividingOdd, () => held[1].Assign(quotient));
        Divided.Assign(RegNext(finishing, reset: 0, name: "divided"));
        var rowReciprocal = Mux(rowOdd[8], held[1], held[0]);

        // Pass 2: p = min(one, round_shift(e * R * one, 31)) + zero point, one = 127 (zero point 0) or 255 (-128):
        // as the rounded value is never negative, min(255, r) - 128 is sat8(r - 128).
        var zeroPointOffset = Mux(unsignedFormat, Hw.SLit(128, 9), Hw.SLit(0, 9));
        for (var l = 0; l < lanes; l++)
        {
            // R < 2^17 for any row (its maximum contributes 2^15 to the sum): one 16 x 17 product; x 127 and x 255 are a shift and a subtraction.
            var scaled = Stage(exponents[l] * rowReciprocal, $"scaled_{l}");
            var times127 = ((scaled << 7) - scaled).Truncate(scaled.Width + 7).ZeroExtend(scaled.Width + 8);
            var times255 = ((scaled << 8) - scaled).Truncate(scaled.Width + 8);
            var rounded = FixedPointLogic.RoundingShift(Mux(unsignedFormat, times255, times127).ToSInt(), 31);
            var probability = Stage(FixedPointLogic.SaturateToInt8(rounded - zeroPointOffset), $"probability_{l}");
            Probabilities[l].Assign(Mux(OutValid, probability, Hw.SLit(0, 8)));
        }
        OutValid.Assign(valid[^1] & (pass[Latency - 1] == 2));
    }

    public int Lanes { get; }

    public override string ModuleName => $"SoftmaxUnit{Lanes}";

    public Bool InValid { get; }

    public Bool OutReady { get; }

    public Vec<SInt> Scores { get; }

    public Vec<Bool> LaneValid { get; }

    public UInt Pass { get; }

    public Bool RowStart { get; }

    /// <summary>Probabilities in steps of 1/255 with zero point -128 (<see cref="ProbabilityFormat.Unsigned"/>), else 1/127.</summary>
    public Bool Unsigned { get; }

    public UInt ExponentMultiplier { get; }

    public UInt ExponentShift { get; }

    /// <summary>The beat's row is odd: rows alternate between two maxima and two reciprocals.</summary>
    public Bool RowOdd { get; }

    /// <summary>Pulse: divide the sum of the row whose last pass-1 beats have left the pipeline; <see cref="DivideOdd"/> is its parity.</summary>
    public Bool Divide { get; }

    public Bool DivideOdd { get; }

    public Bool InReady { get; }

    public Bool OutValid { get; }

    public Vec<SInt> Probabilities { get; }

    public Bool Busy { get; }

    /// <summary>Pulse: the reciprocal of the row divided last is held for its probability pass.</summary>
    public Bool Divided { get; }
}
