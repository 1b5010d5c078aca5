using System.Text.Json.Serialization;
using DiffAcc.Model.SafeTensors;

namespace DiffAcc.Model.Sampling;

/// <summary>
/// The fields of a diffusers <c>scheduler_config.json</c> the samplers implement: the linear beta schedule and what
/// the UNet predicts. A model folder without the file gets the DDPM defaults (T = 1000, betas 1e-4 .. 0.02, epsilon).
/// </summary>
public sealed record SchedulerConfig
{
    public const string FileName = "scheduler_config.json";

    [JsonPropertyName("num_train_timesteps")]
    public int TrainSteps { get; init; } = 1000;

    [JsonPropertyName("beta_start")]
    public double BetaStart { get; init; } = 1e-4;

    [JsonPropertyName("beta_end")]
    public double BetaEnd { get; init; } = 0.02;

    [JsonPropertyName("beta_schedule")]
    public string BetaSchedule { get; init; } = "linear";

    [JsonPropertyName("prediction_type")]
    public string PredictionTypeName { get; init; } = "epsilon";

    [JsonPropertyName("clip_sample")]
    public bool ClipSample { get; init; } = true;

    /// <summary>The DDPM defaults, as the samplers assume when a folder has no scheduler_config.json.</summary>
    public static SchedulerConfig Default { get; } = new();

    [JsonIgnore]
    public PredictionType Prediction => PredictionTypeName == "v_prediction" ? PredictionType.V : PredictionType.Epsilon;

    [JsonIgnore]
    public NoiseSchedule Schedule => this == Default ? NoiseSchedule.Ddpm : new NoiseSchedule(TrainSteps, BetaStart, BetaEnd);

    /// <summary>DDIM of <paramref name="steps"/> steps on this schedule and prediction.</summary>
    public DdimScheduler Ddim(int steps, double eta = 0) => new(Schedule, steps, eta, prediction: Prediction);

    /// <summary>DDPM of <paramref name="steps"/> steps on this schedule and prediction.</summary>
    public DdpmScheduler Ddpm(int steps) => new(Schedule, steps, prediction: Prediction);

    /// <summary>The folder's scheduler_config.json, or <see cref="Default"/> when it has none.</summary>
    public static SchedulerConfig Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            return Default;
        return ModelJsonFile.Read<SchedulerConfig>(path, config => config.Validate(path));
    }

    private void Validate(string path)
    {
        void Need(bool ok, string field, string problem)
        {
            if (!ok)
                throw new ModelFileException(path, field, problem);
        }

        Need(TrainSteps >= 2, "num_train_timesteps", $"{TrainSteps}: a schedule needs at least 2 steps");
        Need(BetaStart > 0 && BetaEnd < 1 && BetaStart <= BetaEnd, "beta_start", $"betas {BetaStart} .. {BetaEnd} must rise within (0, 1)");
        Need(BetaSchedule == "linear", "beta_schedule", $"'{BetaSchedule}' is not supported (the samplers implement 'linear')");
        Need(PredictionTypeName is "epsilon" or "v_prediction", "prediction_type", $"'{PredictionTypeName}' is not supported (epsilon or v_prediction)");
        Need(ClipSample, "clip_sample", "false is not supported: the samplers and the host driver clip the predicted x0 to [-1, 1]");
    }
}
