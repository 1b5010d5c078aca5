using System.CommandLine;
using DiffAcc.Hdl.Emit;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Sampling;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc quantize</c>: step-wise post-training quantization of a diffusers UNet into a quantization file.</summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var options = new ModelOptions();
        var groups = new Option<int?>("--groups") { Description = "Step groups K (1 = static PTQ, = --steps for fully step-wise; default 5, or --steps when fewer)" };
        var trajectories = new Option<int>("--trajectories") { Description = "FP32 sampling trajectories to calibrate on", DefaultValueFactory = _ => 32 };
        var output = new Option<FileInfo>("--out") { Description = "Quantization file to write (JSON)", Required = true };
        var grouping = GroupingOption();
        var siluZeroPoint = new Option<bool>("--silu-zero-point") { Description = "SiLU outputs asymmetric: [SiLU's minimum, clip] over all 256 codes with a zero point, instead of [-clip, clip] (the int8 model and the accelerator run it: convolutions fold the zero point into their bias and pad with it)" };
        var unsignedSoftmax = new Option<bool>("--unsigned-softmax") { Description = "Softmax probabilities unsigned in steps of 1/255 (zero point -128) instead of signed in 1/127 (the int8 model and the accelerator run it: P x V adds 128 x the sum of V in two more passes)" };
        var splitConcat = SplitConcatOption("Skip concatenations with split scales: each part at its own power-of-two step of the concatenation's scale (the int8 model and the accelerator run it: GroupNorm and the shortcut convolution take the parts' exponents)");
        var command = new Command("quantize", "Calibrate int8 activation scales per step group from FP32 DDIM trajectories (MSE clipping) and write a quantization file")
        {
            options.Model, options.Steps, groups, grouping, siluZeroPoint, unsignedSoftmax, splitConcat, trajectories, options.Seed, output,
        };
        command.SetAction(result => Run(options, result, result.GetValue(groups) ?? Math.Min(5, Math.Max(1, result.GetValue(options.Steps))), result.GetValue(grouping), result.GetValue(siluZeroPoint),
            result.GetValue(unsignedSoftmax) ? ProbabilityFormat.Unsigned : ProbabilityFormat.Signed, result.GetValue(splitConcat) ? ConcatScales.Split : ConcatScales.Shared, result.GetValue(trajectories), result.GetValue(output)!));
        return command;
    }

    /// <summary>--split-concat, described for the command that takes it.</summary>
    internal static Option<bool> SplitConcatOption(string description) => new("--split-concat") { Description = description };

    /// <summary>--grouping: how the steps are cut into step groups.</summary>
    internal static Option<StepGrouping> GroupingOption() => new("--grouping")
    {
        Description = "How steps are cut into groups: equal (runs of equal length) or statistics (runs whose activation ranges are alike)",
        DefaultValueFactory = _ => StepGrouping.Equal,
    };

    private static int Run(ModelOptions options, ParseResult result, int groups, StepGrouping grouping, bool siluZeroPoint, ProbabilityFormat probabilities, ConcatScales concat, int trajectories, FileInfo output)
    {
        var steps = result.GetValue(options.Steps);
        if (steps < 1 || trajectories < 1 || groups < 1 || groups > steps)
        {
            Console.Error.WriteLine($"error: need --steps ≥ 1, --trajectories ≥ 1 and 1 ≤ --groups ≤ --steps (got {steps}, {trajectories}, {groups})");
            return 1;
        }
        if (OutputPath.Refuses(OutputPath.FileProblem("--out", output.FullName)))
            return 1;
        try
        {
            var model = options.LoadFp32(result);
            var calibration = Calibrate(model, options.LoadScheduler(result), steps, trajectories, result.GetValue(options.Seed));
            var file = calibration.Quantize(groups, grouping, siluZeroPoint, probabilities, concat);
            StagedWrite.Files([(output.FullName, System.Text.Encoding.UTF8.GetBytes(file.ToJson()))]);
            Console.WriteLine($"wrote {output.FullName}: {file.Scales.Count} activation points x {groups} step groups ({grouping.ToString().ToLowerInvariant()}: timesteps {string.Join(", ", file.StepGroups.Select(g => $"{g.From}..{g.To}"))}), calibrated on {trajectories} trajectories of {steps} DDIM steps, in {DiffAccCommand.Elapsed}" + (siluZeroPoint ? $"; {file.ZeroPoints.Count} SiLU outputs with a zero point" : "")
                + (probabilities == ProbabilityFormat.Unsigned ? "; softmax probabilities unsigned (1/255)" : "")
                + (concat == ConcatScales.Split ? "; skip concatenations with split scales" : ""));
            return 0;
        }
        catch (ModelFileException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>FP32 DDIM calibration trajectories with a progress bar.</summary>
    internal static StepwiseCalibration Calibrate(Model.Unet.UNet2D model, SchedulerConfig sampling, int steps, int trajectories, ulong seed)
        => AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask($"calibration: {trajectories} trajectories x {steps} steps", maxValue: steps);
            return StepwiseCalibration.Run(model, sampling.Schedule, sampling.Ddim(steps), "ddim", trajectories, seed, new SynchronousProgress(done => task.Value = done));
        });
}

/// <summary>Reports on the calling thread, so a progress bar follows a loop step by step; the loop stops there once interrupted.</summary>
internal sealed class SynchronousProgress(Action<int> report) : IProgress<int>
{
    public void Report(int value)
    {
        Interrupt.ThrowIfRequested();
        report(value);
    }
}
