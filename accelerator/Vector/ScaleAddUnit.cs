using DiffAcc.Accelerator.Datapath;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Library;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// Residual add and concat rescaling, <see cref="Lanes"/> values per cycle:
/// <c>y = sat8(round_shift(a · MultiplierA + b · MultiplierB, Shift))</c> (docs/numerics.md, "Residual add";
/// a concat part streams through with b = 0). The multipliers and shift are the layer's, held by the
/// controller for the whole stream. The products are in fabric logic (<see cref="BoothProduct"/>), not
/// DSP48E2: the multipliers are the layer's constants, so their multiples are formed once for all lanes
/// and each lane only picks and adds. Latency <see cref="Latency"/> cycles of advance.
/// </summary>
public sealed class ScaleAddUnit : StreamPipeline
{
    public const int Latency = 7;

    public ScaleAddUnit(int lanes, ClockDomain? domain = null)
    {
        Domain = domain ?? Domain;
        if (lanes < 1)
            throw new ArgumentOutOfRangeException(nameof(lanes), lanes, "at least one lane");
        Lanes = lanes;
        InValid = Input(Bool());
        OutReady = Input(Bool());
        A = Input(Vec(lanes, SInt(8)));
        B = Input(Vec(lanes, SInt(8)));
        MultiplierA = Input(UInt(ResidualAdd.MultiplierBits));
        MultiplierB = Input(UInt(ResidualAdd.MultiplierBits));
        Shift = Input(UInt(6));
        InReady = Output(Bool());
        OutValid = Output(Bool());
        Y = Output(Vec(lanes, SInt(8)));

        InReady.Assign(StartPipeline(OutReady));
        OutValid.Assign(ValidChain(InValid, Latency)[^1]);
        var multiplesA = Multiples(MultiplierA, "a");
        var multiplesB = Multiples(MultiplierB, "b");
        var shift = StageChain(Shift, 5, "shift")[^1];
        for (var lane = 0; lane < lanes; lane++)
        {
            // Stage 0: operands; 1: the eight Booth picks of the two products; 2 and 3: their adder tree; 4: the
            // sum; 5: the rounding shift's shifter; 6: its rounding and saturation.
            var a = Stage(A[lane], $"a_{lane}");
            var b = Stage(B[lane], $"b_{lane}");
            var picks = BoothProduct.PartialProducts(a, multiplesA).Concat(BoothProduct.PartialProducts(b, multiplesB))
                .Select((p, i) => Stage(p, $"pick_{lane}_{i}")).ToList();
            // Each half of the tree is one product, a · Ma or b · Mb, which fits the picks' 25 bits: the adders wrap
            // at that width and the product comes out exact.
            var productBits = picks[0].Width;
            var quarters = picks.Chunk(2).Select((pair, i) => Stage((pair[0] + pair[1]).Truncate(productBits), $"pair_{lane}_{i}")).ToList();
            var halves = quarters.Chunk(2).Select((pair, i) => Stage((pair[0] + pair[1]).Truncate(productBits), $"product_{lane}_{i}")).ToList();
            var sum = Stage(halves[0] + halves[1], $"sum_{lane}");
            var half = Stage(FixedPointLogic.RoundingShiftHalf(sum, shift), $"rounding_{lane}");
            Y[lane].Assign(Stage(FixedPointLogic.SaturateToInt8(FixedPointLogic.RoundingShiftFinish(half)), $"y_{lane}"));
        }

        BoothProduct.Multiples Multiples(UInt multiplier, string operand)
        {
            var multiples = BoothProduct.Of(multiplier.ToSInt());
            return new BoothProduct.Multiples(Stage(multiples.One, $"multiplier_{operand}"), Stage(multiples.Two, $"twice_{operand}"),
                Stage(multiples.MinusOne, $"minus_{operand}"), Stage(multiples.MinusTwo, $"minus_twice_{operand}"));
        }
    }

    public int Lanes { get; }

    public override string ModuleName => $"ScaleAddUnit{Lanes}";

    public Bool InValid { get; }

    public Bool OutReady { get; }

    public Vec<SInt> A { get; }

    public Vec<SInt> B { get; }

    public UInt MultiplierA { get; }

    public UInt MultiplierB { get; }

    public UInt Shift { get; }

    public Bool InReady { get; }

    public Bool OutValid { get; }

    public Vec<SInt> Y { get; }
}
