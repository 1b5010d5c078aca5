using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Scenarios;
using DiffAcc.Sim.Regression;

namespace DiffAcc.Cli;

/// <summary>The registered system testbenches: every scenario on DiffAccTop of the small preset, and the programs that must fail visibly.</summary>
internal static class SystemTestbenches
{
    private static AcceleratorConfig Config => Presets.Small;

    public static IReadOnlyList<ITestbench> All { get; } =
    [
        .. SystemScenarios.Names.Select((name, i) => new SystemTestbench($"system-{name}", Config, () => SystemScenarios.Get(name, Config), (ulong)(i + 1))),
        .. SystemScenarios.Names.Select((name, i) => new SystemTestbench($"system-wide-{name}", SystemScenarios.Wide, () => SystemScenarios.Get(name, SystemScenarios.Wide), (ulong)(i + 21))),
        // ADD no longer waits for the loads: it reads rows before they arrive.
        new SystemTestbench("system-missing-token", Config, () => SystemScenarios.Get("residual-add", Config), 11, SystemExpectation.WrongResult,
            s => [.. s.Program.Instructions.Select(i => i is Add { Group: 0 } add ? add with { Wait = Engines.None } : i is Load { Group: 0, Signal: Engines.Vector } load ? load with { Signal = Engines.None } : i)]),
        // The first CONV waits for a token from STORE that no instruction gives.
        new SystemTestbench("system-deadlock", Config, () => SystemScenarios.Get("conv1x1", Config), 12, SystemExpectation.Deadlock,
            s => [.. s.Program.Instructions.Select(i => i is Conv { CoutBase: 0 } conv ? conv with { Wait = conv.Wait | Engines.Store } : i)]),
        new SystemTestbench("system-unknown-opcode", Config, () => SystemScenarios.Get("conv1x1", Config), 13, SystemExpectation.UnknownOpcode),
        new SystemTestbench("system-watchdog", Config, () => SystemScenarios.Get("conv3x3", Config), 14, SystemExpectation.Watchdog),
        // 256 loads each give VECTOR a token that it never takes: one more than its 8-bit semaphore counts.
        new SystemTestbench("system-semaphore-overflow", Config, () => SystemScenarios.Get("conv1x1", Config), 16, SystemExpectation.SemaphoreOverflow,
            s => [.. Enumerable.Repeat<Instruction>(s.Program.Instructions.OfType<Load>().First() with { Wait = Engines.None, Signal = Engines.Vector }, 256), .. s.Program.Instructions]),
        // Faults mid-program: each must stop the program cleanly, and the same program run again must be bit-exact.
        // The strided copy moves a burst per pixel, so the SLVERR lands mid-transfer; at cycle 1,200 the first
        // CONV of conv1x1 runs with the second weight set's bank full, which the rerun must not find so.
        new SystemTestbench("system-read-error", Config, () => SystemScenarios.Get("strided-copy", Config), 17, SystemExpectation.ReadErrorThenRerun) { FaultAt = 8 },
        new SystemTestbench("system-write-error", Config, () => SystemScenarios.Get("strided-copy", Config), 18, SystemExpectation.WriteErrorThenRerun) { FaultAt = 4 },
        new SystemTestbench("system-abort", Config, () => SystemScenarios.Get("conv1x1", Config), 19, SystemExpectation.AbortThenRerun) { FaultAt = 1_200 },
        // DMA windows: a LOAD from a wild address (far outside DDR, which the harness would flag), and STOREs into
        // a DDR image the windows make read-only. Neither may reach DDR; both stop with ERROR_CODE 7.
        new SystemTestbench("system-window-load", Config, () => SystemScenarios.Get("conv1x1", Config), 20, SystemExpectation.WindowViolation,
            s => [.. s.Program.Instructions.Select((i, k) => k == s.Program.Instructions.ToList().FindIndex(x => x is Load) ? ((Load)i) with { Offset = ((Load)i).Offset + 0x1000_0000 } : i)])
        { Windows = image => [DmaWindow.Covering(image.Address, image.Bytes.Length, write: true)] },
        new SystemTestbench("system-window-store", Config, () => SystemScenarios.Get("conv1x1", Config), 21, SystemExpectation.WindowViolation)
        { Windows = image => [DmaWindow.Covering(image.Address, image.Bytes.Length, write: false)] },
        new SystemTestbench("system-misaligned-program", Config, () => SystemScenarios.Get("conv1x1", Config), 15, SystemExpectation.MisalignedProgram),
    ];
}
