using System.CommandLine;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Cli;

/// <summary><c>diffacc model random</c>: a diffusers UNet folder with random weights, for timing and compiling without a download.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write config.json and diffusion_pytorch_model.safetensors into", Required = true };
        var shape = new Option<FileInfo?>("--config") { Description = "A diffusers config.json whose shape to take (default: google/ddpm-cifar10-32's)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights", DefaultValueFactory = _ => 1 };
        var random = new Command("random", "Write a UNet2DModel folder with random weights (default: shaped like google/ddpm-cifar10-32, 35.7 M parameters)") { output, shape, seed };
        random.SetAction(result =>
        {
            try
            {
                if (OutputPath.Refuses(OutputPath.FolderProblem("--out", result.GetValue(output)!.FullName)))
                    return 1;
                var config = result.GetValue(shape) is { } file ? UNetConfig.Load(file.FullName) : UNetConfig.DdpmCifar10;
                var model = UNet2D.Random(config, result.GetValue(seed));
                var folder = result.GetValue(output)!.FullName;
                Hdl.Emit.StagedWrite.Files(model.Files().Select(f => (Path.Combine(folder, f.Name), f.Contents)));
                Console.WriteLine($"wrote {folder}: {model.ParameterCount:#,0} parameters (random), in {DiffAccCommand.Elapsed}");
                return 0;
            }
            catch (Exception e) when (e is ModelFileException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return new Command("model", "Model folders") { random };
    }
}
