using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Quality;

/// <summary>
/// Sampling with a test model (the int8 one) while the reference model (FP32) predicts the noise of
/// the same intermediate samples: the per-step SQNR isolates each step's quantization error from
/// the drift of the trajectory.
/// </summary>
public static class ComparedSampling
{
    public static (Tensor Samples, double[] SqnrPerStep) Run(INoisePredictor test, INoisePredictor reference, IScheduler scheduler, int[] shape, ulong seed, IProgress<int>? progress = null)
    {
        var sqnr = new double[scheduler.Timesteps.Count];
        var samples = Sampler.Run(test, scheduler, shape, seed, progress, (step, t, x, predicted) => sqnr[step] = Fidelity.Sqnr(reference.PredictNoise(x, t).Data, predicted.Data));
        return (samples, sqnr);
    }
}
