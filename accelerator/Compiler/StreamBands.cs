namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// How a pass that streams whole pixels (GroupNorm, tables, adds, concatenation) splits a tensor over
/// the <see cref="Parts"/> PE groups a sample has (batch smaller than the groups) and their buffers.
/// When several groups hold it, the tensor stays in the buffers whole, cut into at least
/// <see cref="ResidentChunks"/> bands that take turns over the groups: the vector unit works on one
/// group's band while the next loads into another's and the one before leaves a third (one band would
/// load, work and store one after another; on one group the load would wait for the vector unit's writes).
/// Else, as on one group a tensor that fits does, one band, or bands in two regions of each group taking
/// turns, so the load of the next band overlaps the work on this one.
/// </summary>
internal sealed record StreamBands(int Pixels, int BandPixels, int Slots, int Parts, int RegionRows)
{
    /// <summary>
    /// Bands of a tensor that stays in the buffers: each adds an instruction per engine and a DDR round
    /// trip (about 150 cycles on the board), and takes the unoverlapped head and tail down to a band's work.
    /// </summary>
    public const int ResidentChunks = 4;

    public int Count => (Pixels + BandPixels - 1) / BandPixels;

    /// <summary>Every band has rows of its own: nothing is reloaded and no band waits for a region to empty.</summary>
    public bool Resident => Slots >= Count;

    public (int First, int Pixels) this[int band] => (band * BandPixels, Math.Min(BandPixels, Pixels - (band * BandPixels)));

    /// <summary>Which of the sample's groups band <paramref name="band"/> lies in (0 .. Parts - 1).</summary>
    public int Part(int band) => band % Slots % Parts;

    /// <summary>The first buffer row of band <paramref name="band"/>'s region in its group.</summary>
    public int Region(int band) => band % Slots / Parts * RegionRows;

    /// <summary>Whether band <paramref name="band"/>'s load waits for the store of the band that had its region before.</summary>
    public bool ReusesRegion(int band) => band >= Slots;

    /// <summary>Whether band <paramref name="band"/>'s store gives its region to a later band's load.</summary>
    public bool FreesRegion(int band) => band + Slots < Count;

    /// <summary>
    /// Bands for <paramref name="rowsPerPixel"/> buffer rows per pixel over <paramref name="parts"/> groups of
    /// <paramref name="bufferRows"/> rows: at least <paramref name="chunks"/> when several groups hold the tensor,
    /// each a multiple of <paramref name="rowPixels"/> pixels (whole image rows, which a convolution can read where they lie).
    /// </summary>
    public static StreamBands For(string layer, int pixels, int rowsPerPixel, int bufferRows, string preset, int parts, int chunks = ResidentChunks, int rowPixels = 1)
    {
        if (parts > 1)
        {
            var count = Math.Min(pixels, parts * ((chunks + parts - 1) / parts));
            var bandPixels = (pixels + count - 1) / count;
            bandPixels = (bandPixels + rowPixels - 1) / rowPixels * rowPixels;
            var bands = (pixels + bandPixels - 1) / bandPixels;
            if ((long)bandPixels * rowsPerPixel * ((bands + parts - 1) / parts) <= bufferRows)
                return new StreamBands(pixels, bandPixels, bands, parts, bandPixels * rowsPerPixel);
        }
        else if ((long)pixels * rowsPerPixel <= bufferRows)
        {
            return new StreamBands(pixels, pixels, 1, 1, pixels * rowsPerPixel);
        }
        var band = bufferRows / 2 / rowsPerPixel;
        if (band < 1)
            throw new CompileException(layer, $"one pixel takes {rowsPerPixel} buffer rows; two do not fit the {bufferRows} activation buffer rows of preset {preset}");
        return new StreamBands(pixels, band, 2 * parts, parts, band * rowsPerPixel);
    }

    public override string ToString() => Resident
        ? Count == 1 ? "whole tensor" : $"whole tensor in {Count} bands of {BandPixels} pixels over {Parts} groups"
        : $"{Count} x {BandPixels} pixels (2 buffers{(Parts > 1 ? $" in each of {Parts} groups" : "")})";
}
