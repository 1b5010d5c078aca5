using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// One instruction in the cycle model: dispatched into its engine's queue, launched, done; a weight
/// instruction that opens a set also waits <see cref="BankWait"/> cycles for its bank to be released.
/// </summary>
public sealed record TimedInstruction(int Index, Instruction Instruction, Engine Engine, double Dispatch, double Launch, double Done, double BankWait = 0)
{
    /// <summary>Cycles the engine is busy with it, launch to done, but the wait for a weight bank the PE array still reads.</summary>
    public double Busy => Done - Launch - BankWait;
}

/// <summary>A program's estimated run: every instruction's times and the cycle its FINISH ends the program.</summary>
public sealed record CycleEstimate(AcceleratorConfig Config, DdrTiming Ddr, IReadOnlyList<TimedInstruction> Instructions, double Cycles, long DataBeats, long WeightBeats)
{
    /// <summary>Busy cycles of each engine over instructions [first, first + count).</summary>
    public IReadOnlyDictionary<Engine, double> Busy(int first = 0, int count = int.MaxValue)
    {
        var busy = EngineSets.Queued.ToDictionary(e => e, _ => 0.0);
        foreach (var t in Instructions)
        {
            if (t.Index >= first && t.Index - first < count && t.Engine != Engine.Control)
                busy[t.Engine] += t.Busy;
        }
        return busy;
    }
}

/// <summary>
/// The cycle model: runs a program through the machine's control by the dispatcher's rules, as
/// <see cref="TokenSchedule"/> does (<see cref="DispatchModel{T}"/>: in-order dispatch into queues of
/// <see cref="DispatchRules.QueueDepth"/>, tokens, the two weight banks, SYNC and FINISH waiting for
/// every engine), but in time: an engine launches its head
/// instruction at the first cycle it is idle and holds its tokens, and the instruction takes what its
/// engine's <see cref="IInstructionTiming"/> says, DMA bursts sharing their AXI port. It reads the
/// same program the hardware runs; nothing about the hardware is described twice but the engines'
/// throughput.
/// <code>var estimate = CycleModel.For(config).WithDdr(DdrTiming.Board).Run(program, registers);</code>
/// </summary>
public sealed record CycleModel
{
    /// <summary>START to the first instruction in the dispatcher: the fetch's first burst and its decode.</summary>
    public const int FetchCycles = 8;

    /// <summary>The last engine's done to the end of the program (FINISH's dispatch, the registers' input stage, STATUS and the interrupt).</summary>
    public const int FinishCycles = 4;

    /// <summary>An engine's done to the first cycle its tokens can start another (the dispatcher counts them a cycle after the done).</summary>
    public const int TokenCycles = 2;

    // Engines that launch within LaunchWindow cycles of each other are timed in the buffers' read priority
    // (BufferReadPorts.Rank, then load), so a lower-priority reader sees the higher one's port use: two chains of
    // dependent instructions that started together drift apart by a cycle per token hop, and the hardware's
    // arbitration still gives the higher-priority engine the port.
    private const int LaunchWindow = TokenCycles;

    private static readonly IInstructionTiming[] Timings = [new ConvTiming(), new LoadTiming(), new StoreTiming(), new WeightTiming(), new VectorTiming()];

    private CycleModel(AcceleratorConfig config) => Config = config;

    public AcceleratorConfig Config { get; }

    public DdrTiming Ddr { get; init; } = DdrTiming.Board;

    public static CycleModel For(AcceleratorConfig config) => new(config);

    public CycleModel WithDdr(DdrTiming ddr) => this with { Ddr = ddr };

    public CycleEstimate Run(IReadOnlyList<Instruction> program, MachineRegisters registers)
    {
        var dispatch = new DispatchModel<double>(program, registers.StepGroup);
        var engines = dispatch.Engines;
        var state = new MachineTimingState(Config, Ddr, registers, new DdrController(Ddr.TotalBeatsPerCycle));
        var launches = Enumerable.Range(0, engines).Select(_ => new List<double>()).ToArray();
        var dispatched = new int[engines];
        var free = new double[engines];
        var timed = new List<TimedInstruction>(program.Count);
        var lastDispatch = Ddr.MeanLatency + FetchCycles;
        double lastDone = 0;
        while (true)
        {
            var stop = dispatch.Dispatch(Dispatched, (index, instruction) =>
            {
                // SET_STEP takes a cycle; SYNC and FINISH wait until every engine is idle.
                lastDispatch = instruction is SetStep ? lastDispatch + 1 : Math.Max(lastDispatch + 1, lastDone + 1);
                timed.Add(new TimedInstruction(index, instruction, Engine.Control, lastDispatch, lastDispatch, lastDispatch));
            });
            if (stop == DispatchStop.Finished)
                return Finish();

            var candidates = new List<(int Engine, double Launch)>();
            for (var e = 0; e < engines; e++)
            {
                if (dispatch.Head(e) is { } head && Launch(program[head.Index], e, head.Dispatched) is { } at)
                    candidates.Add((e, at));
            }
            if (candidates.Count == 0)
            {
                if (dispatch.Drained)
                    return Finish();
                throw new DeadlockException(dispatch.DescribeDeadlock(), dispatch.WaitingIndex());
            }
            var earliest = candidates.Min(c => c.Launch);
            var (engine, launchAt) = candidates.Where(c => c.Launch <= earliest + LaunchWindow).OrderBy(c => BufferReadPorts.Rank((Engine)c.Engine)).ThenBy(c => c.Launch).First();
            // A STORE that starts while a CONV walks takes the CONV's groups' read ports first; timed after the
            // CONV (the store engine still busy with the STORE before it at the CONV's launch) it would take
            // nothing from it, so the STORE is timed first.
            // So is a STORE that starts while a GN_STATS, which reads its group's port on every cycle, streams.
            if (candidates.FirstOrDefault(c => c.Engine == (int)Engine.Store) is { Engine: (int)Engine.Store } store && HeadOf(store.Engine) is Store { Group: var group }
                && HeadOf(engine) switch
                {
                    Conv conv => ((conv.GroupMask >> group) & 1) != 0 && store.Launch < launchAt + ConvTiming.Terms(conv),
                    GroupNormStatistics statistics => statistics.Group == group && store.Launch < launchAt + VectorTiming.ReadCycles(statistics, Config),
                    _ => false,
                })
                (engine, launchAt) = store;
            // So is a weight gather on one of a CONV's groups that starts before the CONV's walk over its complete bank
            // ends: the CONV reads all its groups in step, and the gather takes a read a chunk (attention's V under Q x Kᵀ).
            else if (HeadOf(engine) is Conv walking && candidates.FirstOrDefault(c => c.Engine == (int)Engine.Weight) is { Engine: (int)Engine.Weight } gather
                && HeadOf(gather.Engine) is MoveWeights { Group: var gathered } && ((walking.GroupMask >> gathered) & 1) != 0
                && gather.Launch < Math.Max(launchAt + Machine.ConvWalker.SetupCycles, dispatch.NextCompleteBank + 1) + ConvTiming.Terms(walking))
                (engine, launchAt) = gather;

            var started = dispatch.Start((Engine)engine);
            var current = started.Instruction;
            DmaWindowRule.Require(Config, registers, current, started.Queued.StepGroup, started.Queued.Index);
            launches[engine].Add(launchAt);
            if (started.OpensSet)
                state.BankFree = started.HasBankEvent ? started.BankEvent : 0;
            else if (current is Conv)
                state.BankComplete = started.BankEvent;
            var timing = Timings.First(t => t.Times(current));
            state.StepGroup = started.Queued.StepGroup;
            var done = timing.Run(current, launchAt + 1, state);
            free[engine] = done + 1;
            lastDone = Math.Max(lastDone, done);
            dispatch.Finish(current, (Engine)engine, done + 1, done + TokenCycles);
            var bankWait = started.OpensSet ? Math.Clamp(state.BankFree - (launchAt + 1), 0, done - launchAt) : 0;
            timed.Add(new TimedInstruction(started.Queued.Index, current, (Engine)engine, started.Queued.Dispatched, launchAt, done, bankWait));
        }

        Instruction HeadOf(int engine) => program[dispatch.Head(engine)!.Value.Index];

        // An engine instruction enters its queue a cycle after the one before it, and only once the
        // instruction QueueDepth before it on the same engine has left the queue.
        double Dispatched(int index, Instruction instruction, Engine engine)
        {
            var e = (int)engine;
            var room = dispatched[e] >= DispatchRules.QueueDepth ? launches[e][dispatched[e] - DispatchRules.QueueDepth] + 1 : 0;
            lastDispatch = Math.Max(lastDispatch + 1, room);
            dispatched[e]++;
            return lastDispatch;
        }

        double? Launch(Instruction instruction, int engine, double dispatched)
        {
            if (!dispatch.CanStart(instruction, (Engine)engine))
                return null;
            return dispatch.Tokens(instruction, (Engine)engine).Aggregate(Math.Max(dispatched + 1, free[engine]), Math.Max);
        }

        CycleEstimate Finish()
        {
            timed.Sort((a, b) => a.Index.CompareTo(b.Index));
            return new CycleEstimate(Config, Ddr, timed, Math.Max(lastDispatch, lastDone) + FinishCycles, state.DataRead.Beats + state.DataWrite.Beats, state.Weights.Beats);
        }
    }
}
