using DiffAcc.Hdl.Emit;
using DiffAcc.Model.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiffAcc.Cli;

/// <summary>Writes a batch of images in [-1, 1] ([B, C, H, W], C = 1 or 3) as one PNG grid.</summary>
internal static class ImageGrid
{
    public static void Save(Tensor images, string path) => StagedWrite.Files([(Path.GetFullPath(path), Png(images))]);

    /// <summary>The grid's PNG bytes.</summary>
    public static byte[] Png(Tensor images, int gap = 2)
    {
        int count = images.Shape[0], channels = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        if (channels is not (1 or 3))
            throw new ArgumentException($"a PNG grid takes 1 or 3 channels, not {channels}");
        var columns = (int)Math.Ceiling(Math.Sqrt(count));
        var rows = (count + columns - 1) / columns;
        using var grid = new Image<Rgb24>((columns * (w + gap)) + gap, (rows * (h + gap)) + gap, new Rgb24(255, 255, 255));
        byte Level(float v) => (byte)Math.Clamp(MathF.Round((v + 1) * 127.5f), 0, 255);
        for (var n = 0; n < count; n++)
        {
            int left = gap + (n % columns * (w + gap)), top = gap + (n / columns * (h + gap));
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    float At(int c) => images.Data[(((((n * channels) + c) * h) + y) * w) + x];
                    grid[left + x, top + y] = channels == 1 ? new Rgb24(Level(At(0)), Level(At(0)), Level(At(0))) : new Rgb24(Level(At(0)), Level(At(1)), Level(At(2)));
                }
            }
        }
        using var png = new MemoryStream();
        grid.SaveAsPng(png);
        return png.ToArray();
    }
}
