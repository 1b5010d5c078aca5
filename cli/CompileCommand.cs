using System.CommandLine;
using System.Globalization;
using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Sampling;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc compile</c>: a diffusers UNet and its quantization file into a program, a DDR image, a manifest and a C header.</summary>
internal static class CompileCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var accelerator = new AcceleratorOptions();
        var sampler = SamplerOption();
        var batch = new Option<int>("--batch") { Description = "Samples per run: in the small layers side by side, groups / batch PE groups each, sharing every weight fetch; where a sample's tensors fill a quarter of a group's buffer, one after another on every group", DefaultValueFactory = _ => 1 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for program.bin, image.bin, manifest.json and diffacc_model.h", Required = true };
        var verbose = new Option<bool>("--verbose") { Description = "Print every layer: shape, tiling, instructions, MACs and DDR bytes" };
        var everyTensor = new Option<bool>("--every-tensor") { Description = "Store every layer's output to DDR, for comparing a run layer by layer (by default a tensor no later layer loads stays in the buffers)" };
        var command = new Command("compile", "Compile a UNet2DModel and its quantization file for an accelerator configuration: one program per forward pass, parameterised by the step")
        {
            model.Model, model.Quant, model.Steps, sampler, batch, output, verbose, everyTensor,
        };
        accelerator.AddTo(command);
        command.SetAction(result =>
        {
            try
            {
                var config = accelerator.Resolve(result);
                if (OutputPath.Refuses(OutputPath.FolderProblem("--out", result.GetValue(output)!.FullName)))
                    return 1;
                if (model.LoadQuantized(result, model.LoadFp32(result)) is not { } quantized)
                {
                    Console.Error.WriteLine("error: --quant is required: the program needs the activation scales (diffacc quantize writes them)");
                    return 1;
                }
                var sampling = model.LoadScheduler(result);
                IScheduler scheduler;
                try
                {
                    scheduler = Scheduler(sampling, result.GetValue(sampler)!, result.GetValue(model.Steps));
                }
                catch (ArgumentOutOfRangeException e)
                {
                    Console.Error.WriteLine($"error: --steps: {e.Message.Split(" (Parameter")[0]}");
                    return 1;
                }
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var compiled = UNetCompiler.Compile(quantized, config, scheduler.Timesteps, result.GetValue(batch), sampling, result.GetValue(everyTensor));
                if (result.GetValue(verbose))
                    AnsiConsole.Write(LayerTable(compiled));
                var folder = result.GetValue(output)!.FullName;
                compiled.Save(folder);
                AnsiConsole.Write(Summary(compiled, folder));
                Console.WriteLine($"compiled and written in {watch.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s");
                return 0;
            }
            catch (Exception e) when (e is CompileException or ConfigException or ModelFileException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    public static Option<string> SamplerOption()
    {
        var sampler = new Option<string>("--sampler") { Description = "ddim or ddpm: the timesteps the program is compiled for", DefaultValueFactory = _ => "ddim" };
        sampler.AcceptOnlyFromAmong("ddim", "ddpm");
        return sampler;
    }

    /// <summary>The sampler whose timesteps the program is compiled for, on the model's own schedule.</summary>
    public static IScheduler Scheduler(SchedulerConfig sampling, string sampler, int steps)
        => sampler == "ddpm" ? sampling.Ddpm(steps) : sampling.Ddim(steps);

    private static string N(long v) => v.ToString("#,0", CultureInfo.InvariantCulture);

    private static Table Summary(CompiledUNet compiled, string folder)
    {
        var traffic = ProgramTraffic.Of(compiled.Config, compiled.Program.Instructions);
        var r = compiled.Regions;
        var table = new Table().Title($"compiled for {compiled.Config.Name}: {folder}").AddColumn("what").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("instructions", N(compiled.Program.Count));
        table.AddRow("program.bin bytes", N(compiled.Program.Count * InstructionSet.Bytes));
        table.AddRow("image.bin bytes", N(compiled.Image.Length));
        table.AddRow("  constants (weights)", N(r.ConstantsBytes));
        table.AddRow($"  step group tables ({compiled.SampleScales.Count} x {N(r.StepGroupStride)})", N(r.StepGroupTablesBytes));
        table.AddRow($"  step tables ({compiled.Timesteps.Count} x {N(r.StepStride)})", N(r.StepTablesBytes));
        table.AddRow("work region bytes", N(compiled.WorkBytes));
        table.AddRow("layers", N(compiled.Layers.Count));
        table.AddRow("MACs per run", N(compiled.Layers.Sum(l => l.Macs)));
        table.AddRow($"DDR bytes per run (batch {compiled.Batch})", N(traffic.Total));
        table.AddRow("  weights", N(traffic.Weights));
        table.AddRow("  tables", N(traffic.Tables));
        table.AddRow("  activations read / written", $"{N(traffic.ActivationsRead)} / {N(traffic.ActivationsWritten)}");
        table.AddRow("  instructions", N(traffic.Instructions));
        return table;
    }

    private static Table LayerTable(CompiledUNet compiled)
    {
        var table = new Table().Title("layers").AddColumn("layer").AddColumn("operation").AddColumn("shape").AddColumn("tiling")
            .AddColumn(new TableColumn("instructions").RightAligned()).AddColumn(new TableColumn("MACs").RightAligned()).AddColumn(new TableColumn("DDR bytes").RightAligned());
        foreach (var l in compiled.Layers)
        {
            var traffic = ProgramTraffic.Of(compiled.Config, compiled.Program.Instructions.Skip(l.FirstInstruction).Take(l.InstructionCount));
            table.AddRow(Markup.Escape(l.Sample is int sample ? $"{l.Name} (sample {sample})" : l.Name), l.Operation, Markup.Escape(l.Shape), Markup.Escape(l.Tiling), N(l.InstructionCount), N(l.Macs), N(traffic.Total));
        }
        return table;
    }
}
