using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Host;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Performance;
using DiffAcc.Sim.Axi;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Cli;

/// <summary>
/// Runs compiled programs on the Verilator model of DiffAccTop: DDR behind both AXI masters with random
/// read latency and back-pressure (a new seed per run), a host that starts the program through the
/// AXI4-Lite registers, waits for the interrupt and reads the status and every performance counter.
/// </summary>
internal sealed class RtlRunner(VerilatorModel model, ulong seed = 1) : IProgramRunner
{
    private ulong runs;

    /// <summary>The DDR's behaviour: read latency range, probability that a ready is high, probability that a data beat waits.</summary>
    public DdrTiming Ddr { get; init; } = DdrTiming.Testbench;

    public long WatchdogCycles { get; init; } = 200_000_000;

    /// <summary>Writes a waveform of each run here (the model must be built with tracing).</summary>
    public string? VcdPath { get; init; }

    public ProgramRun Run(CompiledUNet compiled, DdrImage ddr, DdrLayout layout, MachineRegisters registers)
        => Run(compiled.Program.Count, ddr, layout.ProgramAddress, registers);

    /// <summary>Runs the <paramref name="instructions"/> instructions at <paramref name="programAddress"/> of <paramref name="ddr"/>.</summary>
    public ProgramRun Run(int instructions, DdrImage ddr, long programAddress, MachineRegisters registers)
    {
        var script = SystemTestbench.Script(registers, programAddress, instructions, WatchdogCycles);
        var run = AxiSystemRun.Of(model).WithDdr(ddr.Address, ddr.Bytes).WithScript(script).WithSeed(seed + runs++)
            .WithLatency(Ddr.LatencyMin, Ddr.LatencyMax).WithBackPressure(Ddr.Ready, Ddr.Gap).WithOutstanding(Ddr.Outstanding).WithMaxCycles(WatchdogCycles + 1_000_000).WithTimeout(TimeSpan.FromHours(2));
        if (VcdPath is not null)
            run = run.WithTrace(VcdPath);
        var result = run.RunAsync(Interrupt.Token).GetAwaiter().GetResult();
        if (result.Violations.Count > 0)
            throw new MachineFault($"AXI rule broken: {string.Join("; ", result.Violations.Take(3))}");
        if (result.Stop != "script")
            throw new MachineFault($"the harness stopped at cycle {result.Cycles}: {result.Stop}");
        var wait = result.Events.Single(e => e.Operation == "wait-interrupt");
        var report = HostProtocol.Report([.. result.Events.SkipWhile(e => e != wait).Where(e => e.Operation == "read").Select(e => (uint)e.Value)]);
        if (wait.Timeout)
            throw new MachineFault($"watchdog: no interrupt within {wait.Value} cycles after START; {report}");
        if (!report.Done || report.Error || report.Busy)
            throw new MachineFault($"the program did not end cleanly: {report}");
        return new ProgramRun(new DdrImage(ddr.Address, result.Ddr), report.Counters, result.Elapsed);
    }
}
