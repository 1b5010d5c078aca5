using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Quantization;

/// <summary>
/// The mean of the quantized model's output error per sampling step and output channel, measured against the
/// FP32 model on the same intermediate samples of FP32 trajectories, and subtracted on the host (the bias part of
/// PTQD, He et al. 2023): quantization noise with a nonzero mean shifts every deterministic DDIM step the same way,
/// while its zero-mean part partly averages out over the pixels and steps.
/// </summary>
public sealed class OutputBiasCorrection
{
    private readonly Dictionary<int, double[]> biasByTimestep;

    private OutputBiasCorrection(Dictionary<int, double[]> biasByTimestep) => this.biasByTimestep = biasByTimestep;

    /// <summary>The bias of each timestep the scheduler visits, indexed by output channel.</summary>
    public IReadOnlyDictionary<int, double[]> BiasByTimestep => biasByTimestep;

    /// <summary>Runs FP32 trajectories (one batch of <paramref name="shape"/>) and averages quantized minus FP32 output at every step.</summary>
    public static OutputBiasCorrection Measure(INoisePredictor quantized, INoisePredictor fp32, IScheduler scheduler, int[] shape, ulong seed, IProgress<int>? progress = null)
    {
        var bias = new Dictionary<int, double[]>();
        Sampler.Run(fp32, scheduler, shape, seed, progress, (_, t, x, reference) =>
        {
            var error = quantized.PredictNoise(x, t);
            var sums = new double[shape[1]];
            var plane = shape[2] * shape[3];
            for (var i = 0; i < error.Length; i++)
                sums[i / plane % shape[1]] += error.Data[i] - reference.Data[i];
            bias[t] = [.. sums.Select(s => s / (error.Length / shape[1]))];
        });
        return new OutputBiasCorrection(bias);
    }

    /// <summary>The model with the measured bias subtracted from its output at every timestep it was measured at.</summary>
    public INoisePredictor Apply(INoisePredictor model) => new Corrected(model, this);

    private sealed class Corrected(INoisePredictor model, OutputBiasCorrection correction) : INoisePredictor
    {
        public Tensor PredictNoise(Tensor sample, int timestep)
        {
            if (!correction.biasByTimestep.TryGetValue(timestep, out var bias))
                throw new ArgumentException($"the output bias was measured at timesteps {string.Join(", ", correction.biasByTimestep.Keys)}, not {timestep}", nameof(timestep));
            var output = model.PredictNoise(sample, timestep);
            var plane = sample.Shape[2] * sample.Shape[3];
            var corrected = new Tensor([.. output.Shape]);
            for (var i = 0; i < output.Length; i++)
                corrected.Data[i] = (float)(output.Data[i] - bias[i / plane % bias.Length]);
            return corrected;
        }
    }
}
