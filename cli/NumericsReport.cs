using System.CommandLine;
using System.Globalization;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>
/// <c>diffacc report numerics</c>: the error of each integer operator (GroupNorm, SiLU, softmax,
/// attention, residual add, concat rescale) against FP32 on the same int8 inputs, taken from the
/// int8 model running along FP32 sampling trajectories of the model, in int8 output steps.
/// </summary>
internal static class NumericsReport
{
    public static Command Create()
    {
        var options = new ModelOptions();
        var trajectories = new Option<int>("--trajectories") { Description = "Calibration trajectories", DefaultValueFactory = _ => 8 };
        var samples = new Option<int>("--samples") { Description = "Samples whose activations are measured at every step", DefaultValueFactory = _ => 2 };
        var unsignedSoftmax = new Option<bool>("--unsigned-softmax") { Description = "Softmax probabilities unsigned in steps of 1/255 (as quantize --unsigned-softmax)" };
        var command = new Command("numerics", "Error of each integer operator against FP32 on the model's own activations, in int8 steps")
        {
            options.Model, options.Steps, trajectories, samples, unsignedSoftmax, options.Seed,
        };
        options.Steps.DefaultValueFactory = _ => 20;
        command.SetAction(result => Run(options, result, result.GetValue(trajectories), result.GetValue(samples), result.GetValue(unsignedSoftmax) ? ProbabilityFormat.Unsigned : ProbabilityFormat.Signed));
        return command;
    }

    private static int Run(ModelOptions options, ParseResult result, int trajectories, int samples, ProbabilityFormat probabilities)
    {
        var steps = result.GetValue(options.Steps);
        if (steps < 1 || trajectories < 1 || samples < 1)
        {
            Console.Error.WriteLine("error: --steps, --trajectories and --samples must be at least 1");
            return 1;
        }
        Model.Unet.UNet2D fp32;
        SchedulerConfig sampling;
        try
        {
            fp32 = options.LoadFp32(result);
            sampling = options.LoadScheduler(result);
        }
        catch (ModelFileException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        var seed = result.GetValue(options.Seed);
        var calibration = QuantizeCommand.Calibrate(fp32, sampling, steps, trajectories, seed + 1000);
        var int8 = new QuantizedUNet(fp32, calibration.Quantize(steps, Model.Quantization.StepGrouping.Equal, probabilities: probabilities));
        var accuracy = new OperatorAccuracy();
        var scheduler = sampling.Ddim(steps);
        var c = fp32.Config;
        AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask($"int8 operators vs FP32, {samples} samples x {steps} steps", maxValue: steps);
            var noise = new GaussianNoise(seed);
            var x = new Tensor([samples, c.InChannels, c.SampleSize, c.SampleSize]);
            noise.Fill(x.Data);
            foreach (var t in scheduler.Timesteps)
            {
                int8.PredictNoise(x, t, accuracy);
                x = scheduler.Step(fp32.PredictNoise(x, t), t, x, noise);
                task.Increment(1);
            }
        });
        var table = new Table().Title($"Integer operators against FP32 on the same int8 inputs ({samples} samples x {steps} DDIM steps, step-wise scales from {trajectories} trajectories{(probabilities == ProbabilityFormat.Unsigned ? ", softmax probabilities in 1/255" : "")}), error in output steps")
            .AddColumn("operator").AddColumn(new TableColumn("values").RightAligned()).AddColumn(new TableColumn("mean error").RightAligned()).AddColumn(new TableColumn("max error").RightAligned());
        foreach (var (name, (count, mean, max)) in accuracy.Errors.OrderBy(e => e.Key, StringComparer.Ordinal))
            table.AddRow(name, count.ToString("#,0", CultureInfo.InvariantCulture), mean.ToString("0.000", CultureInfo.InvariantCulture), max.ToString("0.00", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        return 0;
    }
}
