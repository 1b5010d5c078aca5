using DiffAcc.Model.Numerics;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Model.Quantization;

/// <summary>
/// Step-wise post-training quantization: FP32 sampling trajectories run once, every activation point's
/// |x| histogram is kept per sampling step, and any number K of step groups is then cut from the same
/// statistics (K = 1 is static PTQ, K = steps is fully step-wise).
/// </summary>
public sealed class StepwiseCalibration : IActivationObserver
{
    private readonly Dictionary<string, ActivationHistogram>[] perStep;
    private int currentStep;

    private StepwiseCalibration(IReadOnlyList<int> timesteps, int trainSteps, CalibrationInfo info, IReadOnlyList<string> siluOutputs)
    {
        Timesteps = timesteps;
        TrainSteps = trainSteps;
        Info = info;
        SiluOutputs = siluOutputs;
        perStep = [.. timesteps.Select(_ => new Dictionary<string, ActivationHistogram>(StringComparer.Ordinal))];
    }

    public IReadOnlyList<int> Timesteps { get; }

    public int TrainSteps { get; }

    public CalibrationInfo Info { get; }

    /// <summary>The points that take a zero point when asked: SiLU never goes below <see cref="ActivationTable.SiluMinimum"/>.</summary>
    public IReadOnlyList<string> SiluOutputs { get; }

    /// <summary>Runs <paramref name="trajectories"/> FP32 samples through the scheduler's steps (one batch) and records every step.</summary>
    public static StepwiseCalibration Run(UNet2D model, NoiseSchedule schedule, IScheduler scheduler, string samplerName, int trajectories, ulong seed, IProgress<int>? progress = null)
    {
        if (trajectories < 1)
            throw new ArgumentOutOfRangeException(nameof(trajectories), trajectories, "calibration needs at least one trajectory");
        var c = model.Config;
        var calibration = new StepwiseCalibration(scheduler.Timesteps, schedule.TrainSteps, new CalibrationInfo("mse", trajectories, samplerName, scheduler.Timesteps.Count, seed), ActivationPoints.SiluOutputs(c, model.Parameters.ContainsKey));
        Sampler.Run(new Recording(model, calibration), scheduler, [trajectories, c.InChannels, c.SampleSize, c.SampleSize], seed, progress);
        return calibration;
    }

    public void Observe(string point, Tensor value)
    {
        var histograms = perStep[currentStep];
        if (!histograms.TryGetValue(point, out var histogram))
            histograms[point] = histogram = new ActivationHistogram();
        histogram.Add(value.Data);
    }

    /// <summary>The FP32 model with the calibration observing each forward pass as the next sampling step.</summary>
    private sealed class Recording(UNet2D model, StepwiseCalibration calibration) : INoisePredictor
    {
        public Tensor PredictNoise(Tensor sample, int timestep)
        {
            var predicted = model.Forward(sample, [.. Enumerable.Repeat((float)timestep, sample.Shape[0])], calibration);
            calibration.currentStep++;
            return predicted;
        }
    }

    /// <summary>
    /// The quantization file for K step groups of consecutive steps, cut equally or from the statistics;
    /// with <paramref name="siluZeroPoint"/>, SiLU outputs span [SiLU's minimum, clip] in all 256 codes
    /// instead of [−clip, clip], nearly halving their step.
    /// </summary>
    public QuantizationFile Quantize(int groups, StepGrouping grouping = StepGrouping.Equal, bool siluZeroPoint = false, ProbabilityFormat probabilities = ProbabilityFormat.Signed, ConcatScales concat = ConcatScales.Shared)
    {
        var partition = grouping == StepGrouping.Equal
            ? StepGroup.Partition(Timesteps, groups, TrainSteps)
            : StepGroup.Partition(Timesteps, StepSegmentation.Cut(ClipProfile(), groups), TrainSteps);
        var points = perStep[0].Keys.ToList();
        var scales = points.ToDictionary(p => p, _ => new double[groups], StringComparer.Ordinal);
        var asymmetric = siluZeroPoint ? SiluOutputs.ToHashSet(StringComparer.Ordinal) : [];
        var zeroPoints = asymmetric.ToDictionary(p => p, _ => new int[groups], StringComparer.Ordinal);
        Parallel.For(0, points.Count, i =>
        {
            for (var g = 0; g < groups; g++)
            {
                var merged = new ActivationHistogram();
                for (var s = partition[g].FirstStep; s < partition[g].FirstStep + partition[g].StepCount; s++)
                    merged.Add(perStep[s][points[i]]);
                if (!asymmetric.Contains(points[i]))
                {
                    scales[points[i]][g] = MseClipSearch.Clip(merged) / 127;
                    continue;
                }
                // Code −128 stands for SiLU's minimum (rounded to a whole number of steps below 0).
                var floor = -ActivationTable.SiluMinimum;
                var scale = (MseClipSearch.Clip(merged, 255, floor) + floor) / 255;
                scales[points[i]][g] = scale;
                zeroPoints[points[i]][g] = Math.Min(sbyte.MaxValue, sbyte.MinValue + (int)Math.Round(floor / scale));
            }
        });
        return new QuantizationFile([.. partition.Select(p => p.Group)], scales, Info, zeroPoints, probabilities, concat);
    }

    /// <summary>Per step, log2 of each activation point's own clipping range: what statistics-based grouping keeps alike within a group.</summary>
    public double[][] ClipProfile()
    {
        var points = perStep[0].Keys.Order(StringComparer.Ordinal).ToList();
        var profile = new double[perStep.Length][];
        Parallel.For(0, perStep.Length, s => profile[s] = [.. points.Select(p => Math.Log2(Math.Max(MseClipSearch.Clip(perStep[s][p]), 1e-12)))]);
        return profile;
    }
}
