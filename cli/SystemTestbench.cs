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

    /// <summary>
    /// A read burst answers SLVERR: the program stops with the error and the instruction whose read it was,
    /// writes nothing more, and a rerun of it matches the functional simulator byte for byte.
    /// </summary>
    ReadErrorThenRerun,

    /// <summary>A write burst's response is SLVERR: as <see cref="ReadErrorThenRerun"/>, naming the STORE.</summary>
    WriteErrorThenRerun,

    /// <summary>The host aborts while a CONV runs: the program stops with ABORTED, and a rerun matches byte for byte.</summary>
    AbortThenRerun,

    /// <summary>
    /// A DMA instruction reaches outside the DMA windows: the machine issues none of its bursts outside them, stops
    /// with ERROR_CODE 7 naming the instruction the functional simulator names, and writes nothing the windows forbid.
    /// </summary>
    WindowViolation,
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

    /// <summary>The read or write burst that answers SLVERR (counted from 1 over all ports), or the cycle after START at which the host aborts.</summary>
    public long FaultAt { get; init; }

    /// <summary>
    /// Cycles after the fault (the error response, the abort's write response) within which a new AXI address
    /// or a strobed write beat may still appear: the fault is registered twice before the engines stop, and a
    /// request the port took meanwhile goes out a cycle later.
    /// </summary>
    public const long IssueAfterFault = 4;

    /// <summary>Cycles from the settled, drained machine (the later of the fault plus the settling time and the last AXI response) to the interrupt.</summary>
    public const long EndAfterDrain = 8;

    /// <summary>The DMA windows the host sets, from the DDR image with the program placed (none: unchecked).</summary>
    public Func<DdrImage, IReadOnlyList<DmaWindow>>? Windows { get; init; }

    private bool Reruns => expect is SystemExpectation.ReadErrorThenRerun or SystemExpectation.WriteErrorThenRerun or SystemExpectation.AbortThenRerun;

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
            var registers = Windows is null ? s.Registers : s.Registers with { Windows = Windows(image) };
            var script = Reruns ? FaultThenRerun(registers, programAddress, program.Count) : Script(registers, programAddress, program.Count, expect == SystemExpectation.Watchdog ? 300 : watchdogCycles);
            var run = AxiSystemRun.Of(model).WithDdr(image.Address, image.Bytes).WithScript(script).WithSeed(seed).WithLatency(Ddr.Min, Ddr.Max).WithBackPressure(Ddr.Ready, Ddr.Gap);
            if (expect == SystemExpectation.ReadErrorThenRerun)
                run = run.WithReadError(FaultAt);
            if (expect == SystemExpectation.WriteErrorThenRerun)
                run = run.WithWriteError(FaultAt);
            string? trace = null;
            if (options.Trace)
            {
                Directory.CreateDirectory(options.TraceDirectory);
                trace = Path.Combine(options.TraceDirectory, $"{Name}.vcd");
                run = run.WithTrace(trace).WithMaxCycles(options.TraceCycles);
            }
            var result = await run.RunAsync(cancellation);
            var failure = expect == SystemExpectation.WindowViolation ? CheckWindows(s, image, registers, result, program) : Check(s, expected, image, result, program, programAddress);
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

    private string? Check(Scenario s, FunctionalRun expected, DdrImage image, AxiSystemResult result, IReadOnlyList<Instruction> program, long programAddress)
    {
        if (result.Violations.Count > 0)
            return $"AXI rule broken: {string.Join("; ", result.Violations.Take(3))}";
        if (result.Stop != "script")
            return $"the harness stopped at cycle {result.Cycles}: {result.Stop}";
        if (Reruns && CheckFault(s, image, result, program, programAddress) is { } fault)
            return fault;
        var start = result.Events.Last(e => e.Operation == "write" && e.Address == (ulong)RegisterMap.Control.Offset && e.Value == 1);
        var wait = result.Events.Last(e => e.Operation == "wait-interrupt");
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
        // The harness counts the traffic of both runs.
        if (Reruns)
            return problems.Count == 0 ? null : $"performance counters of the rerun: {string.Join("; ", problems)}";
        var readBeats = result.Ports.Sum(p => p.ReadBeats);
        Same("BYTES_READ (against the harness's read beats)", report[RegisterMap.BytesRead], readBeats * 16);
        Same("BYTES_WRITTEN (against the harness's strobes)", report[RegisterMap.BytesWritten], result.Ports.Sum(p => p.BytesWritten));
        return problems.Count == 0 ? null : $"performance counters: {string.Join("; ", problems)}";
    }

    private static (DdrImage Image, long ProgramAddress) Place(DdrImage data, IReadOnlyList<Instruction> program, bool corrupt, bool misalign)
    {
        var code = AcceleratorProgram.Encode(program);
        if (corrupt)
            code[program.Count / 2 * InstructionSet.Bytes] = 31;
        var (image, programAddress) = DdrImageBuilder.PlaceProgram(data, code);
        // Half an instruction in: 16-byte aligned as AXI wants, not 32-byte aligned as the fetch does.
        return (image, programAddress + (misalign ? InstructionSet.Bytes / 2 : 0));
    }

    internal static AxiHostScript Script(MachineRegisters registers, long programAddress, int instructions, long watchdogCycles)
        => RtlMachine.Script(registers, programAddress, instructions, watchdogCycles);

    /// <summary>
    /// The program started, faulted (by the harness's SLVERR or, <see cref="FaultAt"/> cycles in, the host's
    /// abort after reading ENGINE_STATE), reported, and started again on the same DDR.
    /// </summary>
    private AxiHostScript FaultThenRerun(MachineRegisters registers, long programAddress, int instructions)
    {
        var script = RtlMachine.Start(AxiHostScript.Empty, registers, programAddress, instructions);
        if (expect == SystemExpectation.AbortThenRerun)
            script = script.Wait(FaultAt).Read(RegisterMap.EngineState.Offset).Write(RegisterMap.Control.Offset, 2);
        script = RtlMachine.Finish(script.WaitInterrupt(watchdogCycles));
        return RtlMachine.Finish(RtlMachine.Start(script, registers, programAddress, instructions).WaitInterrupt(watchdogCycles));
    }

    /// <summary>What the faulted first run must show: the error and its instruction, no write after the fault, a bounded stop.</summary>
    private string? CheckFault(Scenario s, DdrImage image, AxiSystemResult result, IReadOnlyList<Instruction> program, long programAddress)
    {
        var wait = result.Events.First(e => e.Operation == "wait-interrupt");
        var reads = result.Events.SkipWhile(e => e != wait).Where(e => e.Operation == "read").Take(HostProtocol.Finish().Count(a => !a.Write)).Select(e => (uint)e.Value).ToList();
        var report = HostProtocol.Report(reads);
        if (wait.Timeout)
            return $"the faulted program did not end within {wait.Value} cycles; {report}";
        long faultCycle;
        if (expect == SystemExpectation.AbortThenRerun)
        {
            var probe = result.Events.First(e => e.Operation == "read" && e.Address == (ulong)RegisterMap.EngineState.Offset);
            // ENGINE_STATE bits 11:8 are COMPUTE's; bit 8 says it runs.
            if ((probe.Value & (1u << 8)) == 0)
                return $"the abort at cycle {FaultAt} did not come while a CONV ran: ENGINE_STATE 0x{probe.Value:x}";
            faultCycle = result.Events.First(e => e.Operation == "write" && e.Address == (ulong)RegisterMap.Control.Offset && e.Value == 2).Cycle;
            if (report.ErrorCode != MachineError.Aborted)
                return $"expected the first run to end ABORTED, got {report}";
        }
        else
        {
            if (result.FirstErrorCycle < 0)
                return $"no SLVERR was given: the program has fewer than {FaultAt} {(expect == SystemExpectation.ReadErrorThenRerun ? "read" : "write")} bursts";
            faultCycle = result.FirstErrorCycle;
            if (report.ErrorCode != MachineError.AxiResponse)
                return $"expected the first run to end with an AXI error response, got {report}";
            var named = FaultedInstruction(s, program, programAddress, (long)result.FirstErrorAddress);
            if (!named.Contains((int)report.ErrorPc))
                return $"ERROR_PC {report.ErrorPc} does not name the instruction of the failed burst at 0x{result.FirstErrorAddress:x} ({(named.Count == 0 ? "none found" : string.Join(", ", named))})";
        }
        if (!report.Done || !report.Error || report.Busy)
            return $"the faulted program did not end with an error: {report}";
        if (wait.LastWrite > faultCycle + IssueAfterFault)
            return $"a write beat with byte strobes was offered at cycle {wait.LastWrite}, {wait.LastWrite - faultCycle} cycles after the fault at cycle {faultCycle}";
        if (wait.LastRequest > faultCycle + IssueAfterFault)
            return $"a new AXI address went out at cycle {wait.LastRequest}, {wait.LastRequest - faultCycle} cycles after the fault at cycle {faultCycle}";
        var drained = Math.Max(faultCycle + Accelerator.Machine.Dispatcher.SettleCycles, wait.LastResponse);
        if (wait.Cycle > drained + EndAfterDrain)
            return $"the interrupt came at cycle {wait.Cycle}, {wait.Cycle - drained} cycles after the machine settled and drained (fault at {faultCycle}, last response at {wait.LastResponse}); at most {EndAfterDrain}";
        return null;
    }

    /// <summary>The window fault the functional simulator finds, reported alike by the machine; no burst outside the image, no write where none is allowed.</summary>
    private string? CheckWindows(Scenario s, DdrImage image, MachineRegisters registers, AxiSystemResult result, IReadOnlyList<Instruction> program)
    {
        if (result.Violations.Count > 0)
            return $"AXI rule broken (a burst outside the windows went out?): {string.Join("; ", result.Violations.Take(3))}";
        if (result.Stop != "script")
            return $"the harness stopped at cycle {result.Cycles}: {result.Stop}";
        MachineFault fault;
        try
        {
            new FunctionalSimulator(config).Run(program, s.Image, registers);
            return "the functional simulator found no DMA window fault in the program";
        }
        catch (MachineFault e) when (e.Code == MachineError.DmaWindow)
        {
            fault = e;
        }
        var wait = result.Events.Single(e => e.Operation == "wait-interrupt");
        var report = HostProtocol.Report([.. result.Events.SkipWhile(e => e != wait).Where(e => e.Operation == "read").Select(e => (uint)e.Value)]);
        if (wait.Timeout)
            return $"the program did not end within {wait.Value} cycles; {report}";
        if (!report.Done || !report.Error || report.Busy || report.ErrorCode != MachineError.DmaWindow || report.ErrorPc != (uint)fault.Instruction)
            return $"expected a DMA window error at instruction {fault.Instruction} ({fault.Message}), got {report}";
        var writable = registers.Windows.Where(w => w.Write).ToList();
        if (writable.Count == 0 && wait.LastWrite >= 0)
            return $"a byte was written at cycle {wait.LastWrite} though no window allows a write";
        return null;
    }

    /// <summary>The instructions whose DDR transfers include the burst at <paramref name="address"/> (the next instruction to fetch, for the program's own bytes).</summary>
    private List<int> FaultedInstruction(Scenario s, IReadOnlyList<Instruction> program, long programAddress, long address)
    {
        if (address >= programAddress && address < programAddress + ((long)program.Count * InstructionSet.Bytes))
            return [.. Enumerable.Range(0, program.Count + 1)];
        var found = new List<int>();
        var stepGroup = s.Registers.StepGroup;
        for (var i = 0; i < program.Count; i++)
        {
            if (program[i] is SetStep set)
                stepGroup = set.StepGroup;
            if (program[i] is DmaInstruction dma && dma.Runs(config, s.Registers, stepGroup).Any(r => address >= (r.Address & ~15L) && address < r.Address + r.Bytes))
                found.Add(i);
        }
        return found;
    }

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
