namespace DiffAcc.Model.Sampling;

/// <summary>What the UNet's output is (diffusers' <c>prediction_type</c>).</summary>
public enum PredictionType
{
    /// <summary>The noise added to the sample (<c>epsilon</c>).</summary>
    Epsilon,

    /// <summary>v = sqrt(a) eps - sqrt(1 - a) x0 (<c>v_prediction</c>, Salimans and Ho).</summary>
    V,
}

/// <summary>The clean sample and the noise that a UNet output stands for, at a timestep whose cumulative alpha is a.</summary>
public static class PredictionSplit
{
    /// <summary>(x0, eps) from the output, the noisy sample x_t and a = alpha-bar of t.</summary>
    public static (double Original, double Noise) Split(this PredictionType type, double output, double sample, double alphaProd)
        => type == PredictionType.Epsilon
            ? ((sample - (Math.Sqrt(1 - alphaProd) * output)) / Math.Sqrt(alphaProd), output)
            : ((Math.Sqrt(alphaProd) * sample) - (Math.Sqrt(1 - alphaProd) * output), (Math.Sqrt(1 - alphaProd) * sample) + (Math.Sqrt(alphaProd) * output));
}
