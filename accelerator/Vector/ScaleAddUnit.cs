using DiffAcc.Accelerator.Datapath;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Library;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// Residual add and concat rescaling, <see cref="Lanes"/> values per cycle:
/// <c>y = sat8(round_shift(a · MultiplierA + b · MultiplierB, Shift))</c> (docs/numerics.md, "Residual add";
/// a concat part streams through with b = 0). The multipliers and shift are the layer's, held by the
/// controller for the whole stream. Latency <see cref="Latency"/> cycles of advance.
/// </summary>
public sealed class ScaleAddUnit : StreamPipeline
{
    public const int Latency = 5;

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
        var multiplierA = Stage(MultiplierA.ToSInt(), "multiplier_a");
        var multiplierB = Stage(MultiplierB.ToSInt(), "multiplier_b");
        var shift = StageChain(Shift, 3, "shift")[^1];
        for (var lane = 0; lane < lanes; lane++)
        {
            // Stage 0: operands; 1: the two 8 x 17-bit products; 2: their sum; 3: the rounding shift's shifter;
            // 4: its rounding and saturation.
            var a = Stage(A[lane], $"a_{lane}");
            var b = Stage(B[lane], $"b_{lane}");
            var sum = Stage(Stage(a * multiplierA, $"product_a_{lane}") + Stage(b * multiplierB, $"product_b_{lane}"), $"sum_{lane}");
            var half = Stage(FixedPointLogic.RoundingShiftHalf(sum, shift), $"rounding_{lane}");
            Y[lane].Assign(Stage(FixedPointLogic.SaturateToInt8(FixedPointLogic.RoundingShiftFinish(half)), $"y_{lane}"));
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
