namespace DiffAcc.Cli.Tests;

/// <summary>Every command that writes gives one line, exit code 1 and no stack trace when its output cannot be written, before its work.</summary>
public sealed class OutputPathTests
{
    private static readonly string Folder = Directory.CreateTempSubdirectory("diffacc-out-").FullName;

    public static TheoryData<string[]> Unwritable()
    {
        var file = Path.Combine(Folder, "a-file");
        File.WriteAllText(file, "");
        return new TheoryData<string[]>
        {
            new[] { "generate", "--preset", "small", "--out", "/proc/x" },
            new[] { "generate", "--preset", "small", "--out", file },
            new[] { "generate", "--preset", "small", "--out", Path.Combine(Folder, "rtl"), "--constraints", "/proc/x" },
            new[] { "generate", "--config", Folder },
            // Defaults: minutes of sampling or calibration if the check came after the work.
            new[] { "sample", "--out", "/proc/z.png" },
            new[] { "sample", "--out", Folder },
            new[] { "quantize", "--out", "/proc/q.json" },
            new[] { "report", "quant", "--out", "/proc/r" },
            new[] { "report", "quant", "--out", file },
            new[] { "sim", "--filter", "mac-array-4x4-golden", "--junit", "/proc/j.xml" },
            new[] { "sim", "--filter", "mac-array-4x4-golden", "--junit", Folder },
            new[] { "compile", "--preset", "small", "--steps", "2", "--out", file },
            new[] { "model", "random", "--out", "/proc/m" },
            new[] { "vivado", "--preset", "small", "--out", "/proc/v" },
            new[] { "vivado", "--preset", "small", "--out", file },
            new[] { "perf", "--preset", "small", "--json", "/proc/p.json" },
            new[] { "bench", "cosim", "--cycles", "-5" },
            new[] { "bench", "model", "--runs", "0" },
            new[] { "bench", "fuzz", "--designs", "1", "--reduced", "/proc/f" },
            new[] { "bench", "fuzz", "--designs", "1", "--simulators", "ir,bogus" },
            new[] { "bench", "fuzz", "--designs", "1", "--simulators", "icarus" },
            new[] { "bench", "fuzz", "--designs", "1", "--max-width", "3" },
            new[] { "report", "quant", "--resamples", "1", "--out", Path.Combine(Folder, "q") },
            new[] { "quantize", "--grouping", "bogus", "--out", Path.Combine(Folder, "q.json") },
            new[] { "sample", "--eta", "NaN", "--steps", "1", "--count", "1", "--out", Path.Combine(Folder, "e.png") },
            new[] { "sample", "--eta", "5", "--steps", "1", "--count", "1", "--out", Path.Combine(Folder, "e.png") },
            new[] { "sample", "--steps", "1", "--count", "2000000000", "--out", Path.Combine(Folder, "e.png") },
            new[] { "sample", "--steps", "1", "--count", "1", "--out", Path.Combine(Folder, "e.jpg") },
            new[] { "sample", "--steps", "1", "--count", "1", "--backend", "fp32", "--compare", "int8", "--out", Path.Combine(Folder, "e.png") },
            new[] { "explore", "--groups", "0" },
            new[] { "explore", "--sizes", "3" },
            new[] { "explore", "--lanes", "0" },
            new[] { "explore", "--groups", "16" },
            new[] { "sim", "--trace", "--trace-cycles", "-1" },
            new[] { "perf", "--preset", "small", "--steps", "0" },
            new[] { "explore", "--steps", "0" },
            new[] { "compile", "--preset", "small", "--steps", "5000", "--out", Path.Combine(Folder, "c") },
        };
    }

    [Theory]
    [MemberData(nameof(Unwritable))]
    public void Fails_with_one_line_and_no_stack_trace(string[] args)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (code, _, error) = CommandLine.Run(args);
        Assert.NotEqual(0, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length is >= 1 and <= 3, error);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        // Found before the work: no sampling, calibration or synthesis ran.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"{string.Join(' ', args)} took {watch.Elapsed}");
        Assert.False(File.Exists(Path.Combine(Folder, "e.png")));
    }
}
