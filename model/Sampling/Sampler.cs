using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Sampling;

/// <summary>Anything that predicts the noise in a batch of samples at a timestep: the FP32 UNet, later the int8 model.</summary>
public interface INoisePredictor
{
    Tensor PredictNoise(Tensor sample, int timestep);
}

/// <summary>The sampling loop: start from seeded noise, run the scheduler's timesteps, report progress per step.</summary>
public static class Sampler
{
    /// <summary>
    /// The samples after every step; <paramref name="onStep"/> sees each step's index, timestep,
    /// sample and predicted noise before the scheduler moves on.
    /// </summary>
    public static Tensor Run(INoisePredictor model, IScheduler scheduler, int[] shape, ulong seed, IProgress<int>? progress = null, Action<int, int, Tensor, Tensor>? onStep = null)
    {
        var noise = new GaussianNoise(seed);
        var x = new Tensor(shape);
        noise.Fill(x.Data);
        for (var step = 0; step < scheduler.Timesteps.Count; step++)
        {
            var t = scheduler.Timesteps[step];
            var predicted = model.PredictNoise(x, t);
            onStep?.Invoke(step, t, x, predicted);
            x = scheduler.Step(predicted, t, x, noise);
            progress?.Report(step + 1);
        }
        return x;
    }
}
