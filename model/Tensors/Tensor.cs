namespace DiffAcc.Model.Tensors;

/// <summary>A dense FP32 tensor in row-major order.</summary>
public sealed class Tensor
{
    public Tensor(int[] shape, float[]? data = null)
    {
        if (shape.Any(d => d < 0))
            throw new ArgumentException($"a tensor shape cannot be negative: [{string.Join(", ", shape)}]", nameof(shape));
        Shape = shape;
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (data is not null && data.Length != count)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} values, not {data.Length}", nameof(data));
        Data = data ?? new float[count];
    }

    public int[] Shape { get; }

    public float[] Data { get; }

    public int Rank => Shape.Length;

    public int Length => Data.Length;

    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    public bool HasShape(IReadOnlyList<int> shape) => Shape.AsSpan().SequenceEqual(shape.ToArray());

    public override string ToString() => $"Tensor{ShapeText}";
}
