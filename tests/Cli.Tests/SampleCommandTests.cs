using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiffAcc.Cli.Tests;

public sealed class SampleCommandTests
{
    internal static string TinyUnet([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.Combine(Path.GetDirectoryName(file)!, "..", "Model.Tests", "Reference", "tiny-unet");

    [Fact]
    public void Sampling_writes_a_PNG_grid_of_the_requested_images()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("diffacc-sample-").FullName, "grid.png");
        var (code, _, error) = CommandLine.Run("sample", "--model", TinyUnet(), "--steps", "5", "--count", "5", "--seed", "3", "--out", output);
        Assert.True(code == 0, error);
        using var image = Image.Load<Rgb24>(output);
        // 5 images of 8 x 8 in a 3-column grid with 2-pixel gaps: 3 * 10 + 2 wide, 2 * 10 + 2 high.
        Assert.Equal(32, image.Width);
        Assert.Equal(22, image.Height);
        Assert.NotEqual(image[2, 2], image[12, 2]);
    }

    [Fact]
    public void A_bad_model_folder_fails_with_the_file_and_problem()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-empty-").FullName;
        var (code, _, error) = CommandLine.Run("sample", "--model", folder, "--sampler", "ddpm", "--steps", "10", "--count", "1", "--out", Path.Combine(folder, "x.png"));
        Assert.Equal(1, code);
        Assert.Contains("config.json", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void A_scheduler_config_the_samplers_cannot_follow_fails_with_the_file_and_field()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-scheduler-").FullName;
        foreach (var file in Directory.GetFiles(TinyUnet()))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(folder, "scheduler_config.json"), """{"prediction_type": "sample"}""");
        var (code, _, error) = CommandLine.Run("sample", "--model", folder, "--steps", "2", "--count", "1", "--out", Path.Combine(folder, "x.png"));
        Assert.Equal(1, code);
        Assert.Contains("scheduler_config.json: 'prediction_type': 'sample' is not supported (epsilon or v_prediction)", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(File.Exists(Path.Combine(folder, "x.png")));
    }
}
