using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Sampling;

/// <summary>A reverse-process sampler: the timesteps it visits and one denoising step.</summary>
public interface IScheduler
{
    IReadOnlyList<int> Timesteps { get; }

    /// <summary>x_{t-1} from x_t and the UNet's output (noise or v, as the scheduler's prediction type says); <paramref name="noise"/> supplies any fresh noise.</summary>
    Tensor Step(Tensor output, int timestep, Tensor sample, GaussianNoise noise);
}

/// <summary>DDPM variances: fixed_small (the posterior variance) or fixed_large (beta_t).</summary>
public enum DdpmVariance
{
    FixedSmall,
    FixedLarge,
}

/// <summary>Ho et al.'s ancestral sampler as diffusers' DDPMScheduler computes it (predicted x0 clipped to [-1, 1]).</summary>
public sealed class DdpmScheduler(NoiseSchedule schedule, int steps, DdpmVariance variance = DdpmVariance.FixedSmall, PredictionType prediction = PredictionType.Epsilon) : IScheduler
{
    public IReadOnlyList<int> Timesteps { get; } = Spacing.Uniform(schedule.TrainSteps, steps);

    public Tensor Step(Tensor output, int timestep, Tensor sample, GaussianNoise noise)
    {
        var previous = timestep - (schedule.TrainSteps / Timesteps.Count);
        var alphaProd = schedule.AlphasCumprod[timestep];
        var alphaProdPrevious = previous >= 0 ? schedule.AlphasCumprod[previous] : 1.0;
        double betaProd = 1 - alphaProd, betaProdPrevious = 1 - alphaProdPrevious;
        var currentAlpha = alphaProd / alphaProdPrevious;
        var currentBeta = 1 - currentAlpha;
        var originalCoefficient = Math.Sqrt(alphaProdPrevious) * currentBeta / betaProd;
        var sampleCoefficient = Math.Sqrt(currentAlpha) * betaProdPrevious / betaProd;
        var std = timestep == 0 ? 0 : variance == DdpmVariance.FixedLarge ? Math.Sqrt(currentBeta) : Math.Sqrt(Math.Max(betaProdPrevious / betaProd * currentBeta, 1e-20));
        var result = new Tensor([.. sample.Shape]);
        for (var i = 0; i < sample.Length; i++)
        {
            var original = Math.Clamp(prediction.Split(output.Data[i], sample.Data[i], alphaProd).Original, -1, 1);
            result.Data[i] = (float)((originalCoefficient * original) + (sampleCoefficient * sample.Data[i]) + (std > 0 ? std * noise.Next() : 0));
        }
        return result;
    }
}

/// <summary>DDIM (Song et al.) as diffusers' DDIMScheduler computes it: eta 0 is deterministic; the final alpha is 1.</summary>
public sealed class DdimScheduler(NoiseSchedule schedule, int steps, double eta = 0, bool quadratic = false, PredictionType prediction = PredictionType.Epsilon) : IScheduler
{
    public IReadOnlyList<int> Timesteps { get; } = quadratic ? Spacing.Quadratic(schedule.TrainSteps, steps) : Spacing.Uniform(schedule.TrainSteps, steps);

    public Tensor Step(Tensor output, int timestep, Tensor sample, GaussianNoise noise)
    {
        var index = ((List<int>)Timesteps).IndexOf(timestep);
        var previous = index + 1 < Timesteps.Count ? Timesteps[index + 1] : -1;
        var alphaProd = schedule.AlphasCumprod[timestep];
        var alphaProdPrevious = previous >= 0 ? schedule.AlphasCumprod[previous] : 1.0;
        var variance = (1 - alphaProdPrevious) / (1 - alphaProd) * (1 - (alphaProd / alphaProdPrevious));
        var std = eta * Math.Sqrt(variance);
        var direction = Math.Sqrt(Math.Max(0, 1 - alphaProdPrevious - (std * std)));
        var result = new Tensor([.. sample.Shape]);
        for (var i = 0; i < sample.Length; i++)
        {
            var original = Math.Clamp(prediction.Split(output.Data[i], sample.Data[i], alphaProd).Original, -1, 1);
            // The direction uses the noise consistent with the clipped x0, as diffusers re-derives it.
            var epsilon = (sample.Data[i] - (Math.Sqrt(alphaProd) * original)) / Math.Sqrt(1 - alphaProd);
            result.Data[i] = (float)((Math.Sqrt(alphaProdPrevious) * original) + (direction * epsilon) + (std > 0 ? std * noise.Next() : 0));
        }
        return result;
    }
}

/// <summary>Which training timesteps a sampler with fewer steps visits, highest first.</summary>
public static class Spacing
{
    /// <summary>Every T/N-th step: (N-1) T/N, ..., T/N, 0 (diffusers' "leading" spacing).</summary>
    public static List<int> Uniform(int trainSteps, int steps)
    {
        if (steps < 1 || steps > trainSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be 1 to {trainSteps}");
        var ratio = trainSteps / steps;
        return [.. Enumerable.Range(0, steps).Select(i => i * ratio).Reverse()];
    }

    /// <summary>The DDIM paper's quadratic spacing: floor((i * sqrt(0.8 T) / (N-1))^2), highest first.</summary>
    public static List<int> Quadratic(int trainSteps, int steps)
    {
        if (steps < 2 || steps > trainSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"quadratic spacing needs 2 to {trainSteps} steps");
        var top = Math.Sqrt(trainSteps * 0.8);
        return [.. Enumerable.Range(0, steps).Select(i => (int)Math.Pow(top * i / (steps - 1), 2)).Reverse()];
    }
}
