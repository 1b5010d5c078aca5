using DiffAcc.Model.Unet;

namespace DiffAcc.Cli.Tests;

public sealed class ModelCommandTests
{
    [Fact]
    public void Model_random_writes_a_folder_of_the_given_shape_that_loads()
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("diffacc-model-").FullName, "random");
        var (code, output, error) = CommandLine.Run("model", "random", "--config", Path.Combine(SampleCommandTests.TinyUnet(), "config.json"), "--seed", "4", "--out", folder);
        Assert.True(code == 0, error);
        var model = UNet2D.Load(folder);
        Assert.Equal(UNet2D.Load(SampleCommandTests.TinyUnet()).ParameterCount, model.ParameterCount);
        Assert.Contains($"{model.ParameterCount:#,0} parameters (random)", output);
    }

    [Fact]
    public void A_bad_shape_file_names_the_file()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-model-").FullName;
        var (code, _, error) = CommandLine.Run("model", "random", "--config", Path.Combine(folder, "missing.json"), "--out", folder);
        Assert.Equal(1, code);
        Assert.Contains("missing.json", error);
        Assert.DoesNotContain("   at ", error);
    }
}
