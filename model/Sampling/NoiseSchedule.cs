namespace DiffAcc.Model.Sampling;

/// <summary>The forward-process schedule: betas linear from <c>betaStart</c> to <c>betaEnd</c> over T steps, and their cumulative products.</summary>
public sealed class NoiseSchedule
{
    public NoiseSchedule(int trainSteps = 1000, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        if (trainSteps < 2)
            throw new ArgumentOutOfRangeException(nameof(trainSteps), trainSteps, "a schedule needs at least 2 steps");
        TrainSteps = trainSteps;
        Betas = [.. Enumerable.Range(0, trainSteps).Select(i => betaStart + ((betaEnd - betaStart) * i / (trainSteps - 1)))];
        AlphasCumprod = new double[trainSteps];
        var product = 1.0;
        for (var i = 0; i < trainSteps; i++)
            AlphasCumprod[i] = product *= 1 - Betas[i];
    }

    public int TrainSteps { get; }

    public double[] Betas { get; }

    public double[] AlphasCumprod { get; }

    /// <summary>The DDPM CIFAR-10 schedule: T = 1000, beta linear 1e-4 .. 0.02.</summary>
    public static NoiseSchedule Ddpm { get; } = new();
}

/// <summary>Seeded standard-normal noise (xorshift64* and Box-Muller), identical on every machine.</summary>
public sealed class GaussianNoise(ulong seed)
{
    private ulong state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    public float Next()
    {
        double u1 = (NextBits() >> 11) * (1.0 / (1UL << 53)), u2 = (NextBits() >> 11) * (1.0 / (1UL << 53));
        return (float)(Math.Sqrt(-2 * Math.Log(1 - u1)) * Math.Cos(2 * Math.PI * u2));
    }

    public void Fill(Span<float> target)
    {
        for (var i = 0; i < target.Length; i++)
            target[i] = Next();
    }

    private ulong NextBits()
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545F4914F6CDD1DUL;
    }
}
