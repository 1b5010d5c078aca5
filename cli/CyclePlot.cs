using DiffAcc.Accelerator.Performance;

namespace DiffAcc.Cli;

/// <summary>Where a forward's cycles go: one stacked bar per batch size, a segment per kind of layer (ScottPlot PNG).</summary>
internal static class CyclePlot
{
    public static byte[] Png(string title, IReadOnlyList<(int Batch, IReadOnlyList<LayerTiming> Layers)> runs)
    {
        var plot = new ScottPlot.Plot();
        var operations = runs.SelectMany(r => r.Layers).GroupBy(l => l.Operation).OrderByDescending(g => g.Sum(l => l.Cycles)).Select(g => g.Key).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        for (var r = 0; r < runs.Count; r++)
        {
            double stacked = 0;
            for (var o = 0; o < operations.Count; o++)
            {
                var megacycles = runs[r].Layers.Where(l => l.Operation == operations[o]).Sum(l => l.Cycles) / 1e6;
                plot.Add.Bar(new ScottPlot.Bar { Position = r, ValueBase = stacked, Value = stacked + megacycles, FillColor = palette.GetColor(o) });
                stacked += megacycles;
            }
        }
        for (var o = 0; o < operations.Count; o++)
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = operations[o], FillColor = palette.GetColor(o) });
        plot.Axes.Bottom.SetTicks([.. runs.Select((_, i) => (double)i)], [.. runs.Select(r => $"batch {r.Batch}")]);
        plot.Title(title);
        plot.YLabel("million cycles per forward");
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        return plot.GetImageBytes(900, 600, ScottPlot.ImageFormat.Png);
    }
}
