using System.Diagnostics;
using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc bench model</c>: one forward pass of the DDPM CIFAR-10 UNet in our FP32 engine and int8 reference model beside PyTorch.</summary>
internal static class ModelBench
{
    public static async Task<int> RunAsync(int runs, CancellationToken cancellation)
    {
        var threads = Environment.ProcessorCount;
        var unet = UNet2D.Random(UNetConfig.DdpmCifar10, 1);
        var sample = new Tensor([1, 3, 32, 32], [.. Enumerable.Range(0, 3 * 32 * 32).Select(i => MathF.Sin(i))]);
        var times = new List<double>();
        var int8Times = new List<double>();
        AnsiConsole.Progress().Start(context =>
        {
            var fp32Task = context.AddTask($"DiffAcc FP32: warm-up and {runs} timed forward passes", maxValue: runs + 1);
            var int8Task = context.AddTask($"DiffAcc int8: calibration, warm-up and {runs} timed forward passes", maxValue: runs + 2);
            unet.Forward(sample, [500f]);
            fp32Task.Increment(1);
            for (var i = 0; i < runs; i++)
            {
                Interrupt.ThrowIfRequested();
                var watch = Stopwatch.StartNew();
                unet.Forward(sample, [500f]);
                times.Add(watch.Elapsed.TotalMilliseconds);
                fp32Task.Increment(1);
            }

            // Scales from a 2-step calibration on one trajectory: the timing does not depend on their values.
            var quantization = StepwiseCalibration.Run(unet, NoiseSchedule.Ddpm, new DdimScheduler(NoiseSchedule.Ddpm, 2), "ddim", 1, 1).Quantize(1);
            var int8 = new QuantizedUNet(unet, quantization);
            int8Task.Increment(1);
            int8.PredictNoise(sample, 500);
            int8Task.Increment(1);
            for (var i = 0; i < runs; i++)
            {
                Interrupt.ThrowIfRequested();
                var watch = Stopwatch.StartNew();
                int8.PredictNoise(sample, 500);
                int8Times.Add(watch.Elapsed.TotalMilliseconds);
                int8Task.Increment(1);
            }
        });
        var ours = Median(times);
        var oursInt8 = Median(int8Times);

        string pytorch;
        double? theirs = null;
        var script = Path.GetFullPath(Path.Combine("model", "pytorch", "bench_unet.py"));
        if (!File.Exists("/usr/bin/python3") || !File.Exists(script))
        {
            pytorch = "not available: run from the repository root with Debian's python3-torch installed";
        }
        else
        {
            BufferedCommandResult? result = null;
            await AnsiConsole.Status().StartAsync($"PyTorch FP32: warm-up and {runs} timed forward passes", async _ =>
                result = await CliWrap.Cli.Wrap("/usr/bin/python3").WithArguments([script, threads.ToString(CultureInfo.InvariantCulture), runs.ToString(CultureInfo.InvariantCulture)])
                    .WithWorkingDirectory(Path.GetDirectoryName(script)!).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellation));
            var words = result!.StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (result.ExitCode == 0 && words.Length >= 2 && double.TryParse(words[1], CultureInfo.InvariantCulture, out var ms))
            {
                theirs = ms;
                pytorch = $"{ms:0.0} ms";
            }
            else
            {
                pytorch = $"not available: {result.StandardError.Trim().Split('\n').LastOrDefault()} (apt-get install python3-torch)";
            }
        }
        var table = new Table().Title($"DDPM CIFAR-10 UNet, {unet.ParameterCount:#,0} parameters, batch 1, {threads} threads, median of {runs}")
            .AddColumn("engine").AddColumn(new TableColumn("forward pass").RightAligned());
        table.AddRow("DiffAcc FP32", $"{ours:0.0} ms");
        table.AddRow("DiffAcc int8 (integer reference model)", $"{oursInt8:0.0} ms");
        table.AddRow("PyTorch FP32", Markup.Escape(pytorch));
        if (theirs is { } t)
            table.AddRow("ours / PyTorch", $"{ours / t:0.00} (target: at most 2)");
        AnsiConsole.Write(table);
        return 0;
    }

    private static double Median(List<double> times)
    {
        times.Sort();
        return times[times.Count / 2];
    }
}
