using System.CommandLine;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Unet;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc sample</c>: images from a diffusers UNet folder with DDIM or DDPM, as a PNG grid.</summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var options = new ModelOptions();
        var sampler = new Option<string>("--sampler") { Description = "ddim or ddpm", DefaultValueFactory = _ => "ddim" };
        sampler.AcceptOnlyFromAmong("ddim", "ddpm");
        var steps = new Option<int?>("--steps") { Description = "Denoising steps (default 50 for DDIM, 1000 for DDPM)" };
        var eta = new Option<double>("--eta") { Description = "DDIM eta (0 = deterministic)", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "Images to sample", DefaultValueFactory = _ => 16 };
        var output = new Option<FileInfo>("--out") { Description = "PNG grid to write", Required = true };
        var command = new Command("sample", "Sample images with the FP32 UNet, or the int8 model with --quant (DDIM or DDPM), and write a PNG grid")
        {
            options.Model, options.Quant, sampler, steps, eta, count, options.Seed, output,
        };
        command.SetAction(result => Run(options, result, result.GetValue(sampler)!, result.GetValue(steps), result.GetValue(eta), result.GetValue(count), result.GetValue(output)!));
        return command;
    }

    private static int Run(ModelOptions options, ParseResult result, string sampler, int? steps, double eta, int count, FileInfo output)
    {
        if (count < 1)
        {
            Console.Error.WriteLine("error: --count must be at least 1");
            return 1;
        }
        INoisePredictor model;
        UNetConfig config;
        try
        {
            var fp32 = options.LoadFp32(result);
            config = fp32.Config;
            model = options.LoadPredictor(result, fp32);
        }
        catch (ModelFileException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        var schedule = NoiseSchedule.Ddpm;
        IScheduler scheduler;
        try
        {
            scheduler = sampler == "ddpm" ? new DdpmScheduler(schedule, steps ?? schedule.TrainSteps) : new DdimScheduler(schedule, steps ?? 50, eta);
        }
        catch (ArgumentOutOfRangeException e)
        {
            Console.Error.WriteLine($"error: --steps: {e.Message.Split(" (Parameter")[0]}");
            return 1;
        }
        var seed = result.GetValue(options.Seed);
        var kind = model is UNet2D ? "FP32" : "int8";
        var images = AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask($"{kind} {sampler} {scheduler.Timesteps.Count} steps, {count} images", maxValue: scheduler.Timesteps.Count);
            return Sampler.Run(model, scheduler, [count, config.InChannels, config.SampleSize, config.SampleSize], seed, new SynchronousProgress(done => task.Value = done));
        });
        ImageGrid.Save(images, output.FullName);
        Console.WriteLine($"wrote {output.FullName}");
        return 0;
    }
}
