using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Tests;

public sealed class SamplingTests
{
    /// <summary>Knows the clean image, so its noise prediction is exact for any x_t.</summary>
    private sealed class Oracle(Tensor clean, NoiseSchedule schedule) : INoisePredictor
    {
        public Tensor PredictNoise(Tensor sample, int timestep)
        {
            var a = schedule.AlphasCumprod[timestep];
            var eps = new Tensor([.. sample.Shape]);
            for (var i = 0; i < sample.Length; i++)
                eps.Data[i] = (float)((sample.Data[i] - (Math.Sqrt(a) * clean.Data[i])) / Math.Sqrt(1 - a));
            return eps;
        }
    }

    /// <summary>Predicts no noise at all, so the result depends on the sampler's own noise.</summary>
    private sealed class Silent : INoisePredictor
    {
        public Tensor PredictNoise(Tensor sample, int timestep) => new([.. sample.Shape]);
    }

    private static Tensor Clean() => new([1, 1, 4, 4], [.. Enumerable.Range(0, 16).Select(i => (i / 8f) - 1f)]);

    [Fact]
    public void The_linear_schedule_has_the_DDPM_values()
    {
        var s = NoiseSchedule.Ddpm;
        Assert.Equal(1 - 1e-4, s.AlphasCumprod[0], 12);
        Assert.Equal(0.02, s.Betas[^1], 12);
        Assert.Equal(4.0358e-5, s.AlphasCumprod[^1], 8);
    }

    [Fact]
    public void Spacings_visit_the_expected_timesteps()
    {
        Assert.Equal([980, 960, 940], Spacing.Uniform(1000, 50).Take(3));
        Assert.Equal(0, Spacing.Uniform(1000, 50)[^1]);
        Assert.Equal(1000, Spacing.Uniform(1000, 1000).Count);
        var quadratic = Spacing.Quadratic(1000, 50);
        Assert.Equal(0, quadratic[^1]);
        Assert.Equal(800, quadratic[0]);
        Assert.True(quadratic[0] - quadratic[1] > quadratic[^2] - quadratic[^1]);
    }

    [Theory]
    [InlineData("ddim", 50)]
    [InlineData("ddim-quadratic", 20)]
    [InlineData("ddpm", 1000)]
    public void With_an_exact_noise_prediction_every_sampler_returns_the_clean_image(string sampler, int steps)
    {
        var schedule = NoiseSchedule.Ddpm;
        IScheduler scheduler = sampler switch
        {
            "ddim" => new DdimScheduler(schedule, steps),
            "ddim-quadratic" => new DdimScheduler(schedule, steps, quadratic: true),
            _ => new DdpmScheduler(schedule, steps),
        };
        var clean = Clean();
        var result = Sampler.Run(new Oracle(clean, schedule), scheduler, clean.Shape, seed: 3);
        for (var i = 0; i < clean.Length; i++)
            Assert.Equal(clean.Data[i], result.Data[i], 3);
    }

    [Fact]
    public void Sampling_is_deterministic_for_a_seed_and_eta_adds_noise()
    {
        var schedule = NoiseSchedule.Ddpm;
        var model = new Silent();
        var a = Sampler.Run(model, new DdimScheduler(schedule, 10, eta: 1), [1, 1, 4, 4], 9);
        var b = Sampler.Run(model, new DdimScheduler(schedule, 10, eta: 1), [1, 1, 4, 4], 9);
        Assert.Equal(a.Data, b.Data);
        Assert.NotEqual(a.Data, Sampler.Run(model, new DdimScheduler(schedule, 10, eta: 0), [1, 1, 4, 4], 9).Data);
        var large = Sampler.Run(model, new DdpmScheduler(schedule, 100, DdpmVariance.FixedLarge), [1, 1, 4, 4], 9);
        var small = Sampler.Run(model, new DdpmScheduler(schedule, 100, DdpmVariance.FixedSmall), [1, 1, 4, 4], 9);
        Assert.NotEqual(large.Data, small.Data);
        var noise = new GaussianNoise(1);
        var samples = Enumerable.Range(0, 20000).Select(_ => (double)noise.Next()).ToList();
        Assert.InRange(samples.Average(), -0.03, 0.03);
        Assert.InRange(samples.Select(v => v * v).Average(), 0.96, 1.04);
    }
}
