using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Performance;

/// <summary>One instruction in the cycle model: dispatched into its engine's queue, launched, done.</summary>
public sealed record TimedInstruction(int Index, Instruction Instruction, Engine Engine, double Dispatch, double Launch, double Done)
{
    /// <summary>Cycles the engine is busy with it, launch to done.</summary>
    public double Busy => Done - Launch;
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
/// The cycle model: runs a program through the machine's control as <see cref="TokenSchedule"/> does
/// (in-order dispatch into queues of <see cref="TokenSchedule.QueueDepth"/>, tokens, the two weight
/// banks, SYNC and FINISH waiting for every engine), but in time: an engine launches its head
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
        var engines = EngineSets.Queued.Count;
        var state = new MachineTimingState(Config, Ddr, registers);
        var queues = Enumerable.Range(0, engines).Select(_ => new Queue<(int Index, double Dispatch, int StepGroup)>()).ToArray();
        var launches = Enumerable.Range(0, engines).Select(_ => new List<double>()).ToArray();
        var dispatched = new int[engines];
        var free = new double[engines];
        var tokens = new Queue<double>[engines, engines];
        for (var a = 0; a < engines; a++)
        {
            for (var b = 0; b < engines; b++)
                tokens[a, b] = new Queue<double>();
        }
        var completed = new List<double>();
        var released = new List<double>();
        var setOpen = false;
        var timed = new List<TimedInstruction>(program.Count);
        var stepGroup = registers.StepGroup;
        var lastDispatch = Ddr.MeanLatency + FetchCycles;
        double lastDone = 0;
        var pc = 0;
        while (true)
        {
            while (pc < program.Count)
            {
                var instruction = program[pc];
                var format = InstructionSet.Format(instruction);
                if (format.Engine == Engine.Control)
                {
                    if (instruction is SetStep set)
                    {
                        stepGroup = set.StepGroup;
                        lastDispatch += 1;
                        timed.Add(new TimedInstruction(pc, instruction, Engine.Control, lastDispatch, lastDispatch, lastDispatch));
                        pc++;
                        continue;
                    }
                    if (queues.Any(q => q.Count > 0))
                        break;
                    // SYNC and FINISH: every engine idle.
                    lastDispatch = Math.Max(lastDispatch + 1, lastDone + 1);
                    timed.Add(new TimedInstruction(pc, instruction, Engine.Control, lastDispatch, lastDispatch, lastDispatch));
                    if (instruction is Finish)
                        return Finish();
                    pc++;
                    continue;
                }
                var e = (int)format.Engine;
                if (queues[e].Count >= TokenSchedule.QueueDepth)
                    break;
                var room = dispatched[e] >= TokenSchedule.QueueDepth ? launches[e][dispatched[e] - TokenSchedule.QueueDepth] + 1 : 0;
                lastDispatch = Math.Max(lastDispatch + 1, room);
                queues[e].Enqueue((pc, lastDispatch, stepGroup));
                dispatched[e]++;
                pc++;
            }

            var candidates = new List<(int Engine, double Launch)>();
            for (var e = 0; e < engines; e++)
            {
                if (queues[e].Count == 0)
                    continue;
                var (index, dispatch, _) = queues[e].Peek();
                if (Launch(program[index], e, dispatch) is { } at)
                    candidates.Add((e, at));
            }
            (int Engine, double Launch)? next = null;
            if (candidates.Count > 0)
            {
                var earliest = candidates.Min(c => c.Launch);
                next = candidates.Where(c => c.Launch <= earliest + LaunchWindow).OrderBy(c => BufferReadPorts.Rank((Engine)c.Engine)).ThenBy(c => c.Launch).First();
            }
            if (next is null)
            {
                if (pc >= program.Count && queues.All(q => q.Count == 0))
                    return Finish();
                var waiting = queues.Where(q => q.Count > 0).Select(q => q.Peek().Index)
                    .Select(i => $"instruction {i} ({InstructionSet.Format(program[i]).Mnemonic}) waits for {string.Join(" and ", program[i].Wait.Members().Select(m => m.ToString().ToUpperInvariant()).DefaultIfEmpty("a weight bank"))}");
                throw new DeadlockException($"deadlock: nothing can move; {string.Join("; ", waiting)}");
            }

            var (engine, launchAt) = next.Value;
            var (at2, dispatchedAt, stamped) = queues[engine].Dequeue();
            var current = program[at2];
            foreach (var from in current.Wait.Members())
                tokens[(int)from, engine].Dequeue();
            launches[engine].Add(launchAt);
            switch (current)
            {
                case LoadWeights or MoveWeights when !setOpen:
                    state.BankFree = completed.Count >= TokenSchedule.WeightBanks ? released[completed.Count - TokenSchedule.WeightBanks] : 0;
                    setOpen = true;
                    break;
                case Conv:
                    state.BankComplete = completed[released.Count];
                    break;
            }
            var timing = Timings.First(t => t.Times(current));
            state.StepGroup = stamped;
            var done = timing.Run(current, launchAt + 1, state);
            free[engine] = done + 1;
            lastDone = Math.Max(lastDone, done);
            switch (current)
            {
                case LoadWeights { Complete: true } or MoveWeights { Complete: true }:
                    completed.Add(done + 1);
                    setOpen = false;
                    break;
                case Conv { Release: true }:
                    released.Add(done + 1);
                    break;
            }
            foreach (var to in current.Signal.Members())
                tokens[engine, (int)to].Enqueue(done + TokenCycles);
            timed.Add(new TimedInstruction(at2, current, (Engine)engine, dispatchedAt, launchAt, done));
        }

        double? Launch(Instruction instruction, int engine, double dispatch)
        {
            var at = Math.Max(dispatch + 1, free[engine]);
            foreach (var from in instruction.Wait.Members())
            {
                if (tokens[(int)from, engine].Count == 0)
                    return null;
                at = Math.Max(at, tokens[(int)from, engine].Peek());
            }
            return instruction switch
            {
                LoadWeights or MoveWeights when !setOpen && completed.Count >= TokenSchedule.WeightBanks && released.Count <= completed.Count - TokenSchedule.WeightBanks => null,
                Conv when completed.Count <= released.Count => null,
                _ => at,
            };
        }

        CycleEstimate Finish()
        {
            timed.Sort((a, b) => a.Index.CompareTo(b.Index));
            return new CycleEstimate(Config, Ddr, timed, Math.Max(lastDispatch, lastDone) + FinishCycles, state.DataRead.Beats + state.DataWrite.Beats, state.Weights.Beats);
        }
    }
}
