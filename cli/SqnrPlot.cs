namespace DiffAcc.Cli;

/// <summary>The per-step noise SQNR of each int8 variant against the sampling step, as a PNG line plot (ScottPlot).</summary>
internal static class SqnrPlot
{
    public static byte[] Png(IReadOnlyList<int> timesteps, IReadOnlyList<(string Name, double[] Values)> series)
    {
        var plot = new ScottPlot.Plot();
        double[] xs = [.. timesteps.Select(t => (double)t)];
        foreach (var (name, values) in series)
        {
            var line = plot.Add.Scatter(xs, values);
            line.LegendText = name;
        }
        plot.Title("Noise-prediction SQNR of int8 against FP32 per sampling step");
        plot.XLabel("timestep (sampling runs from right to left)");
        plot.YLabel("SQNR (dB)");
        plot.ShowLegend();
        return plot.GetImageBytes(900, 500, ScottPlot.ImageFormat.Png);
    }
}
