namespace DiffAcc.Model.Quality;

/// <summary>Error figures of a quantized output against its FP32 reference.</summary>
public static class Fidelity
{
    /// <summary>Signal-to-quantization-noise ratio in dB: 10·log10(Σ ref² / Σ (ref − test)²).</summary>
    public static double Sqnr(ReadOnlySpan<float> reference, ReadOnlySpan<float> test)
    {
        if (reference.Length != test.Length)
            throw new ArgumentException($"{reference.Length} reference values but {test.Length} test values");
        double signal = 0, noise = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            signal += (double)reference[i] * reference[i];
            noise += (double)(reference[i] - test[i]) * (reference[i] - test[i]);
        }
        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
    }

    /// <summary>Peak signal-to-noise ratio in dB of images in [-1, 1] (peak-to-peak 2), both clipped to that range.</summary>
    public static double Psnr(ReadOnlySpan<float> reference, ReadOnlySpan<float> test)
    {
        if (reference.Length != test.Length)
            throw new ArgumentException($"{reference.Length} reference values but {test.Length} test values");
        double squared = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            var d = Math.Clamp(reference[i], -1f, 1f) - Math.Clamp(test[i], -1f, 1f);
            squared += d * d;
        }
        return squared == 0 ? double.PositiveInfinity : 10 * Math.Log10(4 / (squared / reference.Length));
    }
}
