using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Examples;
using DiffAcc.Accelerator.Host;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Performance;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>
/// Runs compiled programs on the Verilator model of DiffAccTop: DDR behind both AXI masters with random
/// read latency and back-pressure (a new seed per run), a host that starts the program through the
/// AXI4-Lite registers, waits for the interrupt and reads the status and every performance counter.
/// </summary>
internal sealed class RtlRunner(RtlMachine machine, ulong seed = 1) : IProgramRunner
{
    private ulong runs;

    /// <summary>The DDR's behaviour: read latency range, probability that a ready is high, probability that a data beat waits.</summary>
    public DdrTiming Ddr { get; init; } = DdrTiming.Testbench;

    public long WatchdogCycles { get; init; } = 200_000_000;

    /// <summary>Writes a waveform of each run here (the model must be built with tracing).</summary>
    public string? VcdPath { get; init; }

    public ProgramRun Run(CompiledUNet compiled, DdrImage ddr, DdrLayout layout, MachineRegisters registers)
        => Run(compiled.Program.Count, ddr, layout.ProgramAddress, registers);

    /// <summary>Builds (or takes from the cache) <paramref name="config"/>'s RTL model, the status line following the build.</summary>
    public static RtlMachine Build(AcceleratorConfig config, bool trace)
    {
        var label = $"building the Verilator model of DiffAccTop ({config.Name})";
        RtlMachine? machine = null;
        AnsiConsole.Status().Start(label, status => machine = RtlMachine.BuildAsync(config, trace, Interrupt.Token, new PassStatus(status, label)).GetAwaiter().GetResult());
        return machine!;
    }

    /// <summary>Runs the <paramref name="instructions"/> instructions at <paramref name="programAddress"/> of <paramref name="ddr"/>.</summary>
    public ProgramRun Run(int instructions, DdrImage ddr, long programAddress, MachineRegisters registers)
        => (machine with { Ddr = Ddr, WatchdogCycles = WatchdogCycles, VcdPath = VcdPath, Seed = seed + runs++ }).RunAsync(ddr, programAddress, instructions, registers, Interrupt.Token).GetAwaiter().GetResult();
}
