namespace DiffAcc.Model.Quality;

/// <summary>
/// Percentile bootstrap intervals: a statistic of n paired items recomputed on resamples drawn with
/// replacement. The resamples depend only on n, the count and the seed, so rows of one report that
/// use the same seed are resampled alike (their intervals are paired).
/// </summary>
public static class Bootstrap
{
    /// <summary>The central <paramref name="level"/> interval of <paramref name="statistic"/> over <paramref name="resamples"/> resamples of n items.</summary>
    public static (double Low, double High) Interval(int n, int resamples, ulong seed, Func<int[], double> statistic, double level = 0.95)
    {
        if (n < 2 || resamples < 2)
            throw new ArgumentException($"a bootstrap needs at least 2 items and 2 resamples, not {n} and {resamples}");
        var random = new Random((int)(seed % int.MaxValue));
        var values = new double[resamples];
        var indices = new int[n];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < n; i++)
                indices[i] = random.Next(n);
            values[r] = statistic(indices);
        }
        Array.Sort(values);
        var tail = (1 - level) / 2;
        return (Percentile(values, tail), Percentile(values, 1 - tail));
    }

    /// <summary>Linear interpolation between order statistics (the usual definition, type 7).</summary>
    private static double Percentile(double[] sorted, double p)
    {
        var position = p * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
