using System.Text.Json.Nodes;

namespace DiffAcc.Cli.Tests;

/// <summary>
/// <c>--shard K/N</c> and <c>--merge</c>: for each of bench fuzz, sim and report quant, two shards merged
/// give what the single run gives, figure for figure (times aside); bad shard sets are one-line errors.
/// </summary>
public sealed class ShardTests
{
    [Fact]
    public void Two_fuzzing_shards_merge_into_the_single_runs_summary()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-shard-").FullName;
        string[] run = ["bench", "fuzz", "--designs", "60", "--cycles", "200", "--simulators", "ir,icarus", "--seed", "7", "--reduced", Path.Combine(folder, "reduced")];
        Passes([.. run, "--json", Path.Combine(folder, "one.json")]);
        Passes([.. run, "--shard", "1/2", "--json", Path.Combine(folder, "a.json")]);
        Passes([.. run, "--shard", "2/2", "--json", Path.Combine(folder, "b.json")]);
        var merged = Passes("bench", "fuzz", "--merge", Path.Combine(folder, "a.json"), Path.Combine(folder, "b.json"), "--json", Path.Combine(folder, "merged.json"));
        Assert.Contains("60 of 60 from seed 7", merged, StringComparison.Ordinal);
        // The 60 designs are two batches of 50 and 10: one batch a shard, each as the single run built it.
        Assert.Equal(50, Json(folder, "a.json")["result"]!["designs"]!.GetValue<int>());
        Assert.Equal(Timeless(Json(folder, "one.json")), Timeless(Json(folder, "merged.json")));
    }

    [Fact]
    public void Two_testbench_shards_merge_into_the_single_runs_results_and_junit()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-shard-").FullName;
        string[] run = ["sim", "--filter", "mac-array-4x4*"];
        Passes([.. run, "--json", Path.Combine(folder, "one.json")]);
        Assert.Contains("1 passed, 0 failed (shard 2/2)", Passes([.. run, "--shard", "2/2", "--json", Path.Combine(folder, "b.json")]), StringComparison.Ordinal);
        Passes([.. run, "--shard", "1/2", "--json", Path.Combine(folder, "a.json")]);
        var merged = Passes("sim", "--merge", Path.Combine(folder, "b.json"), Path.Combine(folder, "a.json"), "--json", Path.Combine(folder, "merged.json"), "--junit", Path.Combine(folder, "merged.xml"));
        Assert.Contains("2 passed, 0 failed", merged, StringComparison.Ordinal);
        Assert.Equal(Timeless(Json(folder, "one.json")), Timeless(Json(folder, "merged.json")));
        Assert.Contains("tests=\"2\" failures=\"0\"", File.ReadAllText(Path.Combine(folder, "merged.xml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_report_shards_merge_into_the_single_runs_report_summary_and_images()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-shard-").FullName;
        string[] run = ["report", "quant", "--count", "4", "--steps", "2", "--trajectories", "1", "--groups", "1", "2", "--test-images", "100", "--resamples", "20"];
        Passes([.. run, "--out", Path.Combine(folder, "one")]);
        Assert.Contains("shard 1/2 (2 rows: FP32, int8 static (K = 1))", Passes([.. run, "--shard", "1/2", "--out", Path.Combine(folder, "a")]), StringComparison.Ordinal);
        Passes([.. run, "--shard", "2/2", "--out", Path.Combine(folder, "b")]);
        Passes("report", "quant", "--merge", Path.Combine(folder, "a", "shard-1-of-2.safetensors"), Path.Combine(folder, "b", "shard-2-of-2.safetensors"), "--out", Path.Combine(folder, "merged"));
        var one = Directory.GetFiles(Path.Combine(folder, "one")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(one, Directory.GetFiles(Path.Combine(folder, "merged")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal));
        foreach (var png in one.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
            Assert.True(File.ReadAllBytes(Path.Combine(folder, "one", png)).SequenceEqual(File.ReadAllBytes(Path.Combine(folder, "merged", png))), $"{png} differs");
        Assert.Equal(Timeless(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "one", "summary.json")))!), Timeless(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "merged", "summary.json")))!));
        static IEnumerable<string> Report(string file) => File.ReadAllLines(file).Where(l => !l.Contains(" samples in ", StringComparison.Ordinal));
        Assert.Equal(Report(Path.Combine(folder, "one", "report.md")), Report(Path.Combine(folder, "merged", "report.md")));
    }

    [Theory]
    [InlineData("a", "--merge: shard 2/2 missing")]
    [InlineData("a a", "--merge: shard 1/2 given more than once; shard 2/2 missing")]
    [InlineData("a other", "not of the first file's run")]
    [InlineData("a text", "not a shard file")]
    public void A_bad_set_of_shard_files_is_one_line(string files, string message)
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-shard-").FullName;
        File.WriteAllText(Path.Combine(folder, "a"), """{ "command": "sim", "settings": "filter x", "shard": 1, "shards": 2, "result": [] }""");
        File.WriteAllText(Path.Combine(folder, "other"), """{ "command": "sim", "settings": "filter y", "shard": 2, "shards": 2, "result": [] }""");
        File.WriteAllText(Path.Combine(folder, "text"), "not json");
        var (code, output, error) = CommandLine.Run(["sim", "--merge", .. files.Split(' ').Select(f => Path.Combine(folder, f))]);
        Assert.Equal(1, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("3/2")]
    [InlineData("0/2")]
    [InlineData("1")]
    [InlineData("a/b")]
    public void A_shard_outside_1_to_N_is_refused(string shard)
    {
        var (code, output, error) = CommandLine.Run("sim", "--shard", shard);
        Assert.NotEqual(0, code);
        Assert.Contains($"--shard must be K/N with 1 <= K <= N (e.g. 2/4), not '{shard}'", output + error, StringComparison.Ordinal);
    }

    private static string Passes(params string[] args)
    {
        var (code, output, error) = CommandLine.Run(args);
        Assert.True(code == 0, $"{string.Join(' ', args)}: exit {code}\n{output}{error}");
        return output;
    }

    private static JsonNode Json(string folder, string file) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, file)))!;

    /// <summary>The JSON without its times (seconds, samples per second), which differ between any two runs.</summary>
    private static string Timeless(JsonNode node)
    {
        void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                foreach (var key in o.Select(p => p.Key).Where(k => k is "seconds" or "samples_per_second").ToList())
                    o.Remove(key);
                foreach (var (_, child) in o)
                    Strip(child);
            }
            else if (n is JsonArray a)
            {
                foreach (var child in a)
                    Strip(child);
            }
        }
        var copy = node.DeepClone();
        Strip(copy);
        return copy.ToJsonString();
    }
}
