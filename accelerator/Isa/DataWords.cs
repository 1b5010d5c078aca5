using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Isa;

/// <summary>
/// A 128-bit word the hardware reads from DDR: a table entry or a vector parameter. Each record's
/// fields are laid out like an instruction's (declaration order from bit 0), one word per AXI beat.
/// </summary>
public abstract record DataWord
{
    public const int Bytes = 16;

    private static readonly Dictionary<Type, BitLayout> Layouts = [];

    public BitLayout Layout => LayoutOf(GetType());

    public static BitLayout LayoutOf(Type type)
    {
        lock (Layouts)
        {
            if (!Layouts.TryGetValue(type, out var layout))
                Layouts[type] = layout = new BitLayout(type, Bytes, []);
            return layout;
        }
    }

    public static BitLayout LayoutOf<T>() where T : DataWord => LayoutOf(typeof(T));

    /// <summary>Every data word type, for the generated documentation and header.</summary>
    public static IReadOnlyList<Type> Types { get; } = [typeof(RequantizerEntry), typeof(GroupNormEntry), typeof(PadValue), typeof(InputExponents), typeof(AddParameters), typeof(GroupNormParameters), typeof(SoftmaxParameters)];

    public byte[] Encode()
    {
        var word = new byte[Bytes];
        Layout.Write(this, word, GetType().Name);
        return word;
    }

    public static T Decode<T>(ReadOnlySpan<byte> word) where T : DataWord => (T)LayoutOf<T>().Read(word);
}

/// <summary>One output channel's requantization for one step group (LOAD_TABLE kind 0): <c>sat8(rshift((acc + Bias) x Multiplier, Shift))</c>.</summary>
public sealed record RequantizerEntry : DataWord
{
    [Field(32, "int32 bias added to the accumulator", Signed = true)]
    public int Bias { get; init; }

    [Field(16, "unsigned multiplier")]
    public int Multiplier { get; init; }

    [Field(6, "rounding right shift, 0 .. 48")]
    public int Shift { get; init; }

    public RequantParameters ToParameters() => new(Bias, Multiplier, Shift);

    public static RequantizerEntry Of(RequantParameters p) => new() { Bias = p.Bias, Multiplier = p.Multiplier, Shift = p.Shift };
}

/// <summary>One channel's GroupNorm output step (LOAD_TABLE kind 2): <c>sat8(rshift(z x Gain + Offset, Shift))</c>.</summary>
public sealed record GroupNormEntry : DataWord
{
    [Field(16, "signed gain", Signed = true)]
    public int Gain { get; init; }

    [Field(6, "rounding right shift, 16 .. 48")]
    public int Shift { get; init; }

    [Field(42, "signed offset", Signed = true)]
    public long Offset { get; init; }

    [Field(3, "input exponent e, 0 .. 4: the channel's int8 q stands for q x 2^e (a concatenation with split scales)")]
    public int Exponent { get; init; }

    public GroupNormChannel ToChannel() => new(Gain, Offset, Shift);

    public static GroupNormEntry Of(GroupNormChannel c, int exponent = 0) => new() { Gain = c.Gain, Shift = c.Shift, Offset = c.Offset, Exponent = exponent };
}

/// <summary>
/// The shifts a CONV's <c>Exponent</c> 1 and 2 apply to its sums (LOAD_TABLE kind 5): the exponents of a
/// concatenation's two parts with split scales, whose values stand for q x 2^e.
/// </summary>
public sealed record InputExponents : DataWord
{
    [Field(3, "exponent A, 0 .. 4 (CONV Exponent 1)")]
    public int A { get; init; }

    [Field(3, "exponent B, 0 .. 4 (CONV Exponent 2)")]
    public int B { get; init; }
}

/// <summary>The value a CONV with <c>PadWithZeroPoint</c> reads at padding taps (LOAD_TABLE kind 4): its input's zero point.</summary>
public sealed record PadValue : DataWord
{
    [Field(8, "int8 zero point of the convolution's input", Signed = true)]
    public int Value { get; init; }
}

/// <summary>The parameters of ADD (a parameter slot): <c>y = sat8(rshift(a x MultiplierA + b x MultiplierB, Shift))</c>.</summary>
public sealed record AddParameters : DataWord
{
    [Field(16, "unsigned multiplier of a")]
    public int MultiplierA { get; init; }

    [Field(16, "unsigned multiplier of b")]
    public int MultiplierB { get; init; }

    [Field(6, "rounding right shift, 0 .. 40")]
    public int Shift { get; init; }

    public ResidualAdd ToResidualAdd() => new(MultiplierA, MultiplierB, Shift);

    public static AddParameters Of(ResidualAdd a) => new() { MultiplierA = a.MultiplierA, MultiplierB = a.MultiplierB, Shift = a.Shift };
}

/// <summary>The parameters of GN_FINISH and GN_APPLY (a parameter slot): the values per group and the eps term.</summary>
public sealed record GroupNormParameters : DataWord
{
    [Field(21, "values per group: channels per group x pixels, 1 .. 2^20")]
    public int Count { get; init; }

    [Field(63, "eps term max(1, round(eps n^2 / s_in^2 2^16))")]
    public long EpsilonTerm { get; init; }
}

/// <summary>The parameters of SOFTMAX (a parameter slot): the exponent's multiplier and shift.</summary>
public sealed record SoftmaxParameters : DataWord
{
    [Field(16, "unsigned exponent multiplier M")]
    public int Multiplier { get; init; }

    [Field(6, "rounding right shift r")]
    public int Shift { get; init; }

    public RequantParameters ToExponentScale() => new(0, Multiplier, Shift);

    public static SoftmaxParameters Of(RequantParameters p) => new() { Multiplier = p.Multiplier, Shift = p.Shift };
}
