using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Quality;

/// <summary>
/// Sampling with a test model (the int8 one) while the reference model (FP32) predicts the noise of
/// the same intermediate samples: the per-step SQNR isolates each step's quantization error from
/// the drift of the trajectory. The reference runs on the first <c>sqnrSamples</c> images only: a
/// mean over 128 images is already steady, and the reference would otherwise double the cost.
/// </summary>
public static class ComparedSampling
{
    public const int DefaultSqnrSamples = 128;

    public static (Tensor Samples, double[] SqnrPerStep) Run(INoisePredictor test, INoisePredictor reference, IScheduler scheduler, int[] shape, ulong seed, IProgress<int>? progress = null, int sqnrSamples = DefaultSqnrSamples)
    {
        var sqnr = new double[scheduler.Timesteps.Count];
        var compared = Math.Clamp(sqnrSamples, 1, shape[0]);
        var perSample = shape.Skip(1).Aggregate(1, (a, b) => a * b);
        Tensor First(Tensor t) => compared == shape[0] ? t : new Tensor([compared, .. shape[1..]], t.Data[..(compared * perSample)]);
        var samples = Sampler.Run(test, scheduler, shape, seed, progress, (step, t, x, predicted) => sqnr[step] = Fidelity.Sqnr(reference.PredictNoise(First(x), t).Data, First(predicted).Data));
        return (samples, sqnr);
    }
}
