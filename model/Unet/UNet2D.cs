using System.Text.Json;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Unet;

/// <summary>
/// The FP32 UNet2DModel of diffusers (DDPM/DDIM family), with diffusers' parameter names: it loads a
/// diffusers model folder (<c>config.json</c> + <c>diffusion_pytorch_model.safetensors</c>) as downloaded.
/// </summary>
public sealed class UNet2D : Sampling.INoisePredictor
{
    public const string WeightsFile = "diffusion_pytorch_model.safetensors";

    // Older diffusers files name the attention projections query/key/value/proj_attn.
    private static readonly (string Old, string New)[] LegacyNames = [(".query.", ".to_q."), (".key.", ".to_k."), (".value.", ".to_v."), (".proj_attn.", ".to_out.0.")];

    private readonly IReadOnlyDictionary<string, Tensor> parameters;

    public UNet2D(UNetConfig config, IReadOnlyDictionary<string, Tensor> parameters)
    {
        config.Validate("UNet2D");
        Config = config;
        this.parameters = parameters;
    }

    public UNetConfig Config { get; }

    public long ParameterCount => parameters.Values.Sum(p => (long)p.Length);

    public IReadOnlyDictionary<string, Tensor> Parameters => parameters;

    /// <summary>Every parameter the configuration has, with its shape, in diffusers' names.</summary>
    public static IReadOnlyDictionary<string, int[]> ParameterShapes(UNetConfig c)
    {
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        void Vector(string name, int n) => shapes[name] = [n];
        void Linear(string name, int outputs, int inputs)
        {
            shapes[$"{name}.weight"] = [outputs, inputs];
            Vector($"{name}.bias", outputs);
        }
        void Conv(string name, int outputs, int inputs, int k)
        {
            shapes[$"{name}.weight"] = [outputs, inputs, k, k];
            Vector($"{name}.bias", outputs);
        }
        void Norm(string name, int channels)
        {
            Vector($"{name}.weight", channels);
            Vector($"{name}.bias", channels);
        }
        void Resnet(string name, int cin, int cout)
        {
            Norm($"{name}.norm1", cin);
            Conv($"{name}.conv1", cout, cin, 3);
            Linear($"{name}.time_emb_proj", cout, c.TimeEmbedDim);
            Norm($"{name}.norm2", cout);
            Conv($"{name}.conv2", cout, cout, 3);
            if (cin != cout)
                Conv($"{name}.conv_shortcut", cout, cin, 1);
        }
        void Attention(string name, int channels)
        {
            Norm($"{name}.group_norm", channels);
            foreach (var projection in new[] { "to_q", "to_k", "to_v", "to_out.0" })
                Linear($"{name}.{projection}", channels, channels);
        }

        var c0 = c.BlockOutChannels[0];
        var levels = c.BlockOutChannels.Length;
        Linear("time_embedding.linear_1", c.TimeEmbedDim, c0);
        Linear("time_embedding.linear_2", c.TimeEmbedDim, c.TimeEmbedDim);
        Conv("conv_in", c0, c.InChannels, 3);
        var output = c0;
        for (var i = 0; i < levels; i++)
        {
            var input = output;
            output = c.BlockOutChannels[i];
            for (var j = 0; j < c.LayersPerBlock; j++)
            {
                Resnet($"down_blocks.{i}.resnets.{j}", j == 0 ? input : output, output);
                if (c.DownBlockTypes[i] == "AttnDownBlock2D")
                    Attention($"down_blocks.{i}.attentions.{j}", output);
            }
            if (i < levels - 1)
                Conv($"down_blocks.{i}.downsamplers.0.conv", output, output, 3);
        }
        var last = c.BlockOutChannels[^1];
        Resnet("mid_block.resnets.0", last, last);
        Attention("mid_block.attentions.0", last);
        Resnet("mid_block.resnets.1", last, last);
        var reversed = c.BlockOutChannels.Reverse().ToArray();
        output = reversed[0];
        for (var i = 0; i < levels; i++)
        {
            var previous = output;
            output = reversed[i];
            var input = reversed[Math.Min(i + 1, levels - 1)];
            for (var j = 0; j <= c.LayersPerBlock; j++)
            {
                var skip = j == c.LayersPerBlock ? input : output;
                Resnet($"up_blocks.{i}.resnets.{j}", (j == 0 ? previous : output) + skip, output);
                if (c.UpBlockTypes[i] == "AttnUpBlock2D")
                    Attention($"up_blocks.{i}.attentions.{j}", output);
            }
            if (i < levels - 1)
                Conv($"up_blocks.{i}.upsamplers.0.conv", output, output, 3);
        }
        Norm("conv_norm_out", c0);
        Conv("conv_out", c.OutChannels, c0, 3);
        return shapes;
    }

    /// <summary>Loads a diffusers model folder; missing, extra or mis-shaped tensors are reported together.</summary>
    public static UNet2D Load(string folder)
    {
        var config = UNetConfig.Load(Path.Combine(folder, "config.json"));
        var file = SafeTensorsFile.Read(Path.Combine(folder, WeightsFile));
        var expected = ParameterShapes(config);
        var names = file.RequireExactly(expected, Modern);
        return new UNet2D(config, expected.Keys.ToDictionary(n => n, n => file.GetFloat(names[n]), StringComparer.Ordinal));
    }

    /// <summary>Writes this model as a diffusers folder.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, contents) in Files())
            File.WriteAllBytes(Path.Combine(folder, name), contents);
    }

    /// <summary>The diffusers folder's two files by name, for a caller that writes them all or nothing.</summary>
    public IReadOnlyList<(string Name, byte[] Contents)> Files() =>
    [
        ("config.json", JsonSerializer.SerializeToUtf8Bytes(Config with { }, new JsonSerializerOptions { WriteIndented = true })),
        (WeightsFile, SafeTensorsWriter.Bytes(parameters.Select(p => (p.Key, p.Value)), new Dictionary<string, string> { ["format"] = "pt" })),
    ];

    /// <summary>Random weights with the configuration's exact names and shapes (norm scales 1, biases small).</summary>
    public static UNet2D Random(UNetConfig config, int seed)
    {
        var random = new Random(seed);
        var parameters = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in ParameterShapes(config))
        {
            var tensor = new Tensor(shape);
            var fanIn = shape.Length > 1 ? shape.Skip(1).Aggregate(1, (a, b) => a * b) : 1;
            var isNormScale = name.EndsWith(".weight", StringComparison.Ordinal) && shape.Length == 1;
            for (var i = 0; i < tensor.Length; i++)
                tensor.Data[i] = isNormScale ? 1f + (0.1f * Gaussian(random)) : shape.Length == 1 ? 0.02f * Gaussian(random) : Gaussian(random) / MathF.Sqrt(fanIn);
            parameters[name] = tensor;
        }
        return new UNet2D(config, parameters);
    }

    /// <summary>The predicted noise for a batch of samples [B, C, H, W] at the given timesteps (one per sample).</summary>
    public Tensor Forward(Tensor sample, IReadOnlyList<float> timesteps, IActivationObserver? observer = null)
        => UNetGraph.Forward(Config, new Fp32Operators(Config, parameters, timesteps, observer), sample, parameters.ContainsKey);

    public Tensor PredictNoise(Tensor sample, int timestep) => Forward(sample, [.. Enumerable.Repeat((float)timestep, sample.Shape[0])]);

    private static string Modern(string name) => LegacyNames.Aggregate(name, (n, map) => n.Replace(map.Old, map.New, StringComparison.Ordinal));

    private static float Gaussian(Random random)
        => MathF.Sqrt(-2f * MathF.Log(1f - random.NextSingle())) * MathF.Cos(2f * MathF.PI * random.NextSingle());
}
