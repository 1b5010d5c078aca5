using DiffAcc.Accelerator.Datapath;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// GroupNorm's second pass, <see cref="Lanes"/> values per cycle, exactly <see cref="IntegerGroupNorm.Apply"/>:
/// <c>z = rshift((n·x·2^e − S)·R, 7 + h)</c>, <c>y = sat8(rshift(z·G + O, k))</c>. Lane l of a beat with
/// <c>Index</c> i is channel i·Lanes + l; each lane holds its channels' group results {S, R, h}
/// (written by GN_FINISH through <see cref="Result"/>) and channel entries {G, O, k, e} (written by LOAD_TABLE
/// through <c>Channel*</c>; e is 0 but in a concatenation with split scales). <c>Count</c> (n) is held for the whole stream. Latency <see cref="Latency"/> cycles of advance.
/// </summary>
public sealed class GroupNormApplyUnit : StreamPipeline
{
    public const int Latency = 8;

    private const int ResultBits = ReciprocalSqrtUnit.SumBits + 32 + 5;

    private const int ExponentBits = SplitConcat.ExponentBits;

    private const int ChannelBits = GroupNormChannel.GainBits + 42 + 6 + ExponentBits;

    public GroupNormApplyUnit(int lanes, int channels, ClockDomain? domain = null)
    {
        Domain = domain ?? Domain;
        if (lanes < 1 || channels % lanes != 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"{channels} channels do not fill {lanes} lanes evenly");
        Lanes = lanes;
        Channels = channels;
        var depth = channels / lanes;
        var indexBits = Hw.BitsFor(depth);
        var laneBits = Hw.BitsFor(lanes);
        InValid = Input(Bool());
        OutReady = Input(Bool());
        X = Input(Vec(lanes, SInt(8)));
        Index = Input(UInt(indexBits));
        Count = Input(UInt(ReciprocalSqrtUnit.CountBits));
        Result = Input(GroupNormResultWrite.Of(lanes, indexBits));
        ChannelWrite = Input(Bool());
        ChannelLane = Input(UInt(laneBits));
        ChannelIndex = Input(UInt(indexBits));
        ChannelGain = Input(SInt(GroupNormChannel.GainBits));
        ChannelOffset = Input(SInt(42));
        ChannelShift = Input(UInt(6));
        ChannelExponent = Input(UInt(ExponentBits));
        InReady = Output(Bool());
        OutValid = Output(Bool());
        Y = Output(Vec(lanes, SInt(8)));

        InReady.Assign(StartPipeline(OutReady));
        var valid = ValidChain(InValid, Latency);
        var index0 = Stage(Index, "index_0");
        for (var l = 0; l < lanes; l++)
        {
            var results = Mem(UInt(ResultBits), depth, RamStyle.Distributed, name: $"results_{l}");
            var entries = Mem(UInt(ChannelBits), depth, RamStyle.Distributed, name: $"channels_{l}");
            When(Result.Write & (Result.Lane == l), () => results.Write(Result.Index, Cat(Result.Sum, Result.Root, Result.HalfShift)));
            When(ChannelWrite & (ChannelLane == l), () => entries.Write(ChannelIndex, Cat(ChannelGain, ChannelOffset, ChannelShift, ChannelExponent)));
            // Stage 1: the beat's channel's results and entry arrive beside x.
            var result = results.Read(index0, Advance, name: $"result_{l}");
            var entry = entries.Read(index0, Advance, name: $"entry_{l}");
            var x1 = Stage(Stage(X[l], $"x0_{l}"), $"x1_{l}");
            var sum = result[ResultBits - 1, 37].AsSInt();
            var root = result[36, 5];
            var halfShift = result[4, 0];
            var gain = StageChain(entry[ChannelBits - 1, 48 + ExponentBits].AsSInt(), 3, $"gain_{l}")[^1];
            var offset = StageChain(entry[47 + ExponentBits, 6 + ExponentBits].AsSInt(), 3, $"offset_{l}")[^1];
            var shift = StageChain(entry[5 + ExponentBits, ExponentBits], 4, $"shift_{l}")[^1];
            var exponent = entry[ExponentBits - 1, 0];
            // Stages 2 .. 7: n·x·2^e − S; · R; rounding shift by 7 + h; · G + O; the shifter of the rounding shift
            // by k; its rounding and saturation.
            var scaledX = (x1 << exponent).Truncate(8 + SplitConcat.MaxSteps);
            var centered = Stage((Count.ToSInt() * scaledX) - sum, $"centered_{l}");
            var normalizeShift = StageChain((halfShift + IntegerGroupNorm.NormalizeShift(0)).Truncate(6), 2, $"normalize_shift_{l}")[^1];
            var product = Stage(centered * Stage(root, $"root_{l}").ToSInt(), $"product_{l}");
            var z = Stage(FixedPointLogic.RoundingShift(product, normalizeShift).Truncate(40), $"z_{l}");
            var scaled = Stage((z * gain) + offset, $"scaled_{l}");
            var half = Stage(FixedPointLogic.RoundingShiftHalf(scaled, shift), $"rounding_{l}");
            var y = Stage(FixedPointLogic.SaturateToInt8(FixedPointLogic.RoundingShiftFinish(half)), $"y_{l}");
            Y[l].Assign(Mux(OutValid, y, Hw.SLit(0, 8)));
        }
        OutValid.Assign(valid[^1]);
    }

    public int Lanes { get; }

    public int Channels { get; }

    public override string ModuleName => $"GroupNormApplyUnit{Lanes}x{Channels}";

    public Bool InValid { get; }

    public Bool OutReady { get; }

    public Vec<SInt> X { get; }

    public UInt Index { get; }

    /// <summary>Values per group (n).</summary>
    public UInt Count { get; }

    /// <summary>A channel's group result from GN_FINISH.</summary>
    public GroupNormResultWrite Result { get; }

    public Bool ChannelWrite { get; }

    public UInt ChannelLane { get; }

    public UInt ChannelIndex { get; }

    public SInt ChannelGain { get; }

    public SInt ChannelOffset { get; }

    public UInt ChannelShift { get; }

    public UInt ChannelExponent { get; }

    public Bool InReady { get; }

    public Bool OutValid { get; }

    public Vec<SInt> Y { get; }
}

/// <summary>One channel's group result, written by GN_FINISH into the normalize unit's table: the group's Σx, its reciprocal square root and half shift.</summary>
public sealed class GroupNormResultWrite : Bundle
{
    public GroupNormResultWrite(BundleFields f, int lanes, int indexBits)
    {
        Write = f.Field(Hw.Bool());
        Lane = f.Field(Hw.UInt(Hw.BitsFor(lanes)));
        Index = f.Field(Hw.UInt(indexBits));
        Sum = f.Field(Hw.SInt(ReciprocalSqrtUnit.SumBits));
        Root = f.Field(Hw.UInt(32));
        HalfShift = f.Field(Hw.UInt(5));
    }

    public Bool Write { get; }

    /// <summary>The channel is Index x lanes + Lane.</summary>
    public UInt Lane { get; }

    public UInt Index { get; }

    public SInt Sum { get; }

    public UInt Root { get; }

    public UInt HalfShift { get; }

    public static BundleType<GroupNormResultWrite> Of(int lanes, int indexBits) => new(f => new GroupNormResultWrite(f, lanes, indexBits));
}
