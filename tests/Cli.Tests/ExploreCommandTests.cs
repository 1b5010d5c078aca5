namespace DiffAcc.Cli.Tests;

public sealed class ExploreCommandTests
{
    [Fact]
    public void Explore_times_each_configuration_that_fits_and_marks_the_pareto_set()
    {
        var json = Path.Combine(Directory.CreateTempSubdirectory("diffacc-explore-").FullName, "explore.json");
        var (code, output, error) = CommandLine.Run("explore", "--model", Path.Combine(AppContext.BaseDirectory, "weights", "fashion-mnist", "unet"),
            "--groups", "1", "2", "4", "--sizes", "16", "32", "64", "--lanes", "8", "--steps", "10", "--json", json);
        Assert.True(code == 0, output + error);
        Assert.Contains("the default preset", output, StringComparison.Ordinal);
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var points = document.RootElement.EnumerateArray().ToList();
        var timed = points.Where(p => p.GetProperty("ms_per_step").ValueKind == System.Text.Json.JsonValueKind.Number).ToList();
        Assert.True(timed.Count >= 3, output);
        // Over the part: 4 groups of 64 x 64 need 8,192 DSP48E2.
        Assert.DoesNotContain(timed, p => p.GetProperty("dsp48e2").GetInt32() > 2520);
        var pareto = timed.Where(p => p.GetProperty("pareto").GetBoolean()).ToList();
        Assert.NotEmpty(pareto);
        double Ms(System.Text.Json.JsonElement p) => p.GetProperty("ms_per_step").GetDouble();
        double Rate(System.Text.Json.JsonElement p) => p.GetProperty("images_per_second").GetDouble();
        int Dsp(System.Text.Json.JsonElement p) => p.GetProperty("dsp48e2").GetInt32();
        bool Dominates(System.Text.Json.JsonElement a, System.Text.Json.JsonElement b)
            => Ms(a) <= Ms(b) && Rate(a) >= Rate(b) && Dsp(a) <= Dsp(b) && (Ms(a) < Ms(b) || Rate(a) > Rate(b) || Dsp(a) < Dsp(b));
        // No point beats a Pareto point on every axis, and every other point is beaten by one.
        foreach (var p in pareto)
            Assert.DoesNotContain(timed, q => Dominates(q, p));
        foreach (var p in timed.Except(pareto))
            Assert.Contains(pareto, q => Dominates(q, p));
    }
}
