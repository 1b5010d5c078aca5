using System.Diagnostics;
using System.Globalization;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Examples;
using DiffAcc.Accelerator.Host;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Scenarios;
using DiffAcc.Sim;
using DiffAcc.Sim.Axi;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>How a corrupted program ended on the RTL.</summary>
internal enum CorruptOutcome
{
    /// <summary>It ran to its end without an error (a corruption the machine cannot tell from a program).</summary>
    Finished,

    /// <summary>The machine stopped it with an error code.</summary>
    Error,

    /// <summary>No interrupt within the watchdog; the host's abort then ended it.</summary>
    Watchdog,

    /// <summary>No interrupt within the watchdog, nor within the bound after the host's abort.</summary>
    Hang,

    /// <summary>A burst outside the DMA windows (outside the DDR the harness holds) or another AXI rule broken.</summary>
    OutOfWindow,
}

/// <summary>
/// <c>diffacc bench isa-fuzz</c>: random valid programs (<see cref="RandomPrograms"/>) on the functional
/// simulator and on the RTL under random DDR timing, every DDR byte compared; and corruptions of valid
/// programs (bit flips, truncations, unknown opcodes, wild DMA offsets) on the RTL with the DMA windows set
/// to the program's own DDR, which must each end by themselves, never hang and never reach outside.
/// </summary>
internal static class IsaFuzzBench
{
    /// <summary>Cycles a corrupted program may run before the host aborts it.</summary>
    public const long WatchdogCycles = 2_000_000;

    /// <summary>Cycles the host waits for the machine to end an aborted program.</summary>
    public const long AbortCycles = 20_000;

    public static async Task<int> RunAsync(AcceleratorConfig config, int programs, int corrupt, int seed, CancellationToken cancellation)
    {
        if (programs < 0 || corrupt < 0 || programs + corrupt == 0)
        {
            Console.Error.WriteLine("error: --programs and --corrupt must not be negative, and one must be positive");
            return 1;
        }
        var watch = Stopwatch.StartNew();
        RtlMachine machine = null!;
        var disagreements = new List<string>();
        var outcomes = new List<(int Seed, string Corruption, CorruptOutcome Outcome, string Detail)>();
        try
        {
            await AnsiConsole.Status().StartAsync($"building the {config.Name} machine under Verilator", async _ => machine = await RtlMachine.BuildAsync(config, cancellation: cancellation));
            await AnsiConsole.Progress().StartAsync(async context =>
            {
                var valid = context.AddTask($"{programs} random programs from seed {seed}", maxValue: Math.Max(programs, 1));
                var broken = context.AddTask($"{corrupt} corrupted programs", maxValue: Math.Max(corrupt, 1));
                using var slots = new SemaphoreSlim(Environment.ProcessorCount);
                async Task Each(int count, ProgressTask task, Func<int, Task> body)
                {
                    await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
                    {
                        await slots.WaitAsync(cancellation);
                        try
                        {
                            await body(i);
                        }
                        finally
                        {
                            slots.Release();
                            task.Increment(1);
                        }
                    }));
                }
                await Each(programs, valid, async i =>
                {
                    if (await CompareAsync(machine, config, seed + i, cancellation) is { } disagreement)
                    {
                        lock (disagreements)
                            disagreements.Add(disagreement);
                    }
                });
                await Each(corrupt, broken, async i =>
                {
                    var outcome = await CorruptAsync(machine, config, seed + i, cancellation);
                    lock (outcomes)
                        outcomes.Add(outcome);
                });
            });
        }
        catch (SimulationException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        foreach (var disagreement in disagreements.Order(StringComparer.Ordinal))
            Console.Error.WriteLine($"disagreement: {disagreement}");
        foreach (var bad in outcomes.Where(o => o.Outcome is CorruptOutcome.Hang or CorruptOutcome.OutOfWindow).OrderBy(o => o.Seed))
            Console.Error.WriteLine($"corruption seed {bad.Seed} ({bad.Corruption}): {bad.Outcome}: {bad.Detail}");
        // A corruption can make a legal but long program (a flipped bit in a size field): say what the first few were doing.
        foreach (var slow in outcomes.Where(o => o.Outcome == CorruptOutcome.Watchdog).OrderBy(o => o.Seed).Take(5))
            Console.WriteLine($"corruption seed {slow.Seed} ({slow.Corruption}): still running at the watchdog, then aborted: {slow.Detail}");
        string N(int v) => v.ToString("#,0", CultureInfo.InvariantCulture);
        int Count(CorruptOutcome outcome) => outcomes.Count(o => o.Outcome == outcome);
        var table = new Table().AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("machine", $"{config.Name} ({config.Groups} groups of {config.Tm} x {config.Tn})");
        table.AddRow("random programs (functional simulator against the RTL, every DDR byte)", $"{N(programs)} from seed {seed}");
        table.AddRow("disagreements", N(disagreements.Count));
        table.AddRow("corrupted programs", N(corrupt));
        table.AddRow("  ended by an error code", $"{N(Count(CorruptOutcome.Error))} ({string.Join(", ", outcomes.Where(o => o.Outcome == CorruptOutcome.Error).GroupBy(o => o.Detail).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {N(g.Count())}"))})");
        table.AddRow("  ran to their end", N(Count(CorruptOutcome.Finished)));
        table.AddRow($"  still running at the watchdog ({N((int)WatchdogCycles)} cycles), ended by the abort", N(Count(CorruptOutcome.Watchdog)));
        table.AddRow("  hangs (not ended even by the abort)", N(Count(CorruptOutcome.Hang)));
        table.AddRow("  accesses outside the windows or AXI rules broken", N(Count(CorruptOutcome.OutOfWindow)));
        table.AddRow("time", $"{watch.Elapsed.TotalSeconds:0.0} s");
        AnsiConsole.Write(table);
        return disagreements.Count == 0 && Count(CorruptOutcome.Hang) == 0 && Count(CorruptOutcome.OutOfWindow) == 0 ? 0 : 1;
    }

    /// <summary>Random DDR timing for one run: latency, readiness, data gaps and outstanding bursts.</summary>
    private static (int Min, int Max, double Ready, double Gap, int Outstanding) Timing(Random random)
    {
        var min = random.Next(0, 301);
        return (min, min + random.Next(0, 201), 0.1 + (0.9 * random.NextDouble()), 0.7 * random.NextDouble(), random.Next(1, 9));
    }

    private static AxiSystemRun Run(RtlMachine machine, DdrImage image, AxiHostScript script, int seed)
    {
        var (min, max, ready, gap, outstanding) = Timing(new Random(seed));
        return AxiSystemRun.Of(machine.Model).WithDdr(image.Address, image.Bytes).WithScript(script).WithSeed((ulong)seed)
            .WithLatency(min, max).WithBackPressure(ready, gap).WithOutstanding(outstanding).WithMaxCycles(WatchdogCycles + AbortCycles + 1_000_000);
    }

    private static MachineRegisters Windowed(RandomProgram p) => p.Registers with { Windows = [DmaWindow.Covering(p.Image.Address, p.Image.Bytes.Length, write: true)] };

    /// <summary>One random program on both machines; a description of the first difference, or null.</summary>
    private static async Task<string?> CompareAsync(RtlMachine machine, AcceleratorConfig config, int seed, CancellationToken cancellation)
    {
        var p = RandomPrograms.Make(config, seed);
        var registers = Windowed(p);
        var expected = new FunctionalSimulator(config).Run(p.Program, new DdrImage(p.Image.Address, p.Image.Bytes[..p.DataBytes]), registers);
        var result = await Run(machine, p.Image, RtlMachine.Script(registers, p.ProgramAddress, p.Program.Count, WatchdogCycles), seed).RunAsync(cancellation);
        var what = $"seed {seed} ({p.Description}, {p.Program.Count} instructions)";
        if (!result.Completed)
            return $"{what}: the harness stopped ({result.Stop}): {string.Join("; ", result.Violations.Take(2))}";
        var wait = result.Events.Single(e => e.Operation == "wait-interrupt");
        var report = HostProtocol.Report([.. result.Events.SkipWhile(e => e != wait).Where(e => e.Operation == "read").Select(e => (uint)e.Value)]);
        if (wait.Timeout || !report.Done || report.Error)
            return $"{what}: the RTL did not end cleanly: {report}";
        var differences = Enumerable.Range(0, p.DataBytes).Where(i => result.Ddr[i] != expected.Ddr.Bytes[i]).ToList();
        if (differences.Count > 0)
            return $"{what}: {differences.Count} DDR bytes differ, the first at 0x{p.Image.Address + differences[0]:x} (RTL 0x{result.Ddr[differences[0]]:x2}, functional simulator 0x{expected.Ddr.Bytes[differences[0]]:x2})";
        return report[RegisterMap.Instructions] == (ulong)expected.Statistics.Instructions && report[RegisterMap.PeBusy] == (ulong)expected.Statistics.PeTerms
            ? null : $"{what}: counters differ: INSTRUCTIONS {report[RegisterMap.Instructions]} against {expected.Statistics.Instructions}, PE_BUSY {report[RegisterMap.PeBusy]} against {expected.Statistics.PeTerms}";
    }

    /// <summary>A valid program corrupted one way; how the RTL ended it.</summary>
    private static async Task<(int Seed, string Corruption, CorruptOutcome Outcome, string Detail)> CorruptAsync(RtlMachine machine, AcceleratorConfig config, int seed, CancellationToken cancellation)
    {
        var random = new Random(seed ^ 0x5EED);
        var p = RandomPrograms.Make(config, seed);
        var bytes = (byte[])p.Image.Bytes.Clone();
        var code = bytes.AsSpan(p.DataBytes, p.Program.Count * InstructionSet.Bytes);
        var length = p.Program.Count;
        string corruption;
        switch (random.Next(4))
        {
            case 0:
                var flips = random.Next(1, 9);
                for (var f = 0; f < flips; f++)
                {
                    var bit = random.Next(code.Length * 8);
                    code[bit / 8] ^= (byte)(1 << (bit % 8));
                }
                corruption = $"{flips} bit flip(s)";
                break;
            case 1:
                length = random.Next(1, p.Program.Count);
                corruption = $"truncated to {length} of {p.Program.Count} instructions";
                break;
            case 2:
                var unused = Enumerable.Range(0, 1 << InstructionSet.OpcodeBits).Except(InstructionSet.Formats.Select(f => f.Opcode)).ToList();
                var at = random.Next(p.Program.Count);
                var opcode = unused[random.Next(unused.Count)];
                code[at * InstructionSet.Bytes] = (byte)((code[at * InstructionSet.Bytes] & ~((1 << InstructionSet.OpcodeBits) - 1)) | opcode);
                corruption = $"opcode {opcode} at instruction {at}";
                break;
            default:
                var dma = p.Program.Select((i, k) => (i, k)).Where(x => x.i is DmaInstruction).ToList();
                var (instruction, index) = dma[random.Next(dma.Count)];
                var wild = ((DmaInstruction)instruction) with { Offset = random.NextInt64(0, 1L << 32) };
                InstructionSet.Encode(wild, $"instruction {index}").CopyTo(code[(index * InstructionSet.Bytes)..]);
                corruption = $"DMA offset 0x{wild.Offset:x} at instruction {index}";
                break;
        }
        var registers = Windowed(p);
        var script = RtlMachine.Finish(RtlMachine.Start(AxiHostScript.Empty, registers, p.ProgramAddress, length)
            .WaitInterrupt(WatchdogCycles).Read(RegisterMap.EngineState.Offset).Write(RegisterMap.Control.Offset, 2).WaitInterrupt(AbortCycles));
        var result = await Run(machine, new DdrImage(p.Image.Address, bytes), script, seed).RunAsync(cancellation);
        if (result.Violations.Count > 0 || result.Stop != "script")
            return (seed, corruption, CorruptOutcome.OutOfWindow, $"{result.Stop}: {string.Join("; ", result.Violations.Take(2))}");
        var waits = result.Events.Where(e => e.Operation == "wait-interrupt").ToList();
        var report = HostProtocol.Report([.. result.Events.SkipWhile(e => e != waits[1]).Where(e => e.Operation == "read").Select(e => (uint)e.Value)]);
        if (waits[1].Timeout || report.Busy)
            return (seed, corruption, CorruptOutcome.Hang, report.ToString());
        if (waits[0].Timeout)
        {
            var engines = (uint)result.Events.SkipWhile(e => e != waits[0]).First(e => e.Operation == "read").Value;
            return (seed, corruption, CorruptOutcome.Watchdog, $"at the watchdog {(report with { EngineState = engines }).DescribeEngines()}; ended {waits[1].Value} cycles after the abort with {report.ErrorCode}");
        }
        return report.Error ? (seed, corruption, CorruptOutcome.Error, report.ErrorCode.ToString()) : (seed, corruption, CorruptOutcome.Finished, "");
    }
}
