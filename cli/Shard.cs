using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiffAcc.Cli;

/// <summary>
/// Part K of N of a long run (<c>--shard K/N</c>), for a CI matrix or a job array: the run's items are
/// cut into N contiguous ranges and this process takes the K-th. Each shard writes a <see cref="ShardFile{T}"/>;
/// <c>--merge</c> reads all N and prints and writes what one run would have.
/// </summary>
internal sealed record Shard(int Index, int Count)
{
    public static Shard Whole { get; } = new(1, 1);

    /// <summary>Items <c>[Start, End)</c> of <paramref name="items"/> this shard takes.</summary>
    public (int Start, int End) Range(int items) => ((int)((long)(Index - 1) * items / Count), (int)((long)Index * items / Count));

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>The <c>--shard</c> option: <c>K/N</c> with 1 ≤ K ≤ N, a one-line error naming the option otherwise.</summary>
    public static Option<Shard> Option() => new("--shard")
    {
        Description = "Run only part K of N of the work (K/N, 1 <= K <= N) and write it with --json for --merge",
        DefaultValueFactory = _ => Whole,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            var parts = text.Split('/');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var k) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && k >= 1 && k <= n)
                return new Shard(k, n);
            result.AddError($"--shard must be K/N with 1 <= K <= N (e.g. 2/4), not '{text}'");
            return Whole;
        },
    };
}

/// <summary>What one shard of a command wrote: the command and its settings (which every shard of a run shares), its part, and its result.</summary>
internal sealed record ShardFile<T>(
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("settings")] string Settings,
    [property: JsonPropertyName("shard")] int Shard,
    [property: JsonPropertyName("shards")] int Shards,
    [property: JsonPropertyName("result")] T Result)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    public static ShardFile<T>? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<ShardFile<T>>(json);

    /// <summary>
    /// The shards' results in shard order, or a one-line reason naming the file: each file must be a shard
    /// of <paramref name="command"/>, all of the same settings and shard count, and together shards 1..N once each.
    /// </summary>
    public static IReadOnlyList<ShardFile<T>> Merge(string command, IReadOnlyList<FileInfo> files, out string? problem, Func<FileInfo, ShardFile<T>?>? read = null)
    {
        problem = null;
        var shards = new List<ShardFile<T>>();
        foreach (var file in files)
        {
            ShardFile<T>? shard;
            try
            {
                shard = read is null ? FromJson(File.ReadAllBytes(file.FullName)) : read(file);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or DiffAcc.Model.SafeTensors.ModelFileException)
            {
                problem = e is DiffAcc.Model.SafeTensors.ModelFileException ? $"--merge: {e.Message}" : $"--merge {file.FullName}: {(e is JsonException ? "not a shard file (written by --shard K/N)" : e.Message)}";
                return [];
            }
            if (shard is null || shard.Command != command || shard.Result is null)
            {
                problem = $"--merge {file.FullName}: not a shard of '{command}'{(shard is null ? "" : $" (it is one of '{shard.Command}')")}";
                return [];
            }
            if (shards.Count > 0 && (shard.Settings != shards[0].Settings || shard.Shards != shards[0].Shards))
            {
                problem = $"--merge {file.FullName}: shard {shard.Shard}/{shard.Shards} of '{shard.Settings}', not of the first file's run ({shards[0].Shards} shards of '{shards[0].Settings}')";
                return [];
            }
            shards.Add(shard);
        }
        if (shards.Count == 0)
        {
            problem = "--merge needs the shard files";
            return [];
        }
        var count = shards[0].Shards;
        var twice = Enumerable.Range(1, count).Where(k => shards.Count(s => s.Shard == k) > 1).Select(k => $"{k}/{count}").ToList();
        var missing = Enumerable.Range(1, count).Where(k => shards.All(s => s.Shard != k)).Select(k => $"{k}/{count}").ToList();
        if (twice.Count > 0 || missing.Count > 0)
        {
            problem = "--merge: " + string.Join("; ", new[]
            {
                twice.Count > 0 ? $"shard {string.Join(", ", twice)} given more than once" : null,
                missing.Count > 0 ? $"shard {string.Join(", ", missing)} missing" : null,
            }.Where(p => p is not null));
            return [];
        }
        return [.. shards.OrderBy(s => s.Shard)];
    }
}
