using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Accelerator.Host;

/// <summary>One run of a compiled program: the DDR afterwards, and the performance counters where the runner has them.</summary>
public sealed record ProgramRun(DdrImage Ddr, IReadOnlyDictionary<string, ulong>? Counters = null, TimeSpan Elapsed = default);

/// <summary>Something that runs a program on a DDR image with the host's registers set: the functional simulator, or the RTL under Verilator.</summary>
public interface IProgramRunner
{
    ProgramRun Run(CompiledUNet compiled, DdrImage ddr, DdrLayout layout, MachineRegisters registers);
}

/// <summary>Runs programs on the functional simulator; a race between engines is an error.</summary>
public sealed class FunctionalRunner : IProgramRunner
{
    public ProgramRun Run(CompiledUNet compiled, DdrImage ddr, DdrLayout layout, MachineRegisters registers)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var run = new FunctionalSimulator(compiled.Config).Run(compiled.Program, ddr, registers);
        if (!run.RaceFree)
            throw new MachineFault($"{run.RaceCount} race(s) between engines; first: {run.Races[0]}");
        var counters = new Dictionary<string, ulong>(StringComparer.Ordinal)
        {
            ["INSTRUCTIONS"] = (ulong)run.Statistics.Instructions,
            ["PE_BUSY"] = (ulong)run.Statistics.PeTerms,
            ["BYTES_READ"] = (ulong)run.Statistics.BytesRead,
            ["BYTES_WRITTEN"] = (ulong)run.Statistics.BytesWritten,
        };
        return new ProgramRun(run.Ddr, counters, watch.Elapsed);
    }
}

/// <summary>
/// The host's side of a denoising step on the accelerator, as a noise predictor for the sampler: per
/// batch of up to <see cref="CompiledUNet.Batch"/> samples, quantize them into the input slots, set
/// STEP and STEP_GROUP, run the program, and dequantize the noise prediction.
/// </summary>
public sealed class CompiledNoisePredictor(CompiledUNet compiled, IProgramRunner runner) : INoisePredictor
{
    private readonly List<(int Step, int First, int Count, ProgramRun Run)> runs = [];

    public CompiledUNet Compiled => compiled;

    public DdrLayout Layout { get; } = compiled.Layout();

    /// <summary>Every run so far: its step, the first sample of its batch, how many samples, and its DDR and counters.</summary>
    public IReadOnlyList<(int Step, int First, int Count, ProgramRun Run)> Runs => runs;

    /// <summary>Keeps only the latest step's runs (their DDR images are large).</summary>
    public bool KeepOnlyLatestStep { get; init; } = true;

    public Tensor PredictNoise(Tensor sample, int timestep)
    {
        var step = compiled.StepOf(timestep);
        if (KeepOnlyLatestStep)
            runs.Clear();
        var output = new Tensor([sample.Shape[0], compiled.Output.Channels, compiled.Output.Height, compiled.Output.Width]);
        var plane = compiled.Output.Channels * compiled.Output.Pixels;
        for (var first = 0; first < sample.Shape[0]; first += compiled.Batch)
        {
            var count = Math.Min(compiled.Batch, sample.Shape[0] - first);
            var ddr = compiled.NewDdr(Layout);
            compiled.WriteSample(ddr, Layout, sample, first, count, step);
            var run = runner.Run(compiled, ddr, Layout, compiled.Registers(Layout, step));
            runs.Add((step, first, count, run));
            for (var b = 0; b < count; b++)
                compiled.ReadOutput(run.Ddr, Layout, b, step, output.Data.AsSpan((first + b) * plane, plane));
        }
        return output;
    }
}
