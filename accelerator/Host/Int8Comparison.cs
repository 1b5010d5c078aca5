using DiffAcc.Model.Int8;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Accelerator.Host;

/// <summary>Where a run first differs from the int8 model: the activation in program order, the sample and the element.</summary>
public sealed record Int8Mismatch(string Tensor, int Sample, int Channel, int Y, int X, int Actual, int Expected, int Differing, int Total)
{
    public override string ToString()
        => $"{Tensor}, sample {Sample}: {Differing} of {Total} stored values differ; first at channel {Channel}, row {Y}, column {X}: {Actual}, the int8 model {Expected}";
}

/// <summary>
/// Checks a step of a compiled program against <see cref="QuantizedUNet"/>: the int8 model runs on the
/// same input, and every activation the program left in DDR (each pixel a STORE wrote) is compared with
/// the model's, in the order the program writes them, so the first difference names the layer that made it.
/// </summary>
public static class Int8Comparison
{
    /// <summary>Null when every activation of every sample of the latest step's runs equals the int8 model's.</summary>
    public static Int8Mismatch? Check(CompiledNoisePredictor predictor, QuantizedUNet model, Tensor sample, int timestep)
    {
        var compiled = predictor.Compiled;
        var plane = sample.Length / sample.Shape[0];
        foreach (var (_, first, count, run) in predictor.Runs)
        {
            for (var b = 0; b < count; b++)
            {
                var one = new Tensor([1, .. sample.Shape[1..]], sample.Data.AsSpan((first + b) * plane, plane).ToArray());
                var expected = new Dictionary<string, Int8Tensor>(StringComparer.Ordinal);
                model.PredictNoise(one, timestep, null, (point, t) => expected[point] = t);
                foreach (var tensor in compiled.Tensors.Values.OrderBy(t => t.Offset))
                {
                    var actual = compiled.Read(run.Ddr, predictor.Layout, tensor, b);
                    var reference = expected[tensor.Point].Data;
                    var stored = compiled.StoredPixels(tensor, b);
                    var (differing, compared, at) = (0, 0, -1);
                    for (var i = 0; i < reference.Length; i++)
                    {
                        if (!stored[i % tensor.Pixels])
                            continue;
                        compared++;
                        if (actual[i] == reference[i])
                            continue;
                        differing++;
                        if (at < 0)
                            at = i;
                    }
                    if (differing > 0)
                        return new Int8Mismatch(tensor.Point, first + b, at / tensor.Pixels, at % tensor.Pixels / tensor.Width, at % tensor.Width, actual[at], reference[at], differing, compared);
                }
            }
        }
        return null;
    }
}
