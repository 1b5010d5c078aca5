using System.Collections.Concurrent;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Host;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Accelerator.Performance;
using DiffAcc.Sim.Axi;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Accelerator.Examples;

/// <summary>
/// A program run on the RTL in one call: the Verilator model of <see cref="DiffAccTop"/> with DDR behind
/// its AXI masters (random read latency and back-pressure) and a host that writes the registers, starts
/// the program, waits for the interrupt and reads the status and every counter. The RTL counterpart of
/// <see cref="FunctionalSimulator.Run(AcceleratorProgram, DdrImage, MachineRegisters)"/>: both return the DDR after the run.
/// </summary>
public sealed record RtlMachine
{
    private static readonly ConcurrentDictionary<(string, bool), Lazy<Task<VerilatorModel>>> Models = new();

    private RtlMachine(VerilatorModel model) => Model = model;

    /// <summary>The built simulation binary.</summary>
    public VerilatorModel Model { get; }

    /// <summary>The DDR's behaviour: read latency range, probability that a ready is high, that a data beat waits.</summary>
    public DdrTiming Ddr { get; init; } = DdrTiming.Testbench;

    /// <summary>Cycles after START within which the interrupt must come; past it the run fails with what was still running.</summary>
    public long WatchdogCycles { get; init; } = 200_000_000;

    /// <summary>Seed of the DDR's random timing.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Where to write a waveform of the run (build with <c>trace: true</c>).</summary>
    public string? VcdPath { get; init; }

    /// <summary>
    /// Builds (or takes from the Verilator cache) the model of <paramref name="config"/>'s machine: minutes
    /// the first time for a configuration, seconds after. Built once per configuration in a process.
    /// </summary>
    /// <param name="config">The machine's configuration.</param>
    /// <param name="trace">Build with VCD tracing, for <see cref="VcdPath"/>.</param>
    /// <param name="cancellation">Stops the build.</param>
    /// <param name="progress">Where the build is (<see cref="VerilatorBuild.Progress"/>).</param>
    public static async Task<RtlMachine> BuildAsync(AcceleratorConfig config, bool trace = false, CancellationToken cancellation = default, IProgress<string>? progress = null)
        => new(await Models.GetOrAdd((config.ToString(), trace), _ => new Lazy<Task<VerilatorModel>>(() =>
        {
            var build = VerilatorBuild.For(DiffAccTop.Flow(config).Run()).WithHarness(new AxiSystemHarness()).WithTrace(trace);
            return (progress is null ? build : build.WithProgress(progress)).BuildAsync(cancellation);
        })).Value);

    /// <summary>Runs a placed program; its outputs are read back with <see cref="PlacedProgram.Read"/>.</summary>
    public Task<ProgramRun> RunAsync(PlacedProgram placed, CancellationToken cancellation = default)
        => RunAsync(placed.Image, placed.ProgramAddress, placed.Program.Count, placed.Registers, cancellation);

    /// <summary>Runs the <paramref name="instructions"/> instructions at <paramref name="programAddress"/> of <paramref name="ddr"/>.</summary>
    /// <exception cref="MachineFault">The program did not end cleanly (an error, a deadlock, the watchdog) or an AXI rule was broken.</exception>
    public async Task<ProgramRun> RunAsync(DdrImage ddr, long programAddress, int instructions, MachineRegisters registers, CancellationToken cancellation = default)
    {
        var run = AxiSystemRun.Of(Model).WithDdr(ddr.Address, ddr.Bytes).WithScript(Script(registers, programAddress, instructions, WatchdogCycles)).WithSeed(Seed)
            .WithLatency(Ddr.LatencyMin, Ddr.LatencyMax).WithBackPressure(Ddr.Ready, Ddr.Gap).WithOutstanding(Ddr.Outstanding).WithMaxCycles(WatchdogCycles + 1_000_000).WithTimeout(TimeSpan.FromHours(2));
        if (VcdPath is not null)
            run = run.WithTrace(VcdPath);
        var result = await run.RunAsync(cancellation);
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

    /// <summary>The host's register accesses (<see cref="HostProtocol"/>) as the AXI4-Lite harness plays them.</summary>
    public static AxiHostScript Script(MachineRegisters registers, long programAddress, int instructions, long watchdogCycles)
        => Finish(Start(AxiHostScript.Empty, registers, programAddress, instructions).WaitInterrupt(watchdogCycles));

    /// <summary><paramref name="script"/> then the host's writes up to START (<see cref="HostProtocol.Start"/>).</summary>
    public static AxiHostScript Start(AxiHostScript script, MachineRegisters registers, long programAddress, int instructions)
        => Play(script, HostProtocol.Start(registers, programAddress, instructions));

    /// <summary><paramref name="script"/> then the host's reads of the report and the interrupt's clear (<see cref="HostProtocol.Finish"/>).</summary>
    public static AxiHostScript Finish(AxiHostScript script) => Play(script, HostProtocol.Finish());

    private static AxiHostScript Play(AxiHostScript script, IEnumerable<Host.RegisterAccess> accesses)
        => accesses.Aggregate(script, (s, access) => access.Write ? s.Write(access.Offset, access.Value) : s.Read(access.Offset));
}
