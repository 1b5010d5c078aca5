namespace DiffAcc.Model.Quantization;

/// <summary>How the sampling steps are cut into K step groups.</summary>
public enum StepGrouping
{
    /// <summary>K runs of consecutive steps of equal length (sizes differ by at most one).</summary>
    Equal,

    /// <summary>
    /// K runs of consecutive steps chosen from the calibration statistics: the cut that minimizes,
    /// over every activation point, the squared spread of log2 of the per-step clipping ranges
    /// inside each group, so steps whose activation ranges are alike share a group.
    /// </summary>
    Statistics,
}

/// <summary>The optimal cut of a sequence into K consecutive runs under a sum-of-squares cost (dynamic programming).</summary>
public static class StepSegmentation
{
    /// <summary>
    /// The run lengths (in order, summing to the number of rows) that minimize the total squared
    /// distance of each row's features to its run's mean. <paramref name="features"/> has one row
    /// per step and one column per activation point.
    /// </summary>
    public static int[] Cut(double[][] features, int groups)
    {
        var n = features.Length;
        if (groups < 1 || groups > n)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"the number of step groups must be 1 to the number of steps ({n})");
        var dims = features[0].Length;
        // Prefix sums of x and x^2 per column make each run's cost O(dims).
        var sum = new double[n + 1, dims];
        var squares = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            squares[i + 1] = squares[i];
            for (var d = 0; d < dims; d++)
            {
                sum[i + 1, d] = sum[i, d] + features[i][d];
                squares[i + 1] += features[i][d] * features[i][d];
            }
        }
        double Cost(int from, int to)
        {
            var count = to - from;
            var cost = squares[to] - squares[from];
            for (var d = 0; d < dims; d++)
            {
                var s = sum[to, d] - sum[from, d];
                cost -= s * s / count;
            }
            return cost;
        }
        var best = new double[groups + 1, n + 1];
        var split = new int[groups + 1, n + 1];
        for (var k = 0; k <= groups; k++)
        {
            for (var i = 0; i <= n; i++)
                best[k, i] = double.PositiveInfinity;
        }
        best[0, 0] = 0;
        for (var k = 1; k <= groups; k++)
        {
            for (var i = k; i <= n - (groups - k); i++)
            {
                for (var j = k - 1; j < i; j++)
                {
                    var candidate = best[k - 1, j] + Cost(j, i);
                    if (candidate < best[k, i])
                        (best[k, i], split[k, i]) = (candidate, j);
                }
            }
        }
        var lengths = new int[groups];
        for (int k = groups, end = n; k >= 1; k--)
        {
            var start = split[k, end];
            lengths[k - 1] = end - start;
            end = start;
        }
        return lengths;
    }
}
