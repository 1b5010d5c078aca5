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
        var model = new Option<DirectoryInfo>("--model") { Description = "Diffusers model folder (config.json + diffusion_pytorch_model.safetensors)", Required = true };
        var quant = new Option<FileInfo?>("--quant") { Description = "Quantization file: sample with the int8 model (not built yet)" };
        var sampler = new Option<string>("--sampler") { Description = "ddim or ddpm", DefaultValueFactory = _ => "ddim" };
        sampler.AcceptOnlyFromAmong("ddim", "ddpm");
        var steps = new Option<int?>("--steps") { Description = "Denoising steps (default 50 for DDIM, 1000 for DDPM)" };
        var eta = new Option<double>("--eta") { Description = "DDIM eta (0 = deterministic)", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "Images to sample", DefaultValueFactory = _ => 16 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the starting noise", DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo>("--out") { Description = "PNG grid to write", Required = true };
        var command = new Command("sample", "Sample images with the FP32 UNet (DDIM or DDPM) and write a PNG grid") { model, quant, sampler, steps, eta, count, seed, output };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(quant), result.GetValue(sampler)!, result.GetValue(steps), result.GetValue(eta), result.GetValue(count), result.GetValue(seed), result.GetValue(output)!));
        return command;
    }

    internal static int Run(DirectoryInfo model, FileInfo? quant, string sampler, int? steps, double eta, int count, ulong seed, FileInfo output)
    {
        if (quant is not null)
        {
            Console.Error.WriteLine("error: the int8 model is not built yet; sample without --quant");
            return 1;
        }
        if (count < 1)
        {
            Console.Error.WriteLine("error: --count must be at least 1");
            return 1;
        }
        UNet2D unet;
        try
        {
            unet = UNet2D.Load(model.FullName);
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
        var c = unet.Config;
        var images = AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask($"{sampler} {scheduler.Timesteps.Count} steps, {count} images", maxValue: scheduler.Timesteps.Count);
            return Sampler.Run(unet, scheduler, [count, c.InChannels, c.SampleSize, c.SampleSize], seed, new SynchronousProgress(done => task.Value = done));
        });
        ImageGrid.Save(images, output.FullName);
        Console.WriteLine($"wrote {output.FullName}");
        return 0;
    }

    /// <summary>Reports on the calling thread, so the progress bar follows the loop step by step.</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
