namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// An int8 activation in the work region (BASE1), one copy per sample of the batch: HWC, each pixel
/// <see cref="Blocks"/> channel blocks of Tn bytes. Logical channel c lies at byte
/// <c>ChannelMap[c]</c> of its pixel; the bytes no channel maps to are 0 (a concatenation of parts
/// whose channels are not whole blocks leaves gaps). Its scale is the activation point <see cref="Point"/>'s.
/// </summary>
public sealed record DdrTensor(string Point, int Channels, int Height, int Width, int Blocks, int Tn, IReadOnlyList<int> ChannelMap, long Offset, long SampleStride)
{
    public int Pixels => Height * Width;

    public int PixelBytes => Blocks * Tn;

    public long Bytes => (long)Pixels * PixelBytes;

    /// <summary>The work-region offset of sample <paramref name="sample"/>'s copy.</summary>
    public long At(int sample) => Offset + (sample * SampleStride);

    /// <summary>The logical channel at each physical byte of a pixel, or -1 for a gap.</summary>
    public int[] LogicalOfPhysical()
    {
        var logical = Enumerable.Repeat(-1, PixelBytes).ToArray();
        for (var c = 0; c < Channels; c++)
            logical[ChannelMap[c]] = c;
        return logical;
    }

    /// <summary>Whether logical channels 0 .. C-1 lie at bytes 0 .. C-1 (no gaps).</summary>
    public bool Contiguous => ChannelMap.Select((p, c) => p == c).All(x => x);

    /// <summary>Channels 0 .. C-1 at bytes 0 .. C-1, padded with zeros to whole blocks.</summary>
    public static IReadOnlyList<int> Identity(int channels) => [.. Enumerable.Range(0, channels)];
}

/// <summary>What a UNet operator hands the next: a tensor in DDR, or one whose last step is deferred into its consumer.</summary>
public abstract record LoweredValue
{
    /// <summary>The activation point whose scale the value has.</summary>
    public abstract string Point { get; }
}

/// <summary>A tensor written to DDR.</summary>
public sealed record StoredValue(DdrTensor Tensor) : LoweredValue
{
    public override string Point => Tensor.Point;
}

/// <summary>Nearest 2x upsampling of a stored tensor, left to the convolution that reads it (an addressing mode).</summary>
public sealed record UpsampledValue(DdrTensor Source) : LoweredValue
{
    public override string Point => Source.Point;
}

/// <summary>A GroupNorm not yet applied: its consumer decides whether an activation table joins it in the same pass.</summary>
public sealed record NormalizedValue(string Name, DdrTensor Source) : LoweredValue
{
    public override string Point => Name;
}

/// <summary>
/// A residual add not yet lowered: a concatenation after it is its only reader, as the first part, and writes the
/// sums into that part's channel blocks in the same pass, through a table that rescales them (no pass of their own).
/// </summary>
public sealed record PendingAddValue(string Name, DdrTensor A, DdrTensor B) : LoweredValue
{
    public override string Point => Name;
}
