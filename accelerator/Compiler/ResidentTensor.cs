namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// A tensor that, besides its copy in DDR, still lies in the activation buffers when the layer that
/// wrote it ends: each part whole image rows of one sample in one group, from buffer row
/// <see cref="ResidentPart.ActRow"/> on, a pixel's channel blocks together. A later layer reads it
/// there instead of loading it, as long as no instruction since wrote over those rows
/// (<see cref="LoweringContext.ResidentCopy"/> checks by the instructions' footprints).
/// </summary>
internal sealed record ResidentTensor(DdrTensor Tensor, IReadOnlyList<ResidentPart> Parts)
{
    /// <summary>
    /// Image rows a layer that places a resident output leaves free above and below each part, so a 3x3
    /// convolution reading it finds its window there and loads only the halo rows from DDR.
    /// </summary>
    public const int HaloRows = 1;

    /// <summary>Buffer rows of one image row.</summary>
    public int RowBuffer => Tensor.Width * Tensor.Blocks;

    /// <summary>The part of sample <paramref name="sample"/> in group <paramref name="group"/>, if one lies there.</summary>
    public ResidentPart? Find(int sample, int group) => Parts.FirstOrDefault(p => p.Sample == sample && p.Group == group);

    /// <summary>The buffer rows part <paramref name="part"/> takes: first and one past the last.</summary>
    public (int First, int End) Rows(ResidentPart part) => (part.ActRow, part.ActRow + (part.Rows * RowBuffer));

    /// <summary>
    /// Where a layer that reads this tensor in place puts an output of <paramref name="rowBuffer"/> buffer rows per
    /// image row with the same parts: the first row of each part's rows, the same in every group, with
    /// <see cref="HaloRows"/> free above and below and no row of the parts it reads; null when the buffer has no such place.
    /// </summary>
    public int? PlaceBeside(int rowBuffer, int bufferRows)
    {
        var halo = HaloRows * rowBuffer;
        var span = (Parts.Max(p => p.Rows) * rowBuffer) + (2 * halo);
        var taken = Parts.Select(Rows).ToList();
        foreach (var start in (IEnumerable<int>)[0, .. taken.Select(t => t.End)])
        {
            if (start + span <= bufferRows && taken.All(t => start + span <= t.First || start >= t.End))
                return start + halo;
        }
        return null;
    }
}

/// <summary>Image rows <see cref="FirstRow"/> .. + <see cref="Rows"/> − 1 of sample <see cref="Sample"/>, in group <see cref="Group"/> from buffer row <see cref="ActRow"/>.</summary>
internal sealed record ResidentPart(int Sample, int Group, int FirstRow, int Rows, int ActRow);
