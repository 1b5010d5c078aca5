using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Host;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;
using DiffAcc.Sim.Axi;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Cli.Tests;

/// <summary>
/// The C host driver of host/: built into the Verilator harness of DiffAccTop (its simulation backend),
/// it loads program.bin and image.bin, quantizes a sample, runs one UNet forward through the AXI4-Lite
/// registers under random DDR latency and back-pressure, and dumps DDR, which must equal the functional
/// simulator's byte for byte; the Linux backend compiles warning-free.
/// </summary>
public sealed class HostDriverTests(HostDriverTests.SimulatedBoard board) : IClassFixture<HostDriverTests.SimulatedBoard>
{
    /// <summary>The shipped model compiled for the small preset and saved, and DiffAccTop's harness with the driver built in: shared by the runs.</summary>
    public sealed class SimulatedBoard : IAsyncLifetime
    {
        public AcceleratorConfig Config { get; } = Presets.Small;

        public CompiledUNet Compiled { get; private set; } = null!;

        public string Folder { get; } = Directory.CreateTempSubdirectory("diffacc-host-").FullName;

        public VerilatorModel Simulator { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var model = QuantizedUNet.Load(UNet2D.Load(ModelOptions.ShippedUNet), ModelOptions.ShippedQuantization);
            Compiled = UNetCompiler.Compile(model, Config, new DdimScheduler(NoiseSchedule.Ddpm, 2).Timesteps);
            Compiled.Save(Folder);
            var harness = new AxiSystemHarness().WithHostProgram(HostDriver.Simulation(IsaDocument.CHeader(Config), Compiled.Header()));
            var design = HdlFlow.For(() => new DiffAccTop(Config)).Run().ThrowIfFailed();
            Simulator = await VerilatorBuild.For(design).WithHarness(harness).BuildAsync();
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Folder, recursive: true);
            return Task.CompletedTask;
        }

        /// <summary>The driver's one forward of step 1 on a zero sample, as <c>diffacc-run --forward</c> runs it.</summary>
        public AxiSystemRun Forward(string timeoutMs)
        {
            var layout = Compiled.Layout();
            var samplePath = Path.Combine(Folder, "zero.f32");
            File.WriteAllBytes(samplePath, new byte[Compiled.Batch * Compiled.Sample.Channels * Compiled.Sample.Height * Compiled.Sample.Width * sizeof(float)]);
            return AxiSystemRun.Of(Simulator).WithDdr(layout.Address, new byte[layout.Bytes]).WithSeed(9).WithLatency(40, 160).WithBackPressure(0.6, 0.25)
                .WithHostProgram("--program", Path.Combine(Folder, "program.bin"), "--image", Path.Combine(Folder, "image.bin"), "--forward", "1", "--sample", samplePath, "--dump", Path.Combine(Folder, "dump-zero.bin"), "--timeout-ms", timeoutMs)
                .WithMaxCycles(60_000_000);
        }
    }

    [Fact]
    public async Task One_forward_through_the_C_driver_in_simulation_is_bit_exact_against_the_functional_simulator()
    {
        var compiled = board.Compiled;
        var folder = board.Folder;
        var simulator = board.Simulator;

        // A sample with values beyond the step's range and exact rounding ties, so quantization saturates and rounds.
        const int step = 1;
        var layout = compiled.Layout();
        var scale = compiled.SampleScales[compiled.StepGroupOfStep[step]];
        var random = new Random(11);
        var sample = new Tensor([compiled.Batch, compiled.Sample.Channels, compiled.Sample.Height, compiled.Sample.Width]);
        for (var i = 0; i < sample.Length; i++)
            sample.Data[i] = (i % 7) switch { 0 => (float)(200 * scale), 1 => (float)(-200 * scale), 2 => (float)(((i % 11) - 5 + 0.5) * scale), _ => (float)(random.NextDouble() * 4 - 2) };
        var samplePath = Path.Combine(folder, "sample.f32");
        await File.WriteAllBytesAsync(samplePath, System.Runtime.InteropServices.MemoryMarshal.AsBytes(sample.Data.AsSpan()).ToArray());
        var dumpPath = Path.Combine(folder, "dump.bin");

        var run = await AxiSystemRun.Of(simulator).WithDdr(layout.Address, new byte[layout.Bytes]).WithSeed(5).WithLatency(40, 160).WithBackPressure(0.6, 0.25)
            .WithHostProgram("--program", Path.Combine(folder, "program.bin"), "--image", Path.Combine(folder, "image.bin"), "--forward", $"{step}", "--sample", samplePath, "--dump", dumpPath, "--timeout-ms", "200")
            .WithMaxCycles(60_000_000).RunAsync();
        Assert.True(run.Completed && run.HostExit == 0, $"stop {run.Stop}, host exit {run.HostExit}, violations [{string.Join("; ", run.Violations)}]: {run.HostLog}");
        Assert.Contains("step 1 (timestep 0, step group", run.HostLog, StringComparison.Ordinal);
        Assert.Contains(": done, status 0x2", run.HostLog, StringComparison.Ordinal);

        var expected = compiled.NewDdr(layout);
        compiled.WriteSample(expected, layout, sample, 0, compiled.Batch, step);
        var functional = new FunctionalRunner().Run(compiled, expected, layout, compiled.Registers(layout, step)).Ddr.Bytes;
        var dump = await File.ReadAllBytesAsync(dumpPath);
        Assert.Equal(functional.Length, dump.Length);
        var first = Enumerable.Range(0, dump.Length).FirstOrDefault(i => dump[i] != functional[i], -1);
        Assert.True(first < 0, $"the driver's DDR differs from the functional simulator's first at byte {first} (0x{layout.Address + first:X}): {dump[Math.Max(first, 0)]} vs {functional[Math.Max(first, 0)]}");
        Assert.Equal(functional, run.Ddr);
        // The prediction is not trivially zero: the forward ran.
        Assert.Contains(compiled.Read(new DiffAcc.Accelerator.Isa.Simulation.DdrImage(layout.Address, dump), layout, compiled.Output, 0), v => v != 0);
    }

    /// <summary>
    /// A step that outlives its timeout (1 ms: a forward takes longer) is aborted by the driver: the machine ends
    /// it, reports ABORTED and is idle, and the driver says so and fails the step.
    /// </summary>
    [Fact]
    public async Task A_step_past_its_timeout_is_aborted_and_the_machine_ends_it()
    {
        var run = await board.Forward("1").RunAsync();
        Assert.True(run.Completed, $"stop {run.Stop}, violations [{string.Join("; ", run.Violations)}]: {run.HostLog}");
        Assert.NotEqual(0, run.HostExit);
        Assert.Contains("no interrupt before the timeout, aborted, status 0x6", run.HostLog, StringComparison.Ordinal);
        Assert.Contains("error ABORTED (code 6)", run.HostLog, StringComparison.Ordinal);
    }

    /// <summary>An SLVERR on a read mid-forward stops the program; the driver names the error and the instruction.</summary>
    [Fact]
    public async Task An_AXI_error_response_is_reported_by_name_with_its_instruction()
    {
        var run = await board.Forward("200").WithReadError(40).RunAsync();
        Assert.True(run.Completed && run.FirstErrorCycle >= 0, $"stop {run.Stop}, error at {run.FirstErrorCycle}, violations [{string.Join("; ", run.Violations)}]: {run.HostLog}");
        Assert.NotEqual(0, run.HostExit);
        Assert.Matches(@": error, status 0x6, error AXI_RESPONSE \(code 2\) at instruction \d+", run.HostLog);
    }

    [Theory]
    [InlineData("epsilon")]
    [InlineData("v_prediction")]
    public async Task The_drivers_DDIM_update_equals_the_samplers_for_both_prediction_types(string prediction)
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-host-ddim-").FullName;
        var config = Presets.Small;
        var sampling = new SchedulerConfig { PredictionTypeName = prediction };
        var scheduler = sampling.Ddim(2);
        var model = QuantizedUNet.Load(UNet2D.Load(ModelOptions.ShippedUNet), ModelOptions.ShippedQuantization);
        var compiled = UNetCompiler.Compile(model, config, scheduler.Timesteps, 1, sampling);
        foreach (var file in HostDriver.Common)
            await File.WriteAllTextAsync(Path.Combine(folder, file.Name), file.Text);
        await File.WriteAllTextAsync(Path.Combine(folder, "diffacc_isa.h"), IsaDocument.CHeader(config));
        await File.WriteAllTextAsync(Path.Combine(folder, "diffacc_model.h"), compiled.Header());
        // Reads n samples and n predictions, applies the update of the step in argv[1], writes the n samples.
        await File.WriteAllTextAsync(Path.Combine(folder, "update.c"), """
            #include <stdio.h>
            #include <stdlib.h>
            #include "diffacc.h"
            enum { N = 4096 };
            static float sample[N], prediction[N];
            int main(int argc, char **argv)
            {
                (void)argc;
                if (fread(sample, sizeof(float), N, stdin) != N || fread(prediction, sizeof(float), N, stdin) != N)
                    return 2;
                diffacc_ddim_update(sample, prediction, N, (unsigned)atoi(argv[1]));
                return fwrite(sample, sizeof(float), N, stdout) == N ? 0 : 3;
            }
            """);
        var gcc = await CliWrap.Cli.Wrap("gcc").WithArguments(["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I.", "-o", "update", "update.c", "diffacc.c", "-lm"])
            .WithWorkingDirectory(folder).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(gcc.ExitCode == 0, gcc.StandardError);

        // Predictions from -4 to 4, so x0 clips on both sides at the noisy step and stays inside at the last.
        var random = new Random(prediction.Length);
        var sample = new Tensor([1, 1, 64, 64], [.. Enumerable.Range(0, 4096).Select(_ => (float)((random.NextDouble() * 6) - 3))]);
        var output = new Tensor([1, 1, 64, 64], [.. Enumerable.Range(0, 4096).Select(_ => (float)((random.NextDouble() * 8) - 4))]);
        for (var step = 0; step < 2; step++)
        {
            var expected = scheduler.Step(output, scheduler.Timesteps[step], sample, new GaussianNoise(1));
            var input = new MemoryStream();
            input.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(sample.Data.AsSpan()));
            input.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(output.Data.AsSpan()));
            var stdout = new MemoryStream();
            var run = await CliWrap.Cli.Wrap(Path.Combine(folder, "update")).WithArguments([$"{step}"])
                .WithStandardInputPipe(PipeSource.FromBytes(input.ToArray())).WithStandardOutputPipe(PipeTarget.ToStream(stdout)).ExecuteAsync();
            var actual = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(stdout.ToArray()).ToArray();
            Assert.Equal(expected.Length, actual.Length);
            var first = Enumerable.Range(0, actual.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected.Data[i]), -1);
            Assert.True(first < 0, $"{prediction}, step {step}: the driver's update differs first at {first}: {actual[Math.Max(first, 0)]} vs {expected.Data[Math.Max(first, 0)]}");
        }
    }

    [Fact]
    public async Task The_linux_backend_builds_with_the_makefile_under_Werror()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-host-board-").FullName;
        var config = Presets.Small;
        var model = QuantizedUNet.Load(UNet2D.Load(ModelOptions.ShippedUNet), ModelOptions.ShippedQuantization);
        UNetCompiler.Compile(model, config, new DdimScheduler(NoiseSchedule.Ddpm, 2).Timesteps).Save(Path.Combine(folder, "model"));
        foreach (var file in HostDriver.Board)
            await File.WriteAllTextAsync(Path.Combine(folder, file.Name), file.Text);
        await File.WriteAllTextAsync(Path.Combine(folder, "diffacc_isa.h"), IsaDocument.CHeader(config));
        var make = await CliWrap.Cli.Wrap("make").WithArguments(["CC=gcc", "MODEL=model", "ISA=."]).WithWorkingDirectory(folder).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(make.ExitCode == 0, make.StandardOutput + make.StandardError);
        Assert.True(File.Exists(Path.Combine(folder, "diffacc-run")));

        // Help before any device: no /dev/mem, no UIO, no u-dma-buf is opened.
        var help = await CliWrap.Cli.Wrap(Path.Combine(folder, "diffacc-run")).WithArguments(["--uio", "/nonexistent/uio", "--help"]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(help.ExitCode == 0, help.StandardOutput + help.StandardError);
        Assert.Contains("usage: diffacc-run", help.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--forward STEP --sample FILE", help.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(help.StandardError);

        // A model compiled for one preset against the ISA header of another stops the build with a reason.
        await File.WriteAllTextAsync(Path.Combine(folder, "diffacc_isa.h"), IsaDocument.CHeader(Presets.Xczu9eg));
        File.Delete(Path.Combine(folder, "diffacc-run"));
        make = await CliWrap.Cli.Wrap("make").WithArguments(["CC=gcc", "MODEL=model", "ISA=."]).WithWorkingDirectory(folder).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.NotEqual(0, make.ExitCode);
        Assert.Contains("diffacc_model.h was compiled for another accelerator shape than diffacc_isa.h describes", make.StandardError, StringComparison.Ordinal);
    }

    /// <summary>
    /// The ordering points of a step: BUSY checked, the stale interrupt cleared, then a barrier, then START; the
    /// interrupt, then a barrier, then the first read of the result. On aarch64 the barrier is a DSB.
    /// </summary>
    [Fact]
    public void A_step_orders_the_window_around_start_and_the_interrupt()
    {
        var library = HostDriver.Board.Single(f => f.Name == "diffacc.c").Text;
        var header = HostDriver.Board.Single(f => f.Name == "diffacc.h").Text;
        Assert.Contains("#define DIFFACC_BARRIER() __asm__ __volatile__(\"dsb sy\" ::: \"memory\")", header, StringComparison.Ordinal);
        var clear = library.IndexOf("DIFFACC_REG_IRQ_STATUS, 1);", StringComparison.Ordinal);
        var start = library.IndexOf("DIFFACC_REG_CONTROL, DIFFACC_CONTROL_START);", StringComparison.Ordinal);
        var wait = library.IndexOf("device->wait_interrupt(", StringComparison.Ordinal);
        // The status read after the wait (the first one, before START, checks that nothing still runs).
        var busy = library.IndexOf("read32(device->context, DIFFACC_REG_STATUS)", StringComparison.Ordinal);
        Assert.True(busy >= 0 && busy < clear && library[busy..clear].Contains("DIFFACC_STATUS_BUSY", StringComparison.Ordinal), "a step checks BUSY before it starts");
        var status = library.IndexOf("read32(device->context, DIFFACC_REG_STATUS)", wait, StringComparison.Ordinal);
        Assert.True(clear >= 0 && clear < start, "IRQ_STATUS is cleared before START");
        Assert.Contains("DIFFACC_BARRIER();", library[clear..start], StringComparison.Ordinal);
        Assert.True(wait > start && status > wait);
        Assert.Contains("DIFFACC_BARRIER();", library[wait..status], StringComparison.Ordinal);
    }
}
