namespace DiffAcc.Model.Tensors;

/// <summary>
/// A dense int8 tensor with one per-tensor scale and zero point: the real value of q is
/// <c>(q − ZeroPoint) · Scale</c>. The zero point is 0 (symmetric) everywhere but after SiLU.
/// </summary>
public sealed class Int8Tensor
{
    public Int8Tensor(int[] shape, double scale, sbyte[]? data = null, int zeroPoint = 0)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "an int8 tensor's scale must be positive and finite");
        if (zeroPoint is < sbyte.MinValue or > sbyte.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(zeroPoint), zeroPoint, "an int8 tensor's zero point must be an int8 value");
        Shape = shape;
        Scale = scale;
        ZeroPoint = zeroPoint;
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (data is not null && data.Length != count)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} values, not {data.Length}", nameof(data));
        Data = data ?? new sbyte[count];
    }

    public int[] Shape { get; }

    public double Scale { get; }

    /// <summary>The int8 value that stands for 0.</summary>
    public int ZeroPoint { get; }

    public sbyte[] Data { get; }

    public int Length => Data.Length;

    public Tensor Dequantize()
    {
        var output = new Tensor([.. Shape]);
        for (var i = 0; i < Data.Length; i++)
            output.Data[i] = (float)((Data[i] - ZeroPoint) * Scale);
        return output;
    }

    public override string ToString() => $"Int8Tensor[{string.Join(", ", Shape)}] x {Scale:G4}" + (ZeroPoint == 0 ? "" : $" - {ZeroPoint}");
}
