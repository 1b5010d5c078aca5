namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// How a pass that streams whole pixels (GroupNorm, tables, adds, concatenation) splits a tensor.
/// When it fits the buffer it stays there whole, cut into <see cref="ResidentChunks"/> bands of their own
/// rows, so the vector unit starts on the first band while the others load and the store of a band
/// starts as soon as it is done (one band would load, work and store one after another). Else bands of
/// pixels in two regions that alternate, so the load of the next band overlaps the work on this one.
/// </summary>
internal sealed record StreamBands(int Pixels, int BandPixels, int Copies, int RegionRows)
{
    /// <summary>
    /// Bands of a tensor that fits: each adds an instruction per engine and a DDR round trip to the
    /// pass (about 150 cycles on the board), and takes the unoverlapped tail down to a band's work.
    /// </summary>
    public const int ResidentChunks = 4;

    public int Count => (Pixels + BandPixels - 1) / BandPixels;

    /// <summary>Every band has rows of its own: nothing is reloaded and no band waits for a region to empty.</summary>
    public bool Resident => Copies >= Count;

    public (int First, int Pixels) this[int band] => (band * BandPixels, Math.Min(BandPixels, Pixels - (band * BandPixels)));

    /// <summary>The first buffer row of band <paramref name="band"/>'s region.</summary>
    public int Region(int band) => band % Copies * RegionRows;

    /// <summary>Whether band <paramref name="band"/>'s load waits for the store of the band that had its region before.</summary>
    public bool ReusesRegion(int band) => band >= Copies;

    /// <summary>Whether band <paramref name="band"/>'s store gives its region to a later band's load.</summary>
    public bool FreesRegion(int band) => band + Copies < Count;

    /// <summary>Bands for <paramref name="rowsPerPixel"/> buffer rows per pixel in a buffer of <paramref name="bufferRows"/>.</summary>
    public static StreamBands For(string layer, int pixels, int rowsPerPixel, int bufferRows, string preset)
    {
        if ((long)pixels * rowsPerPixel <= bufferRows)
        {
            var bandPixels = (pixels + ResidentChunks - 1) / ResidentChunks;
            var count = (pixels + bandPixels - 1) / bandPixels;
            return new StreamBands(pixels, bandPixels, count, bandPixels * rowsPerPixel);
        }
        var band = bufferRows / 2 / rowsPerPixel;
        if (band < 1)
            throw new CompileException(layer, $"one pixel takes {rowsPerPixel} buffer rows; two do not fit the {bufferRows} activation buffer rows of preset {preset}");
        return new StreamBands(pixels, band, 2, band * rowsPerPixel);
    }

    public override string ToString() => Resident
        ? Count == 1 ? "whole tensor" : $"whole tensor in {Count} bands of {BandPixels} pixels"
        : $"{Count} x {BandPixels} pixels (2 buffers)";
}
