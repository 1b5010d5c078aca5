using DiffAcc.Model.Quantization;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Unet;

namespace DiffAcc.Model.Tests;

/// <summary>The committed tiny UNet and one calibration of it (4 trajectories of 6 DDIM steps), shared by the int8 tests.</summary>
internal static class TinyCalibration
{
    public static UNet2D Model { get; } = UNet2D.Load(Path.Combine(Folder(), "Reference", "tiny-unet"));

    public static Lazy<StepwiseCalibration> Calibration { get; } = new(() =>
        StepwiseCalibration.Run(Model, NoiseSchedule.Ddpm, new DdimScheduler(NoiseSchedule.Ddpm, 6), "ddim", 4, 11));

    private static string Folder([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
