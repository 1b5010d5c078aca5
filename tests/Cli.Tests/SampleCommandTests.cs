using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiffAcc.Cli.Tests;

public sealed class SampleCommandTests
{
    private static DirectoryInfo TinyUnet([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => new(Path.Combine(Path.GetDirectoryName(file)!, "..", "Model.Tests", "Reference", "tiny-unet"));

    [Fact]
    public void Sampling_writes_a_PNG_grid_of_the_requested_images()
    {
        var output = new FileInfo(Path.Combine(Directory.CreateTempSubdirectory("diffacc-sample-").FullName, "grid.png"));
        Assert.Equal(0, SampleCommand.Run(TinyUnet(), null, "ddim", 5, 0, 5, 3, output));
        using var image = Image.Load<Rgb24>(output.FullName);
        // 5 images of 8 x 8 in a 3-column grid with 2-pixel gaps: 3 * 10 + 2 wide, 2 * 10 + 2 high.
        Assert.Equal(32, image.Width);
        Assert.Equal(22, image.Height);
        Assert.NotEqual(image[2, 2], image[12, 2]);
    }

    [Fact]
    public void A_bad_model_folder_fails_with_the_file_and_problem()
    {
        var errors = new StringWriter();
        var saved = Console.Error;
        Console.SetError(errors);
        try
        {
            var folder = Directory.CreateTempSubdirectory("diffacc-empty-");
            Assert.Equal(1, SampleCommand.Run(folder, null, "ddpm", 10, 0, 1, 1, new FileInfo(Path.Combine(folder.FullName, "x.png"))));
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains("config.json", errors.ToString());
        Assert.DoesNotContain("   at ", errors.ToString());
    }
}
