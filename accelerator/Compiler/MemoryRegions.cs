namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// The DDR base registers of a compiled program. The host points them at the parts of the image and
/// at the work region; STEP and STEP_GROUP pick the copy of the replicated tables.
/// </summary>
public static class BaseRegister
{
    /// <summary>Weights and other constants of every step.</summary>
    public const int Constants = 0;

    /// <summary>Activations: the sample, every layer's output, the noise prediction.</summary>
    public const int Work = 1;

    /// <summary>Tables that depend on the activation scales: one copy per step group (STEP_GROUP-relative).</summary>
    public const int StepGroupTables = 2;

    /// <summary>Requantization entries with the folded time embedding: one copy per denoising step (STEP-relative).</summary>
    public const int StepTables = 3;
}

/// <summary>
/// An append-only region of the image; every placement starts on a 64-byte boundary. Equal contents share one
/// placement: a layer lowered once per sample (<see cref="BatchRuns"/>) asks for its weights and tables again.
/// </summary>
internal sealed class ByteRegion
{
    public const int Alignment = 64;

    private readonly MemoryStream bytes = new();
    private readonly Dictionary<ContentKey, long> placed = [];

    public long Length => bytes.Length;

    public long Put(ReadOnlySpan<byte> data)
    {
        var key = ContentKey.Of(data);
        if (!placed.TryGetValue(key, out var offset))
            placed[key] = offset = Append(data);
        return offset;
    }

    /// <summary>Places <paramref name="data"/> after everything so far, even where equal contents lie.</summary>
    public long Append(ReadOnlySpan<byte> data)
    {
        Align();
        var offset = bytes.Length;
        bytes.Write(data);
        return offset;
    }

    public byte[] Build()
    {
        Align();
        return bytes.ToArray();
    }

    private void Align()
    {
        while (bytes.Length % Alignment != 0)
            bytes.WriteByte(0);
    }
}

/// <summary>
/// A region laid out once and stored in <see cref="Copies"/> copies (one per step group or step) whose
/// contents differ: the same table sits at the same offset of every copy, so one instruction with a
/// STEP- or STEP_GROUP-relative address reads the copy of the current one.
/// </summary>
internal sealed class ReplicatedRegion(int copies)
{
    private readonly ByteRegion[] regions = [.. Enumerable.Range(0, copies).Select(_ => new ByteRegion())];
    private readonly Dictionary<ContentKey, long> placed = [];

    public int Copies => copies;

    /// <summary>Places the table <paramref name="contentOf"/>(copy) in every copy; each copy's table must have the same length.</summary>
    public long Put(Func<int, byte[]> contentOf)
    {
        var contents = Enumerable.Range(0, copies).Select(contentOf).ToArray();
        if (contents.Any(c => c.Length != contents[0].Length))
            throw new InvalidOperationException("a replicated table has the same length in every copy");
        var key = ContentKey.Of([.. contents.SelectMany(c => c)]);
        if (placed.TryGetValue(key, out var offset))
            return offset;
        var offsets = contents.Select((c, i) => regions[i].Append(c)).Distinct().ToArray();
        return placed[key] = offsets.Single();
    }

    /// <summary>Bytes from one copy to the next.</summary>
    public long Stride => Math.Max(ByteRegion.Alignment, regions[0].Build().Length);

    public byte[] Build()
    {
        var stride = Stride;
        var all = new byte[stride * copies];
        for (var i = 0; i < copies; i++)
            regions[i].Build().CopyTo(all, i * stride);
        return all;
    }
}

/// <summary>Placed contents by their length and SHA-256.</summary>
internal readonly record struct ContentKey(long Length, string Hash)
{
    public static ContentKey Of(ReadOnlySpan<byte> data) => new(data.Length, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data)));
}

/// <summary>The work region: space for every activation of a forward pass, one copy per sample.</summary>
internal sealed class WorkRegion
{
    public long Length { get; private set; }

    public long Allocate(long bytes)
    {
        var offset = (Length + ByteRegion.Alignment - 1) / ByteRegion.Alignment * ByteRegion.Alignment;
        Length = offset + bytes;
        return offset;
    }
}
