namespace DiffAcc.Model.Quantization;

/// <summary>
/// The calibration criterion (docs/numerics.md, "Step-wise calibration"): the clipping range c whose
/// int8 quantization (step Δ = c / 127) has the least expected squared error over a histogram, where a
/// value v costs (v − c)² when clipped and min(v², Δ²/12) otherwise. Candidates are the bin edges.
/// </summary>
public static class MseClipSearch
{
    public static double Clip(ActivationHistogram histogram) => Clip(histogram, 127, 0);

    /// <summary>
    /// The clip c of a range [−floor, c] cut into <paramref name="levels"/> steps Δ = (c + floor) / levels:
    /// an asymmetric range (a zero point) whose negative side only has to reach <paramref name="floor"/>,
    /// as after SiLU. The histogram's |x| stands for x; values down to −floor lie inside the range.
    /// </summary>
    public static double Clip(ActivationHistogram histogram, int levels, double floor)
    {
        var counts = histogram.Counts;
        var top = Array.FindLastIndex(counts, c => c > 0);
        if (top <= 0)
            return ActivationHistogram.LowerEdge(1);
        var best = (Clip: ActivationHistogram.LowerEdge(top + 1), Error: double.PositiveInfinity);
        // Clips below 1/256 of the largest value lose everything; they are not worth trying.
        var lowest = Math.Max(1, top - (8 * ActivationHistogram.BinsPerOctave));
        for (var candidate = top + 1; candidate >= lowest; candidate--)
        {
            var clip = ActivationHistogram.LowerEdge(candidate);
            var step = (clip + floor) / levels;
            var rounding = step * step / 12;
            var error = 0.0;
            for (var bin = 0; bin <= top; bin++)
            {
                if (counts[bin] == 0)
                    continue;
                var v = ActivationHistogram.Center(bin);
                error += counts[bin] * (v > clip ? (v - clip) * (v - clip) : Math.Min(v * v, rounding));
            }
            if (error < best.Error)
                best = (clip, error);
        }
        return best.Clip;
    }
}
