using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Host;
using DiffAcc.Accelerator.Isa.Simulation;
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
    public (int Min, int Max, double Ready, double Gap) Ddr { get; init; } = (100, 200, 0.7, 0.2);

    public long WatchdogCycles { get; init; } = 200_000_000;

    public ProgramRun Run(CompiledUNet compiled, DdrImage ddr, DdrLayout layout, MachineRegisters registers)
    {
        var script = SystemTestbench.Script(registers, layout.ProgramAddress, compiled.Program.Count, WatchdogCycles);
        var run = AxiSystemRun.Of(model).WithDdr(ddr.Address, ddr.Bytes).WithScript(script).WithSeed(seed + runs++)
            .WithLatency(Ddr.Min, Ddr.Max).WithBackPressure(Ddr.Ready, Ddr.Gap).WithMaxCycles(WatchdogCycles + 1_000_000).WithTimeout(TimeSpan.FromHours(2));
        var result = run.RunAsync().GetAwaiter().GetResult();
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
