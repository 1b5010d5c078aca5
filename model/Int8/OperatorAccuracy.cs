using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Int8;

/// <summary>
/// The error of each integer operator against the same operator in FP32 on the same (dequantized)
/// int8 inputs, in steps of the output's int8 scale: what the integer algorithm itself costs, apart
/// from the quantization of its inputs. Filled by <see cref="QuantizedUNet.PredictNoise(Tensor, int, OperatorAccuracy?, Action{string, Int8Tensor}?)"/>.
/// </summary>
public sealed class OperatorAccuracy
{
    private readonly Dictionary<string, (long Count, double Sum, double Max)> errors = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>Operator name → values compared, mean and maximum absolute error in output steps.</summary>
    public IReadOnlyDictionary<string, (long Count, double Mean, double Max)> Errors
    {
        get
        {
            lock (gate)
                return errors.ToDictionary(e => e.Key, e => (e.Value.Count, e.Value.Sum / Math.Max(1, e.Value.Count), e.Value.Max), StringComparer.Ordinal);
        }
    }

    /// <summary>Compares integer outputs with real reference values, both in output steps after clamping the reference to the int8 range.</summary>
    public void Record(string name, ReadOnlySpan<sbyte> integer, ReadOnlySpan<float> reference, double outputScale)
    {
        long count = 0;
        double sum = 0, max = 0;
        for (var i = 0; i < integer.Length; i++)
        {
            var error = Math.Abs(integer[i] - Math.Clamp(reference[i] / outputScale, -128, 127));
            sum += error;
            max = Math.Max(max, error);
            count++;
        }
        lock (gate)
        {
            var (c, s, m) = errors.GetValueOrDefault(name);
            errors[name] = (c + count, s + sum, Math.Max(m, max));
        }
    }

    /// <summary>Errors in steps of each value's own scale (a channel's, for a concatenation with split scales).</summary>
    public void Record(string name, Int8Tensor integer, Tensor reference)
    {
        if (integer.ChannelExponents is null || integer.Length == 0)
        {
            Record(name, integer.Data, reference.Data, integer.Scale);
            return;
        }
        int channels = integer.Shape[1], plane = integer.Length / (integer.Shape[0] * channels);
        for (var i = 0; i < integer.Length; i += plane)
            Record(name, integer.Data.AsSpan(i, plane), reference.Data.AsSpan(i, plane), integer.ChannelScale(i / plane % channels));
    }
}
