namespace DiffAcc.Model.Tensors;

/// <summary>
/// A dense int8 tensor with one per-tensor scale and zero point: the real value of q is
/// <c>(q − ZeroPoint) · Scale</c>. The zero point is 0 (symmetric) everywhere but after SiLU. A
/// concatenation with split scales has an exponent per channel instead: <c>q · 2^e · Scale</c>.
/// </summary>
public sealed class Int8Tensor
{
    public Int8Tensor(int[] shape, double scale, sbyte[]? data = null, int zeroPoint = 0, int[]? channelExponents = null)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "an int8 tensor's scale must be positive and finite");
        if (zeroPoint is < sbyte.MinValue or > sbyte.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(zeroPoint), zeroPoint, "an int8 tensor's zero point must be an int8 value");
        if (channelExponents is not null && (shape.Length < 2 || channelExponents.Length != shape[1] || zeroPoint != 0 || channelExponents.Any(e => e is < 0 or > 30)))
            throw new ArgumentException($"channel exponents need one value in 0..30 per channel ({(shape.Length < 2 ? 0 : shape[1])}) and zero point 0", nameof(channelExponents));
        Shape = shape;
        Scale = scale;
        ZeroPoint = zeroPoint;
        ChannelExponents = channelExponents;
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (data is not null && data.Length != count)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} values, not {data.Length}", nameof(data));
        Data = data ?? new sbyte[count];
    }

    public int[] Shape { get; }

    public double Scale { get; }

    /// <summary>The int8 value that stands for 0.</summary>
    public int ZeroPoint { get; }

    /// <summary>Per channel, e in <c>q · 2^e · Scale</c>; null when every channel has the tensor's scale.</summary>
    public int[]? ChannelExponents { get; }

    public sbyte[] Data { get; }

    public int Length => Data.Length;

    /// <summary>The step of channel <paramref name="channel"/>: Scale, times 2^e with channel exponents.</summary>
    public double ChannelScale(int channel) => ChannelExponents is { } e ? Scale * (1L << e[channel]) : Scale;

    public Tensor Dequantize()
    {
        var output = new Tensor([.. Shape]);
        var plane = ChannelExponents is null || Data.Length == 0 ? 1 : Data.Length / (Shape[0] * Shape[1]);
        for (var i = 0; i < Data.Length; i++)
            output.Data[i] = (float)((Data[i] - ZeroPoint) * (ChannelExponents is null ? Scale : ChannelScale(i / plane % Shape[1])));
        return output;
    }

    public override string ToString() => $"Int8Tensor[{string.Join(", ", Shape)}] x {Scale:G4}" + (ZeroPoint == 0 ? "" : $" - {ZeroPoint}");
}
