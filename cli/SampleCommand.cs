using System.CommandLine;
using System.Globalization;
using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Host;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Model.Int8;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;
using DiffAcc.Sim;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>
/// <c>diffacc sample</c>: images from a diffusers UNet folder with DDIM or DDPM, as a PNG grid, on one of
/// four backends for the same sampling loop: the FP32 model, the int8 model, the compiled program on
/// the functional simulator, or on the Verilator model of DiffAccTop.
/// </summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var options = new ModelOptions();
        var accelerator = new AcceleratorOptions();
        var sampler = CompileCommand.SamplerOption();
        var steps = new Option<int?>("--steps") { Description = "Denoising steps (default 50 for DDIM, 1000 for DDPM)" };
        var eta = new Option<double>("--eta") { Description = "DDIM eta (0 = deterministic)", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "Images to sample", DefaultValueFactory = _ => 16 };
        var backend = new Option<string?>("--backend") { Description = "fp32; int8 (the int8 model); isa (the compiled program on the functional simulator); rtl (on the Verilator model of DiffAccTop). Default: int8 with --quant, else fp32" };
        backend.AcceptOnlyFromAmong("fp32", "int8", "isa", "rtl");
        var compare = new Option<string?>("--compare") { Description = "int8: check every step's noise prediction against the int8 model; prints bit-exact or the first differing tensor, step and index, and fails" };
        compare.AcceptOnlyFromAmong("int8");
        var batch = new Option<int?>("--batch") { Description = "isa, rtl: samples per run, side by side (groups / batch PE groups each) in the small layers, one after another on every group in the large ones (default: as many as the preset has groups)" };
        var output = new Option<FileInfo>("--out") { Description = "PNG grid to write", Required = true };
        var everyTensor = new Option<bool>("--every-tensor") { Description = "isa, rtl: store every layer's output to DDR, so --compare int8 checks each one (by default a tensor no later layer loads stays in the buffers)" };
        var command = new Command("sample", "Sample images (DDIM or DDPM) with the FP32 UNet, the int8 model, or the compiled program on the functional simulator or the RTL, and write a PNG grid")
        {
            options.Model, options.Quant, sampler, steps, eta, count, options.Seed, backend, compare, batch, everyTensor, output,
        };
        accelerator.AddTo(command);
        command.SetAction(result => Run(options, accelerator, result, new Settings(result.GetValue(sampler)!, result.GetValue(steps), result.GetValue(eta), result.GetValue(count), result.GetValue(backend), result.GetValue(compare) is not null, result.GetValue(batch), result.GetValue(everyTensor), result.GetValue(output)!)));
        return command;
    }

    /// <summary>The most images one grid holds: a 10,000-image grid of 32 x 32 images is already 34 MB of pixels.</summary>
    private const int MaxCount = 10_000;

    private sealed record Settings(string Sampler, int? Steps, double Eta, int Count, string? Backend, bool Compare, int? Batch, bool EveryTensor, FileInfo Output);

    private static int Run(ModelOptions options, AcceleratorOptions accelerator, ParseResult result, Settings s)
    {
        if (s.Count is < 1 or > MaxCount)
        {
            Console.Error.WriteLine($"error: --count must be 1 to {MaxCount:#,0} images (one PNG grid), not {s.Count:#,0}");
            return 1;
        }
        if (!string.Equals(s.Output.Extension, ".png", StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"error: --out: the grid is written as PNG; name the file .png, not '{s.Output.Name}'");
            return 1;
        }
        if (s.Compare && s.Backend is not ("isa" or "rtl"))
        {
            Console.Error.WriteLine($"error: --compare int8 checks the compiled program against the int8 model: use it with --backend isa or rtl, not {s.Backend ?? "the default backend"}");
            return 1;
        }
        if (!double.IsFinite(s.Eta) || s.Eta < 0 || s.Eta > 1)
        {
            Console.Error.WriteLine($"error: --eta must be from 0 (deterministic DDIM) to 1 (DDPM-like), not {s.Eta.ToString(CultureInfo.InvariantCulture)}");
            return 1;
        }
        if (OutputPath.Refuses(OutputPath.FileProblem("--out", s.Output.FullName)))
            return 1;
        var backend = s.Backend ?? (result.GetValue(options.Quant) is null ? "fp32" : "int8");
        var needsScales = backend is "int8" or "isa" or "rtl" || s.Compare;
        IScheduler scheduler;
        SchedulerConfig sampling;
        try
        {
            sampling = options.LoadScheduler(result);
        }
        catch (ModelFileException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        try
        {
            scheduler = s.Sampler == "ddpm" ? sampling.Ddpm(s.Steps ?? sampling.TrainSteps) : sampling.Ddim(s.Steps ?? 50, s.Eta);
        }
        catch (ArgumentOutOfRangeException e)
        {
            Console.Error.WriteLine($"error: --steps: {e.Message.Split(" (Parameter")[0]}");
            return 1;
        }
        try
        {
            var fp32 = options.LoadFp32(result);
            var quantized = needsScales ? options.LoadQuantized(result, fp32) : null;
            if (needsScales && quantized is null)
            {
                Console.Error.WriteLine($"error: --quant is required for {(s.Compare ? "--compare int8" : $"--backend {backend}")} with this model: the activation scales come from `diffacc quantize`");
                return 1;
            }
            INoisePredictor model = backend switch
            {
                "fp32" => fp32,
                "int8" => quantized!,
                _ => Compiled(quantized!, accelerator.Resolve(result), scheduler, sampling, s, backend),
            };
            return Sample(model, quantized, fp32.Config, scheduler, s, result.GetValue(options.Seed), backend);
        }
        catch (Exception e) when (e is ModelFileException or CompileException or ConfigException or SimulationException or MachineFault or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static CompiledNoisePredictor Compiled(QuantizedUNet quantized, AcceleratorConfig config, IScheduler scheduler, SchedulerConfig sampling, Settings s, string backend)
    {
        var batch = s.Batch ?? Math.Min(s.Count, config.Groups);
        var compiled = UNetCompiler.Compile(quantized, config, scheduler.Timesteps, batch, sampling, s.EveryTensor);
        Console.WriteLine($"compiled for {config.Name}: {compiled.Program.Count:#,0} instructions, image {compiled.Image.Length:#,0} bytes, work {compiled.WorkBytes:#,0} bytes, batch {batch}");
        IProgramRunner runner = new FunctionalRunner();
        if (backend == "rtl")
        {
            Console.WriteLine($"building the Verilator model of DiffAccTop ({config.Name}) ...");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var model = RtlRunner.Build(config, false);
            Console.WriteLine($"built in {watch.Elapsed.TotalSeconds:0.0} s");
            runner = new RtlRunner(model);
        }
        return new CompiledNoisePredictor(compiled, runner);
    }

    private static int Sample(INoisePredictor model, QuantizedUNet? reference, UNetConfig config, IScheduler scheduler, Settings s, ulong seed, string backend)
    {
        var shape = new[] { s.Count, config.InChannels, config.SampleSize, config.SampleSize };
        var compiled = model as CompiledNoisePredictor;
        string? mismatch = null;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        void OnStep(int step, int t, Tensor x, Tensor predicted)
        {
            Interrupt.ThrowIfRequested();
            if (compiled is not null)
                Report(step, t, compiled);
            if (!s.Compare || mismatch is not null)
                return;
            if (compiled is not null)
            {
                if (Int8Comparison.Check(compiled, reference!, x, t) is { } m)
                    mismatch = $"step {step} (timestep {t}): {m}";
            }
            else
            {
                var expected = reference!.PredictNoise(x, t);
                var first = Enumerable.Range(0, expected.Length).FirstOrDefault(i => expected.Data[i] != predicted.Data[i], -1);
                if (first >= 0)
                    mismatch = $"step {step} (timestep {t}): the noise prediction differs first at index {first}: {predicted.Data[first]}, the int8 model {expected.Data[first]}";
            }
            if (mismatch is not null)
                throw new ComparisonFailed();
        }
        Tensor images;
        try
        {
            images = compiled is not null
                ? Sampler.Run(model, scheduler, shape, seed, null, OnStep)
                : AnsiConsole.Progress().Start(context =>
                {
                    var task = context.AddTask($"{backend} {s.Sampler} {scheduler.Timesteps.Count} steps, {s.Count} images", maxValue: scheduler.Timesteps.Count);
                    return Sampler.Run(model, scheduler, shape, seed, new SynchronousProgress(done => task.Value = done), OnStep);
                });
        }
        catch (ComparisonFailed)
        {
            Console.Error.WriteLine($"not bit-exact against the int8 model: {mismatch}");
            return 1;
        }
        ImageGrid.Save(images, s.Output.FullName);
        if (s.Compare)
            Console.WriteLine($"bit-exact: {scheduler.Timesteps.Count} step(s) x {s.Count} sample(s) against the int8 model{(compiled is null ? "" : $", every activation the program stores ({compiled.Compiled.Tensors.Count} tensors{(s.EveryTensor ? ", every layer's output" : "")})")}");
        Console.WriteLine($"wrote {s.Output.FullName} ({watch.Elapsed.TotalSeconds:0.0} s)");
        return 0;
    }

    /// <summary>One line per run of a step: cycles and where they went (RTL), or what the functional simulator counted.</summary>
    private static void Report(int step, int timestep, CompiledNoisePredictor predictor)
    {
        foreach (var (_, first, count, run) in predictor.Runs)
        {
            var c = run.Counters!;
            var samples = count == 1 ? $"sample {first}" : $"samples {first}-{first + count - 1}";
            if (c.TryGetValue(RegisterMap.Cycles.Name, out var cycles))
            {
                string Share(PerformanceCounter counter) => $"{counter.Name.ToLowerInvariant().Replace('_', ' ')} {100.0 * c[counter.Name] / cycles:0.0} %";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {step} (t = {timestep}), {samples}: {cycles:#,0} cycles in {run.Elapsed.TotalSeconds:0.0} s ({cycles / Math.Max(run.Elapsed.TotalSeconds, 1e-9):#,0} cycles/s); {Share(RegisterMap.PeBusy)}, {Share(RegisterMap.DmaWait)}, {Share(RegisterMap.DependencyWait)}, {Share(RegisterMap.VectorBusy)}"));
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step} (t = {timestep}), {samples}: {c["INSTRUCTIONS"]:#,0} instructions, {c["PE_BUSY"]:#,0} PE terms, {c["BYTES_READ"] + c["BYTES_WRITTEN"]:#,0} DDR bytes in {run.Elapsed.TotalSeconds:0.00} s"));
            }
        }
    }

    private sealed class ComparisonFailed : Exception;
}
