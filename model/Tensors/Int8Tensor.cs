namespace DiffAcc.Model.Tensors;

/// <summary>A dense int8 tensor with one per-tensor scale: the real value of q is <c>q · Scale</c>.</summary>
public sealed class Int8Tensor
{
    public Int8Tensor(int[] shape, double scale, sbyte[]? data = null)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "an int8 tensor's scale must be positive and finite");
        Shape = shape;
        Scale = scale;
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (data is not null && data.Length != count)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} values, not {data.Length}", nameof(data));
        Data = data ?? new sbyte[count];
    }

    public int[] Shape { get; }

    public double Scale { get; }

    public sbyte[] Data { get; }

    public int Length => Data.Length;

    public Tensor Dequantize()
    {
        var output = new Tensor([.. Shape]);
        for (var i = 0; i < Data.Length; i++)
            output.Data[i] = (float)(Data[i] * Scale);
        return output;
    }

    public override string ToString() => $"Int8Tensor[{string.Join(", ", Shape)}] x {Scale:G4}";
}
