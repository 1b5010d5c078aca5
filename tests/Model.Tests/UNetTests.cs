using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Model.Tests;

public sealed class UNetTests
{
    private static string Reference([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Environment.GetEnvironmentVariable("DIFFACC_TORCH_UNET") is { Length: > 0 } fresh ? fresh : Path.Combine(Path.GetDirectoryName(file)!, "Reference", "tiny-unet");

    [Fact]
    public void The_FP32_UNet_matches_PyTorch_on_the_same_weights_and_inputs()
    {
        var unet = UNet2D.Load(Reference());
        var io = SafeTensorsFile.Read(Path.Combine(Reference(), "io.safetensors"));
        var expected = io.GetFloat("output");
        var actual = unet.Forward(io.GetFloat("sample"), io.GetFloat("timesteps").Data);
        Assert.Equal(expected.Shape, actual.Shape);
        var scale = expected.Data.Max(MathF.Abs);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected.Data[i] - actual.Data[i]) <= 1e-4f * Math.Max(MathF.Abs(expected.Data[i]), scale * 1e-2f), $"output[{i}]: {actual.Data[i]} vs PyTorch {expected.Data[i]}");
    }

    [Fact]
    public void A_folder_with_the_names_and_shapes_of_ddpm_cifar10_32_loads_and_runs()
    {
        var config = UNetConfig.DdpmCifar10;
        Assert.Equal(35_746_307, UNet2D.ParameterShapes(config).Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
        var folder = Directory.CreateTempSubdirectory("diffacc-cifar-").FullName;
        UNet2D.Random(config, 1).Save(folder);
        var unet = UNet2D.Load(folder);
        Assert.Equal(35_746_307, unet.ParameterCount);
        var output = unet.Forward(new Tensor([1, 3, 32, 32], [.. Enumerable.Range(0, 3 * 32 * 32).Select(i => MathF.Sin(i))]), [500f]);
        Assert.Equal([1, 3, 32, 32], output.Shape);
        Assert.All(output.Data, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Legacy_attention_names_load_and_bad_folders_name_the_problem()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-unet-").FullName;
        var reference = UNet2D.Load(Reference());
        var renamed = reference.Parameters.Select(p => (p.Key.Replace(".to_q.", ".query.", StringComparison.Ordinal).Replace(".to_out.0.", ".proj_attn.", StringComparison.Ordinal), p.Value));
        File.Copy(Path.Combine(Reference(), "config.json"), Path.Combine(folder, "config.json"));
        SafeTensorsWriter.Write(Path.Combine(folder, UNet2D.WeightsFile), renamed);
        Assert.Equal(reference.ParameterCount, UNet2D.Load(folder).ParameterCount);

        SafeTensorsWriter.Write(Path.Combine(folder, UNet2D.WeightsFile), reference.Parameters.Where(p => p.Key != "conv_in.bias").Select(p => (p.Key, p.Value)).Append(("surplus", new Tensor([1]))));
        var error = Assert.Throws<ModelFileException>(() => UNet2D.Load(folder));
        Assert.Contains("missing tensor 'conv_in.bias' [8]", error.Message);
        Assert.Contains("unexpected tensor 'surplus'", error.Message);

        File.WriteAllText(Path.Combine(folder, "config.json"), """{ "block_out_channels": [8, 16], "norm_num_groups": 3 }""");
        Assert.Contains("'down_block_types'", Assert.Throws<ModelFileException>(() => UNet2D.Load(folder)).Message);
        File.WriteAllText(Path.Combine(folder, "config.json"), """{ "layers_per_block": "two" }""");
        Assert.Contains("config.json: 'layers_per_block': bad config", Assert.Throws<ModelFileException>(() => UNet2D.Load(folder)).Message);
    }

    /// <summary>Values no UNet has are refused with the file and field, before any tensor is read or any division by them.</summary>
    [Theory]
    [InlineData("""{ "norm_num_groups": 0 }""", "'norm_num_groups': must be at least 1, not 0")]
    [InlineData("""{ "sample_size": -32 }""", "'sample_size': must be at least 1, not -32")]
    [InlineData("""{ "layers_per_block": -1 }""", "'layers_per_block': must be at least 1, not -1")]
    [InlineData("""{ "sample_size": 36 }""", "'sample_size': 36 does not halve 3 time(s) to a whole number of pixels")]
    [InlineData("""{ "block_out_channels": [32, 0, 64, 64] }""", "'block_out_channels': every level needs at least 1 channel")]
    [InlineData("""{ "attention_head_dim": 0 }""", "'attention_head_dim': must be at least 1, not 0")]
    public void A_config_with_an_impossible_value_names_the_file_and_field(string json, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-config-").FullName;
        File.WriteAllText(Path.Combine(folder, "config.json"), json);
        var error = Assert.Throws<ModelFileException>(() => UNet2D.Load(folder));
        Assert.Contains($"config.json: {expected}", error.Message, StringComparison.Ordinal);
    }
}
