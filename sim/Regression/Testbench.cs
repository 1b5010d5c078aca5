using DiffAcc.Hdl;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Regression;

/// <summary>
/// How a regression run wants a testbench to run. With <paramref name="Trace"/>, each testbench
/// runs only its first <paramref name="TraceCycles"/> cycles, so waveforms stay a size a viewer opens.
/// </summary>
public sealed record TestbenchOptions(bool Trace, string TraceDirectory, long TraceCycles = 10_000);

/// <summary>The outcome of one testbench.</summary>
public sealed record TestbenchResult(string Name, long Cycles, TimeSpan Elapsed, bool Passed, string? Failure, string? TracePath);

/// <summary>A named check that the regression runner can run.</summary>
public interface ITestbench
{
    string Name { get; }

    Task<TestbenchResult> RunAsync(TestbenchOptions options, CancellationToken cancellation);
}

/// <summary>
/// The usual testbench: a design under Verilator against a C# model on a stimulus. With tracing on,
/// it writes <c>Name.vcd</c> and a GTKWave save file <c>Name.gtkw</c> that groups signals by instance.
/// </summary>
public sealed class CosimTestbench(string name, Func<HdlResult> design, Func<DiffAcc.Hdl.Ir.Design, IStimulus> stimulus, Func<DiffAcc.Hdl.Ir.Design, ICycleModel> model, long cycles) : ITestbench
{
    public string Name { get; } = name;

    public async Task<TestbenchResult> RunAsync(TestbenchOptions options, CancellationToken cancellation)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var elaborated = design();
            var verilator = await VerilatorBuild.For(elaborated).WithTrace(options.Trace).BuildAsync(cancellation);
            var run = Cosimulation.Of(verilator).WithStimulus(stimulus(elaborated.Design)).WithModel(model(elaborated.Design)).WithCycles(options.Trace ? Math.Min(cycles, options.TraceCycles) : cycles);
            string? trace = null;
            if (options.Trace)
            {
                Directory.CreateDirectory(options.TraceDirectory);
                trace = Path.Combine(options.TraceDirectory, $"{Name}.vcd");
                await File.WriteAllTextAsync(Path.ChangeExtension(trace, ".gtkw"), GtkWaveSaveFile.For(elaborated.Design, trace), cancellation);
                foreach (var (path, text) in GtkWaveSaveFile.TranslateFilters(elaborated.Design, trace))
                    await File.WriteAllTextAsync(path, text, cancellation);
                run = run.WithTrace(trace);
            }
            var result = await run.RunAsync(cancellation);
            return new TestbenchResult(Name, result.Cycles, watch.Elapsed, result.Passed,
                result.Passed ? null : $"{result.MismatchCount} mismatching words; first: {string.Join("; ", result.Mismatches.Take(3))}", trace);
        }
        catch (Exception e) when (e is SimulationException or HdlException or Hdl.Checks.DesignErrorsException)
        {
            return new TestbenchResult(Name, 0, watch.Elapsed, false, e.Message, null);
        }
    }
}
