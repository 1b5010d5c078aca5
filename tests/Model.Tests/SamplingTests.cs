using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Tests;

public sealed class SamplingTests
{
    /// <summary>Knows the clean image, so its prediction (the noise, or v) is exact for any x_t.</summary>
    private sealed class Oracle(Tensor clean, NoiseSchedule schedule, PredictionType prediction = PredictionType.Epsilon) : INoisePredictor
    {
        public Tensor PredictNoise(Tensor sample, int timestep)
        {
            var a = schedule.AlphasCumprod[timestep];
            var output = new Tensor([.. sample.Shape]);
            for (var i = 0; i < sample.Length; i++)
            {
                var eps = (sample.Data[i] - (Math.Sqrt(a) * clean.Data[i])) / Math.Sqrt(1 - a);
                output.Data[i] = (float)(prediction == PredictionType.Epsilon ? eps : (Math.Sqrt(a) * eps) - (Math.Sqrt(1 - a) * clean.Data[i]));
            }
            return output;
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
    [InlineData("ddim", 50, PredictionType.Epsilon)]
    [InlineData("ddim-quadratic", 20, PredictionType.Epsilon)]
    [InlineData("ddpm", 1000, PredictionType.Epsilon)]
    [InlineData("ddim", 50, PredictionType.V)]
    [InlineData("ddim-quadratic", 20, PredictionType.V)]
    [InlineData("ddpm", 1000, PredictionType.V)]
    public void With_an_exact_prediction_every_sampler_returns_the_clean_image(string sampler, int steps, PredictionType prediction)
    {
        var schedule = NoiseSchedule.Ddpm;
        IScheduler scheduler = sampler switch
        {
            "ddim" => new DdimScheduler(schedule, steps, prediction: prediction),
            "ddim-quadratic" => new DdimScheduler(schedule, steps, quadratic: true, prediction: prediction),
            _ => new DdpmScheduler(schedule, steps, prediction: prediction),
        };
        var clean = Clean();
        var result = Sampler.Run(new Oracle(clean, schedule, prediction), scheduler, clean.Shape, seed: 3);
        for (var i = 0; i < clean.Length; i++)
            Assert.Equal(clean.Data[i], result.Data[i], 3);
    }

    [Theory]
    [InlineData(0.9999)]
    [InlineData(0.3)]
    [InlineData(4e-5)]
    public void Both_predictions_split_into_the_clean_sample_and_the_noise_and_are_not_interchangeable(double a)
    {
        const double x0 = -0.75, eps = 1.25;
        var sample = (Math.Sqrt(a) * x0) + (Math.Sqrt(1 - a) * eps);
        var v = (Math.Sqrt(a) * eps) - (Math.Sqrt(1 - a) * x0);
        foreach (var (type, output) in new[] { (PredictionType.Epsilon, eps), (PredictionType.V, v) })
        {
            var (original, noise) = type.Split(output, sample, a);
            Assert.Equal(x0, original, 9);
            Assert.Equal(eps, noise, 9);
        }
        // Where the two outputs differ, reading one as the other gives a different clean sample.
        if (Math.Abs(v - eps) > 0.01)
            Assert.True(Math.Abs(PredictionType.Epsilon.Split(v, sample, a).Original - x0) > 0.01);
    }

    [Fact]
    public void The_scheduler_config_gives_the_schedule_and_the_prediction_type_and_defaults_to_DDPM_epsilon()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-scheduler-").FullName;
        Assert.Same(SchedulerConfig.Default, SchedulerConfig.Load(folder));
        Assert.Equal(PredictionType.Epsilon, SchedulerConfig.Default.Prediction);
        File.WriteAllText(Path.Combine(folder, SchedulerConfig.FileName), """
            {"_class_name": "DDPMScheduler", "num_train_timesteps": 500, "beta_start": 0.0002, "beta_end": 0.03, "beta_schedule": "linear", "prediction_type": "v_prediction", "clip_sample": true}
            """);
        var config = SchedulerConfig.Load(folder);
        Assert.Equal(PredictionType.V, config.Prediction);
        Assert.Equal(500, config.Schedule.TrainSteps);
        Assert.Equal(0.03, config.Schedule.Betas[^1], 12);
        Assert.Equal([490, 480], config.Ddim(50).Timesteps.Take(2));
    }

    [Theory]
    [InlineData("\"prediction_type\": \"sample\"", "prediction_type", "'sample' is not supported")]
    [InlineData("\"beta_schedule\": \"scaled_linear\"", "beta_schedule", "'scaled_linear' is not supported")]
    [InlineData("\"clip_sample\": false", "clip_sample", "false is not supported")]
    [InlineData("\"num_train_timesteps\": \"many\"", "num_train_timesteps", "bad config")]
    public void A_scheduler_config_the_samplers_cannot_follow_is_refused_naming_the_file_and_field(string field, string name, string problem)
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-scheduler-").FullName;
        var path = Path.Combine(folder, SchedulerConfig.FileName);
        File.WriteAllText(path, $"{{{field}}}");
        var e = Assert.Throws<DiffAcc.Model.SafeTensors.ModelFileException>(() => SchedulerConfig.Load(folder));
        Assert.Equal(path, e.File);
        Assert.Equal(name, e.Item);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
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
