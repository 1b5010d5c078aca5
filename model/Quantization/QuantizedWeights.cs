using DiffAcc.Model.Numerics;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Quantization;

/// <summary>
/// A weight tensor [C_out, ...] in symmetric int8 with one scale per output channel:
/// <c>scale_c = max|w_c| / 127</c>, <c>q = sat8(floor(w / scale_c + 1/2))</c>.
/// </summary>
public sealed class QuantizedWeights
{
    private QuantizedWeights(int[] shape, sbyte[] values, double[] scales)
    {
        Shape = shape;
        Values = values;
        ChannelScales = scales;
    }

    public int[] Shape { get; }

    public int Outputs => Shape[0];

    /// <summary>Values per output channel (C_in · k · k).</summary>
    public int RowLength => Values.Length / Outputs;

    public sbyte[] Values { get; }

    public double[] ChannelScales { get; }

    /// <summary>Weights that are int8 already, with their per-channel scales.</summary>
    public static QuantizedWeights FromInt8(int[] shape, sbyte[] values, double[] scales)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != values.Length || scales.Length != shape[0])
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] needs {shape.Aggregate(1L, (a, b) => a * b)} values and {shape[0]} scales, not {values.Length} and {scales.Length}", nameof(values));
        return new QuantizedWeights([.. shape], values, scales);
    }

    public static QuantizedWeights Of(Tensor weight)
    {
        var outputs = weight.Shape[0];
        var row = weight.Length / outputs;
        var values = new sbyte[weight.Length];
        var scales = new double[outputs];
        for (var o = 0; o < outputs; o++)
        {
            var span = weight.Data.AsSpan(o * row, row);
            var max = 0.0;
            foreach (var w in span)
                max = Math.Max(max, Math.Abs(w));
            // An all-zero channel keeps scale 1 so requantization stays defined; its products are 0 anyway.
            scales[o] = max > 0 ? max / 127 : 1;
            for (var i = 0; i < row; i++)
                values[(o * row) + i] = Saturation.ToInt8((long)Math.Floor((span[i] / scales[o]) + 0.5));
        }
        return new QuantizedWeights([.. weight.Shape], values, scales);
    }
}
