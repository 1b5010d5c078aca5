namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// A tensor that, besides its copy in DDR, still lies in the activation buffers when the layer that
/// wrote it ends: each part whole image rows of one sample in one group, from buffer row
/// <see cref="ResidentPart.ActRow"/> on, a pixel's channel blocks together. A later layer reads it
/// there instead of loading it, as long as no instruction since wrote over those rows
/// (<see cref="LoweringContext.ResidentCopy"/> checks by the instructions' footprints).
/// </summary>
internal sealed record ResidentTensor(DdrTensor Tensor, IReadOnlyList<ResidentPart> Parts, IReadOnlyList<BlockRange>? Written = null)
{
    /// <summary>
    /// The layer that wrote the tensor wrote every part's first <see cref="ConvLowering.LeadRows"/> rows (and its
    /// edge rows) before the rest: a convolution reading it computes those rows first, under the rest.
    /// </summary>
    public bool LeadRowsFirst { get; init; }

    /// <summary>
    /// The channel blocks in the order the layer that wrote the tensor finished them (a convolution's output-channel
    /// chunks, one CONV each); one range of every block when it wrote them together. A layer that reads the
    /// tensor by these ranges can start on the first while the writer still computes the rest.
    /// </summary>
    public IReadOnlyList<BlockRange> WrittenBlocks => Written ?? [new BlockRange(0, Tensor.Blocks)];

    /// <summary>
    /// Image rows a layer that places a resident output leaves free above and below each part, so a 3x3
    /// convolution reading it finds its window there and loads only the halo rows from DDR.
    /// </summary>
    public const int HaloRows = 1;

    /// <summary>Buffer rows of one image row.</summary>
    public int RowBuffer => Tensor.Width * Tensor.Blocks;

    /// <summary>
    /// The bands a streaming pass loaded, as parts of <paramref name="tensor"/> in the buffers, when every band has
    /// rows of its own, is whole image rows and is the only one of its sample in its group (null otherwise): a
    /// pass that writes its output over them, a pixel's blocks together, can leave that output there.
    /// </summary>
    public static ResidentTensor? OfBands(DdrTensor tensor, StreamBands bands, int batch, int groupsPerSample)
    {
        if (!bands.Resident || bands.Count > groupsPerSample || bands.BandPixels % tensor.Width != 0)
            return null;
        var parts = new List<ResidentPart>();
        for (var sample = 0; sample < batch; sample++)
        {
            for (var b = 0; b < bands.Count; b++)
                parts.Add(new ResidentPart(sample, (sample * groupsPerSample) + bands.Part(b), bands[b].First / tensor.Width, bands[b].Pixels / tensor.Width, bands.Region(b)));
        }
        return new ResidentTensor(tensor, parts);
    }

    /// <summary>Whether <paramref name="other"/> lies in the same samples, groups and image rows, wherever in the buffers.</summary>
    public bool SameParts(ResidentTensor other) => Parts.Select(p => p with { ActRow = 0 }).SequenceEqual(other.Parts.Select(p => p with { ActRow = 0 }));

    /// <summary>The part of sample <paramref name="sample"/> in group <paramref name="group"/>, if one lies there.</summary>
    public ResidentPart? Find(int sample, int group) => Parts.FirstOrDefault(p => p.Sample == sample && p.Group == group);

    /// <summary>The buffer rows part <paramref name="part"/> takes: first and one past the last.</summary>
    public (int First, int End) Rows(ResidentPart part) => (part.ActRow, part.ActRow + (part.Rows * RowBuffer));

    /// <summary>
    /// Where a layer that reads this tensor in place puts an output of <paramref name="rowBuffer"/> buffer rows per
    /// image row with the same parts: the first row of each part's rows, the same in every group, with
    /// <see cref="HaloRows"/> free above and below and no row of the parts it reads; null when the buffer has no such place.
    /// </summary>
    /// <remarks>
    /// Rows in <paramref name="held"/> (tensors a later layer still reads there) and in <paramref name="busy"/> (what
    /// the layer before still reads or writes) are avoided where the buffer has room elsewhere, so those tensors stay
    /// and the output can be written while that layer runs; else the held rows alone, else only the parts are.
    /// Rows in <paramref name="busier"/> (what the layers before that still touch) are avoided first where there
    /// is room, so work that needs none of their results can move under them (<see cref="EarlyVectorWork"/>).
    /// </remarks>
    public int? PlaceBeside(int rowBuffer, int bufferRows, IReadOnlyList<(int First, int End)>? busy = null, IReadOnlyList<(int First, int End)>? held = null, IReadOnlyList<(int First, int End)>? busier = null)
    {
        var halo = HaloRows * rowBuffer;
        var span = (Parts.Max(p => p.Rows) * rowBuffer) + (2 * halo);
        var taken = Parts.Select(Rows).ToList();
        int? Free(IReadOnlyList<(int First, int End)> avoid) => FirstFree([0, .. avoid.Select(t => t.End)], span, bufferRows, avoid) + halo;
        held ??= [];
        return (busier is null ? null : Free([.. taken, .. held, .. busier])) ?? (busy is null ? null : Free([.. taken, .. held, .. busy])) ?? Free([.. taken, .. held]) ?? Free(taken);
    }

    /// <summary>
    /// The first of <paramref name="candidates"/> (in their order) from which <paramref name="span"/> rows fit the
    /// <paramref name="bufferRows"/> and meet none of <paramref name="taken"/>; null when none does.
    /// </summary>
    public static int? FirstFree(IEnumerable<int> candidates, int span, int bufferRows, IReadOnlyList<(int First, int End)> taken)
    {
        foreach (var start in candidates)
        {
            if (start + span <= bufferRows && taken.All(t => start + span <= t.First || start >= t.End))
                return start;
        }
        return null;
    }
}

/// <summary>Channel blocks <see cref="First"/> .. + <see cref="Count"/> − 1 of a tensor.</summary>
internal readonly record struct BlockRange(int First, int Count)
{
    public int End => First + Count;
}

/// <summary>Image rows <see cref="FirstRow"/> .. + <see cref="Rows"/> − 1 of sample <see cref="Sample"/>, in group <see cref="Group"/> from buffer row <see cref="ActRow"/>.</summary>
internal sealed record ResidentPart(int Sample, int Group, int FirstRow, int Rows, int ActRow);
