using System.Globalization;
using System.Text.RegularExpressions;
using DiffAcc.Hdl.Emit;

namespace DiffAcc.Sim.Regression;

/// <summary>Runs registered testbenches one after another and reports them as a table and as JUnit XML.</summary>
public static class RegressionRunner
{
    /// <summary>Testbenches whose name matches <paramref name="filter"/> (a glob with * and ?; all when null).</summary>
    public static IReadOnlyList<ITestbench> Select(IEnumerable<ITestbench> testbenches, string? filter)
    {
        if (string.IsNullOrEmpty(filter))
            return [.. testbenches];
        var pattern = new Regex("^" + Regex.Escape(filter).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase);
        return [.. testbenches.Where(t => pattern.IsMatch(t.Name))];
    }

    /// <summary>Runs them in order; <paramref name="starting"/> hears each testbench and how many finished before it.</summary>
    public static async Task<IReadOnlyList<TestbenchResult>> RunAsync(IEnumerable<ITestbench> testbenches, TestbenchOptions options, Action<ITestbench, int>? starting = null, CancellationToken cancellation = default)
    {
        var results = new List<TestbenchResult>();
        foreach (var testbench in testbenches)
        {
            starting?.Invoke(testbench, results.Count);
            results.Add(await testbench.RunAsync(options, cancellation));
        }
        return results;
    }

    public static string JUnit(IReadOnlyList<TestbenchResult> results)
    {
        string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        return TemplateText.Render("junit.xml.sbn", new
        {
            Results = results.Select(r => new { r.Name, Time = Seconds(r.Elapsed), r.Cycles, r.Failure }).ToList(),
            Failures = results.Count(r => !r.Passed),
            Time = Seconds(TimeSpan.FromTicks(results.Sum(r => r.Elapsed.Ticks))),
        }, typeof(RegressionRunner).Assembly);
    }
}
