namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// How a pass that streams whole pixels (GroupNorm, tables, adds, concatenation) splits a tensor:
/// all of it in one buffer region when it fits, else bands of pixels in two regions that alternate,
/// so the load of the next band overlaps the work on this one.
/// </summary>
internal sealed record StreamBands(int Pixels, int BandPixels, int Copies, int RegionRows)
{
    public int Count => (Pixels + BandPixels - 1) / BandPixels;

    public (int First, int Pixels) this[int band] => (band * BandPixels, Math.Min(BandPixels, Pixels - (band * BandPixels)));

    /// <summary>The first buffer row of band <paramref name="band"/>'s region.</summary>
    public int Region(int band) => band % Copies * RegionRows;

    /// <summary>Bands for <paramref name="rowsPerPixel"/> buffer rows per pixel in a buffer of <paramref name="bufferRows"/>.</summary>
    public static StreamBands For(string layer, int pixels, int rowsPerPixel, int bufferRows, string preset)
    {
        if ((long)pixels * rowsPerPixel <= bufferRows)
            return new StreamBands(pixels, pixels, 1, pixels * rowsPerPixel);
        var band = bufferRows / 2 / rowsPerPixel;
        if (band < 1)
            throw new CompileException(layer, $"one pixel takes {rowsPerPixel} buffer rows; two do not fit the {bufferRows} activation buffer rows of preset {preset}");
        return new StreamBands(pixels, band, 2, band * rowsPerPixel);
    }

    public override string ToString() => Count == 1 ? "whole tensor" : $"{Count} x {BandPixels} pixels (2 buffers)";
}
