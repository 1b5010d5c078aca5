namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc report quant</c>: one small end-to-end report, and the warning its intervals carry at small sample counts.</summary>
public sealed class ReportCommandTests
{
    [Fact]
    public void A_small_report_writes_every_file_and_warns_that_its_intervals_need_more_images()
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("diffacc-report-").FullName, "report");
        var (code, output, error) = CommandLine.Run("report", "quant", "--count", "4", "--steps", "4", "--trajectories", "1", "--groups", "1", "--test-images", "100", "--resamples", "20", "--out", folder);
        Assert.True(code == 0, output + error);
        Assert.Equal(["fp32.png", "int8-k1.png", "report.md", "sqnr.png", "summary.json"], Directory.GetFiles(folder).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal));
        Assert.Contains("warning: 4 images per row is too few for the intervals (fewer than twice the feature network's 64 features); use --count 500 or more", error, StringComparison.Ordinal);
        Assert.Contains("> **Warning:** 4 images per row is too few for the intervals", File.ReadAllText(Path.Combine(folder, "report.md")), StringComparison.Ordinal);
        Assert.Matches(@"wrote .*: report\.md, summary\.json, sqnr\.png, fp32\.png, int8-k1\.png \(in \d+\.\d s\)", output);
    }

    [Fact]
    public void A_distance_outside_its_own_interval_is_named_and_enough_images_inside_theirs_are_not()
    {
        ReportCommand.Row Row(double fd, double low, double high) => new("row", "row.png", fd, null, null, null, (low, high));
        var warning = ReportCommand.SampleCountWarning([new("floor", "-", 1, null, null, null), Row(337.3, 340.0, 465.1), Row(341.5, 341.1, 468.2)], 200, 64);
        Assert.Equal("200 images per row is too few for the intervals (1 of 2 Frechet distances lie outside their own 95 % interval); use --count 500 or more (the published reports use 1,000)", warning);
        Assert.Null(ReportCommand.SampleCountWarning([Row(24.96, 21.06, 30.58), Row(39.23, 34.38, 45.54)], 1000, 64));
        Assert.NotNull(ReportCommand.SampleCountWarning([Row(24.96, 21.06, 30.58)], 100, 64));
    }
}
