using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Examples;
using DiffAcc.Accelerator.Host;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Scenarios;
using DiffAcc.Hdl;
using DiffAcc.Sim;
using DiffAcc.Sim.Axi;
using DiffAcc.Sim.Regression;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Cli;

/// <summary>What a system testbench expects of the hardware.</summary>
internal enum SystemExpectation
{
    /// <summary>DDR after the run equals the functional simulator's, byte for byte, and the counters agree.</summary>
    Match,

    /// <summary>The program misses a token: the DDR differs from the correct program's result.</summary>
    WrongResult,

    /// <summary>The program waits for a token that never comes: the machine reports a deadlock.</summary>
    Deadlock,

    /// <summary>An instruction has an opcode the machine does not know: it reports the error and ends.</summary>
    UnknownOpcode,

    /// <summary>The host gives up waiting: the watchdog ends the run and says what the engines were doing.</summary>
    Watchdog,

    /// <summary>The program address is not 32-byte aligned: the machine fetches nothing, reports the error and ends.</summary>
    MisalignedProgram,

    /// <summary>An engine gives another more tokens than a semaphore counts: the machine reports the overflow.</summary>
    SemaphoreOverflow,
}

/// <summary>
/// A system testbench: DiffAccTop of a configuration under Verilator, with DDR behind both AXI masters
/// (random read latency and back-pressure from the seed), a host that starts a program through the
/// AXI4-Lite registers and waits for the interrupt; the DDR afterwards is compared with the functional
/// simulator byte for byte, and the performance counters with the cycles the harness counted and the
/// counts the functional simulator predicts.
/// </summary>
internal sealed class SystemTestbench(string name, AcceleratorConfig config, Func<Scenario> scenario, ulong seed, SystemExpectation expect = SystemExpectation.Match, Func<Scenario, IReadOnlyList<Instruction>>? breakProgram = null, long watchdogCycles = 2_000_000) : ITestbench
{
    /// <summary>The DDR's behaviour: read latency range, probability that a ready is high, probability that a data beat waits.</summary>
    public (int Min, int Max, double Ready, double Gap) Ddr { get; init; } = (100, 200, 0.7, 0.2);

    public string Name { get; } = name;

    public async Task<TestbenchResult> RunAsync(TestbenchOptions options, CancellationToken cancellation)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var model = await Build(config, options.Trace, cancellation);
            var s = scenario();
            var expected = new FunctionalSimulator(config).Run(s.Program, s.Image, s.Registers);
            IReadOnlyList<Instruction> program = breakProgram is null ? s.Program.Instructions : breakProgram(s);
            var (image, programAddress) = Place(s.Image, program, expect == SystemExpectation.UnknownOpcode, expect == SystemExpectation.MisalignedProgram);
            var script = Script(s.Registers, programAddress, program.Count, expect == SystemExpectation.Watchdog ? 300 : watchdogCycles);
            var run = AxiSystemRun.Of(model).WithDdr(image.Address, image.Bytes).WithScript(script).WithSeed(seed).WithLatency(Ddr.Min, Ddr.Max).WithBackPressure(Ddr.Ready, Ddr.Gap);
            string? trace = null;
            if (options.Trace)
            {
                Directory.CreateDirectory(options.TraceDirectory);
                trace = Path.Combine(options.TraceDirectory, $"{Name}.vcd");
                run = run.WithTrace(trace).WithMaxCycles(options.TraceCycles);
            }
            var result = await run.RunAsync(cancellation);
            var failure = Check(s, expected, image, result, program);
            return new TestbenchResult(Name, result.Cycles, watch.Elapsed, failure is null, failure, trace);
        }
        catch (Exception e) when (e is SimulationException or HdlException or Hdl.Checks.DesignErrorsException or MachineFault or ProgramException)
        {
            return new TestbenchResult(Name, 0, watch.Elapsed, false, e.Message, null);
        }
    }

    /// <summary>The Verilator model of DiffAccTop with the AXI harness, built once per configuration and run.</summary>
    public static async Task<VerilatorModel> Build(AcceleratorConfig config, bool trace, CancellationToken cancellation)
        => (await RtlMachine.BuildAsync(config, trace, cancellation)).Model;

    private string? Check(Scenario s, FunctionalRun expected, DdrImage image, AxiSystemResult result, IReadOnlyList<Instruction> program)
    {
        if (result.Violations.Count > 0)
            return $"AXI rule broken: {string.Join("; ", result.Violations.Take(3))}";
        if (result.Stop != "script")
            return $"the harness stopped at cycle {result.Cycles}: {result.Stop}";
        var start = result.Events.Last(e => e.Operation == "write" && e.Address == (ulong)RegisterMap.Control.Offset);
        var wait = result.Events.Single(e => e.Operation == "wait-interrupt");
        var reads = result.Events.SkipWhile(e => e != wait).Where(e => e.Operation == "read").Select(e => (uint)e.Value).ToList();
        var report = HostProtocol.Report(reads);
        if (wait.Timeout)
        {
            var message = $"watchdog: no interrupt within {wait.Value} cycles after START; {report}";
            if (expect != SystemExpectation.Watchdog)
                return message;
            // The watchdog's message must say the machine was still at work, and where.
            return report.Busy && message.Contains("running", StringComparison.Ordinal) ? null : $"the watchdog's message does not say what was running: {message}";
        }
        if (expect == SystemExpectation.Watchdog)
            return $"the program ended before the watchdog: {report}";
        if (expect == SystemExpectation.Deadlock)
        {
            // ERROR_PC names the earliest instruction that waits, as the dispatcher's model finds it.
            var waiting = WaitingIndex(program);
            return report.Deadlock && report.ErrorCode == MachineError.Deadlock && report.ErrorPc == (uint)waiting ? null : $"expected a deadlock naming instruction {waiting}, got {report}";
        }
        if (expect == SystemExpectation.UnknownOpcode)
            return report.Error && report.ErrorCode == MachineError.UnknownOpcode && report.ErrorPc == (uint)(program.Count / 2) ? null : $"expected an unknown-opcode error at instruction {program.Count / 2}, got {report}";
        if (expect == SystemExpectation.SemaphoreOverflow)
            return report.Done && report.Error && report.ErrorCode == MachineError.SemaphoreOverflow ? null : $"expected a semaphore overflow, got {report}";
        if (expect == SystemExpectation.MisalignedProgram)
            return report.Done && report.Error && report.ErrorCode == MachineError.MisalignedProgram && report[RegisterMap.Instructions] == 0 ? null : $"expected a misaligned-program error with no instruction run, got {report}";
        if (!report.Done || report.Error || report.Busy)
            return $"the program did not end cleanly: {report}";
        var differences = Enumerable.Range(0, expected.Ddr.Bytes.Length).Where(i => expected.Ddr.Bytes[i] != result.Ddr[i]).ToList();
        if (expect == SystemExpectation.WrongResult)
            return differences.Count > 0 ? null : "the program without its token still computed the right result";
        if (differences.Count > 0)
        {
            var first = differences.Take(5).Select(i => $"0x{image.Address + i:x}: 0x{result.Ddr[i]:x2}, expected 0x{expected.Ddr.Bytes[i]:x2}");
            return $"{differences.Count} DDR bytes differ from the functional simulator; first: {string.Join(", ", first)}";
        }
        var problems = new List<string>();
        void Same(string what, ulong actual, long wanted)
        {
            if (actual != (ulong)wanted)
                problems.Add($"{what}: {actual}, expected {wanted}");
        }
        // Busy from the cycle after the START write is taken (the cycle of its response) to the end, which raises the interrupt a cycle later.
        Same("CYCLES (against the harness's count from START to the interrupt)", report[RegisterMap.Cycles], wait.Cycle - start.Cycle);
        Same("PE_BUSY", report[RegisterMap.PeBusy], expected.Statistics.PeTerms);
        Same("BYTES_READ", report[RegisterMap.BytesRead], expected.Statistics.BytesRead);
        Same("BYTES_WRITTEN", report[RegisterMap.BytesWritten], expected.Statistics.BytesWritten);
        Same("INSTRUCTIONS", report[RegisterMap.Instructions], program.Count);
        var readBeats = result.Ports.Sum(p => p.ReadBeats);
        Same("BYTES_READ (against the harness's read beats)", report[RegisterMap.BytesRead], readBeats * 16);
        Same("BYTES_WRITTEN (against the harness's strobes)", report[RegisterMap.BytesWritten], result.Ports.Sum(p => p.BytesWritten));
        return problems.Count == 0 ? null : $"performance counters: {string.Join("; ", problems)}";
    }

    private static (DdrImage Image, long ProgramAddress) Place(DdrImage data, IReadOnlyList<Instruction> program, bool corrupt, bool misalign)
    {
        var code = new byte[program.Count * InstructionSet.Bytes];
        for (var i = 0; i < program.Count; i++)
            InstructionSet.Encode(program[i], $"instruction {i}").CopyTo(code, i * InstructionSet.Bytes);
        if (corrupt)
            code[program.Count / 2 * InstructionSet.Bytes] = 31;
        var (image, programAddress) = DdrImageBuilder.PlaceProgram(data, code);
        // Half an instruction in: 16-byte aligned as AXI wants, not 32-byte aligned as the fetch does.
        return (image, programAddress + (misalign ? InstructionSet.Bytes / 2 : 0));
    }

    internal static AxiHostScript Script(MachineRegisters registers, long programAddress, int instructions, long watchdogCycles)
        => RtlMachine.Script(registers, programAddress, instructions, watchdogCycles);

    /// <summary>The instruction a deadlocked program waits with, by the dispatcher's model; -1 when it does not deadlock.</summary>
    private static int WaitingIndex(IReadOnlyList<Instruction> program)
    {
        try
        {
            foreach (var _ in TokenSchedule.Run(program, 0))
            {
            }
        }
        catch (DeadlockException e)
        {
            return e.WaitingIndex;
        }
        return -1;
    }
}
