using System.CommandLine;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Unet;

namespace DiffAcc.Cli;

/// <summary>The <c>--model</c> and <c>--quant</c> options shared by the model commands, with the shipped Fashion-MNIST model as default.</summary>
internal sealed class ModelOptions
{
    /// <summary>Where the build puts the shipped weights (copied from model/weights/).</summary>
    public static string ShippedFolder { get; } = Path.Combine(AppContext.BaseDirectory, "weights", "fashion-mnist");

    public static string ShippedUNet => Path.Combine(ShippedFolder, "unet");

    public static string ShippedFeatures => Path.Combine(ShippedFolder, "features");

    /// <summary>The shipped UNet's quantization: 5 step groups calibrated on 32 DDIM trajectories of 50 steps.</summary>
    public static string ShippedQuantization => Path.Combine(ShippedFolder, "quantization.json");

    // No default value: help would print the build folder's absolute path; ModelFolder resolves the shipped one.
    public Option<DirectoryInfo?> Model { get; } = new("--model")
    {
        Description = "Diffusers model folder (config.json + diffusion_pytorch_model.safetensors); default: the shipped Fashion-MNIST UNet",
    };

    /// <summary>The <c>--model</c> folder, or the shipped UNet's.</summary>
    public string ModelFolder(ParseResult result) => result.GetValue(Model)?.FullName ?? ShippedUNet;

    public Option<FileInfo?> Quant { get; } = new("--quant") { Description = "Quantization file from `diffacc quantize`: run the int8 model (the shipped model's is used where a command needs one and none is given)" };

    public Option<int> Steps { get; } = new("--steps") { Description = "DDIM denoising steps", DefaultValueFactory = _ => 50 };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of the starting noise", DefaultValueFactory = _ => 1 };

    /// <summary>The FP32 model, or a <see cref="Model.SafeTensors.ModelFileException"/> naming the file and tensor.</summary>
    public UNet2D LoadFp32(ParseResult result) => UNet2D.Load(ModelFolder(result));

    /// <summary>The model folder's scheduler_config.json (its schedule and prediction type), or the DDPM defaults when it has none.</summary>
    public SchedulerConfig LoadScheduler(ParseResult result) => SchedulerConfig.Load(ModelFolder(result));

    /// <summary>The FP32 model, or the int8 model built on it when <c>--quant</c> is given.</summary>
    public INoisePredictor LoadPredictor(ParseResult result, UNet2D fp32)
        => result.GetValue(Quant) is { } quant ? QuantizedUNet.Load(fp32, quant.FullName) : fp32;

    /// <summary>
    /// The quantization file of <c>--quant</c>, or the shipped one when the model is the shipped UNet; null when neither
    /// (the command then says that it needs <c>--quant</c>).
    /// </summary>
    public string? QuantizationFile(ParseResult result)
        => result.GetValue(Quant)?.FullName
            ?? (Path.GetFullPath(ModelFolder(result)).TrimEnd('/') == Path.GetFullPath(ShippedUNet).TrimEnd('/') ? ShippedQuantization : null);

    /// <summary>The int8 model with <see cref="QuantizationFile"/>'s scales.</summary>
    public QuantizedUNet? LoadQuantized(ParseResult result, UNet2D fp32)
        => QuantizationFile(result) is { } file ? QuantizedUNet.Load(fp32, file) : null;

    /// <summary>The timesteps DDIM of <paramref name="steps"/> steps visits (the same for every prediction type).</summary>
    public static IReadOnlyList<int> DdimTimesteps(int steps) => new DdimScheduler(NoiseSchedule.Ddpm, steps).Timesteps;
}
