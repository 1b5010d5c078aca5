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
    public static Tensor Run(INoisePredictor model, IScheduler scheduler, int[] shape, ulong seed, IProgress<int>? progress = null)
    {
        var noise = new GaussianNoise(seed);
        var x = new Tensor(shape);
        noise.Fill(x.Data);
        var done = 0;
        foreach (var t in scheduler.Timesteps)
        {
            x = scheduler.Step(model.PredictNoise(x, t), t, x, noise);
            progress?.Report(++done);
        }
        return x;
    }
}
