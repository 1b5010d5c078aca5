using System.Text.Json;
using System.Text.Json.Serialization;
using DiffAcc.Model.Fp32;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Quality;

/// <summary>
/// The small Fashion-MNIST classifier whose pooled features define the Frechet distance of the
/// quantization report: 3x3 convolutions with SiLU, then the mean over pixels
/// (trained by model/pytorch/train_fashion_mnist.py).
/// </summary>
public sealed class FeatureNetwork
{
    public const string ConfigFile = "config.json";

    public const string WeightsFile = "model.safetensors";

    private readonly IReadOnlyList<Layer> layers;
    private readonly IReadOnlyDictionary<string, Tensor> parameters;

    private FeatureNetwork(IReadOnlyList<Layer> layers, IReadOnlyDictionary<string, Tensor> parameters)
    {
        this.layers = layers;
        this.parameters = parameters;
    }

    public int FeatureCount => layers[^1].Out;

    public static FeatureNetwork Load(string folder)
    {
        var configPath = Path.Combine(folder, ConfigFile);
        if (!File.Exists(configPath))
            throw new ModelFileException(configPath, null, "file not found");
        Config? config;
        try
        {
            config = JsonSerializer.Deserialize<Config>(File.ReadAllText(configPath));
        }
        catch (JsonException e)
        {
            throw new ModelFileException(configPath, e.Path, $"not a valid feature network config: {e.Message.Split(" Path:")[0]}");
        }
        if (config?.Layers is not { Count: > 0 } list)
            throw new ModelFileException(configPath, "layers", "at least one layer is needed");
        var expected = new Dictionary<string, int[]>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].In < 1 || list[i].Out < 1 || list[i].Stride < 1 || (i > 0 && list[i].In != list[i - 1].Out))
                throw new ModelFileException(configPath, $"layers[{i}]", "channels and stride must be positive and chain from layer to layer");
            expected[$"convs.{i}.weight"] = [list[i].Out, list[i].In, 3, 3];
            expected[$"convs.{i}.bias"] = [list[i].Out];
        }
        expected["classifier.weight"] = [config.Classes, list[^1].Out];
        expected["classifier.bias"] = [config.Classes];
        var file = SafeTensorsFile.Read(Path.Combine(folder, WeightsFile));
        file.RequireExactly(expected);
        return new FeatureNetwork(list, expected.Keys.ToDictionary(n => n, file.GetFloat, StringComparer.Ordinal));
    }

    /// <summary>The most likely class of each image (the classifier the features were trained with).</summary>
    public int[] Classify(Tensor images)
    {
        var features = Features(images);
        var weight = parameters["classifier.weight"];
        var bias = parameters["classifier.bias"];
        var classes = bias.Length;
        return [.. features.Select(f => Enumerable.Range(0, classes).MaxBy(k => bias.Data[k] + f.Select((v, i) => v * weight.Data[(k * f.Length) + i]).Sum()))];
    }

    /// <summary>One feature vector per image of [N, C, H, W] in [-1, 1].</summary>
    public double[][] Features(Tensor images)
    {
        var x = images;
        for (var i = 0; i < layers.Count; i++)
            x = Fp32Ops.Silu(Fp32Ops.Conv2d(x, parameters[$"convs.{i}.weight"], parameters[$"convs.{i}.bias"], layers[i].Stride, 1));
        int count = x.Shape[0], channels = x.Shape[1], plane = x.Shape[2] * x.Shape[3];
        var features = new double[count][];
        for (var n = 0; n < count; n++)
        {
            features[n] = new double[channels];
            for (var c = 0; c < channels; c++)
            {
                double sum = 0;
                foreach (var v in x.Data.AsSpan(((n * channels) + c) * plane, plane))
                    sum += v;
                features[n][c] = sum / plane;
            }
        }
        return features;
    }

    private sealed record Layer([property: JsonPropertyName("in")] int In, [property: JsonPropertyName("out")] int Out, [property: JsonPropertyName("stride")] int Stride);

    private sealed record Config([property: JsonPropertyName("layers")] List<Layer>? Layers, [property: JsonPropertyName("classes")] int Classes);
}
