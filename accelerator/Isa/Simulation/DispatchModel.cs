namespace DiffAcc.Accelerator.Isa.Simulation;

/// <summary>The dispatcher's sizes, shared by the RTL (<c>Machine.Dispatcher</c>) and every model of it.</summary>
public static class DispatchRules
{
    /// <summary>Instructions an engine's queue holds that have not started; the one in progress has left it.</summary>
    public const int QueueDepth = 16;

    /// <summary>The weight buffer's banks: sets that may be complete or in use at once.</summary>
    public const int WeightBanks = 2;

    /// <summary>
    /// Cycles a stopped program (an AXI error response, the host's abort) waits, at least, before it ends:
    /// longer than any engine's pipeline, so that nothing an aborted instruction had under way still moves
    /// when the next program starts.
    /// </summary>
    public const int SettleCycles = 63;
}

/// <summary>An instruction waiting in its engine's queue: where it is in the program, the step group stamped at dispatch, and the dispatch event.</summary>
public readonly record struct QueuedInstruction<T>(int Index, int StepGroup, T Dispatched);

/// <summary>
/// What an instruction waited on when it started: the tokens it took and the bank event, if any: for a
/// weight instruction that opens a set (<see cref="OpensSet"/>) the release of the bank it refills once
/// both banks have been used, for a CONV the completion of the bank it computes on.
/// </summary>
public sealed record StartedInstruction<T>(QueuedInstruction<T> Queued, Instruction Instruction, Engine Engine, IReadOnlyList<T> Tokens, bool OpensSet, bool HasBankEvent, T BankEvent);

/// <summary>Why the dispatcher stopped moving through the program.</summary>
public enum DispatchStop
{
    /// <summary>The next instruction's queue is full.</summary>
    QueueFull,

    /// <summary>A SYNC or FINISH waits until every queue is empty.</summary>
    Barrier,

    /// <summary>It dispatched FINISH.</summary>
    Finished,

    /// <summary>The program has no more instructions.</summary>
    ProgramEnd,
}

/// <summary>
/// The dispatcher's rules written once, for every model that runs a program's control flow: in-order
/// dispatch into per-engine queues of <see cref="DispatchRules.QueueDepth"/>, SET_STEP stamping the step
/// group, SYNC and FINISH waiting for empty queues, a token per ordered pair of engines, and the two
/// weight banks (a weight instruction that opens a set needs a free bank, a CONV a complete one). The
/// ordered checker (<see cref="TokenSchedule"/>, events are vector clocks) and the timed model
/// (<c>Performance.CycleModel</c>, events are cycles) differ only in what an event is and in which
/// startable head they pick.
/// </summary>
public sealed class DispatchModel<T>
{
    private readonly Queue<QueuedInstruction<T>>[] queues;
    private readonly Queue<T>[,] tokens;
    private readonly List<T> completed = [];
    private readonly List<T> released = [];
    private bool setOpen;

    public DispatchModel(IReadOnlyList<Instruction> program, int stepGroup)
    {
        Program = program;
        StepGroup = stepGroup;
        var engines = EngineSets.Queued.Count;
        queues = [.. Enumerable.Range(0, engines).Select(_ => new Queue<QueuedInstruction<T>>())];
        tokens = new Queue<T>[engines, engines];
        for (var a = 0; a < engines; a++)
        {
            for (var b = 0; b < engines; b++)
                tokens[a, b] = new Queue<T>();
        }
    }

    public IReadOnlyList<Instruction> Program { get; }

    /// <summary>The next instruction the dispatcher looks at.</summary>
    public int Pc { get; private set; }

    /// <summary>The step group SET_STEP last set: what the next dispatched instruction is stamped with.</summary>
    public int StepGroup { get; private set; }

    /// <summary>The queued engines (load, weight, compute, vector, store).</summary>
    public int Engines => queues.Length;

    /// <summary>True when every queue is empty and the program has no instruction left.</summary>
    public bool Drained => Pc >= Program.Count && queues.All(q => q.Count == 0);

    /// <summary>The head of an engine's queue, or null when it is empty.</summary>
    public QueuedInstruction<T>? Head(int engine) => queues[engine].Count == 0 ? null : queues[engine].Peek();

    /// <summary>
    /// Moves the dispatcher on in program order until a queue is full, a barrier waits or FINISH is
    /// dispatched. An engine instruction enters its queue with the event <paramref name="dispatch"/>
    /// gives it (given its index, instruction and engine); SET_STEP, and SYNC or FINISH once every
    /// queue is empty, are handed to <paramref name="control"/> with their index.
    /// </summary>
    public DispatchStop Dispatch(Func<int, Instruction, Engine, T> dispatch, Action<int, Instruction> control)
    {
        while (Pc < Program.Count)
        {
            var instruction = Program[Pc];
            var engine = InstructionSet.Format(instruction).Engine;
            if (engine == Engine.Control)
            {
                if (instruction is SetStep set)
                    StepGroup = set.StepGroup;
                else if (queues.Any(q => q.Count > 0))
                    return DispatchStop.Barrier;
                control(Pc, instruction);
                if (instruction is Finish)
                    return DispatchStop.Finished;
                Pc++;
                continue;
            }
            var queue = queues[(int)engine];
            if (queue.Count >= DispatchRules.QueueDepth)
                return DispatchStop.QueueFull;
            queue.Enqueue(new(Pc, StepGroup, dispatch(Pc, instruction, engine)));
            Pc++;
        }
        return DispatchStop.ProgramEnd;
    }

    /// <summary>True when <paramref name="instruction"/> can start on <paramref name="engine"/> now: every token of its wait mask is there, and its weight bank.</summary>
    public bool CanStart(Instruction instruction, Engine engine)
        => instruction.Wait.Members().All(from => tokens[(int)from, (int)engine].Count > 0) && BankBlocker(instruction) is null;

    /// <summary>Why <paramref name="instruction"/> cannot start on <paramref name="engine"/> now, or null when it can.</summary>
    public string? Blocker(Instruction instruction, Engine engine)
    {
        var missing = instruction.Wait.Members().Where(from => tokens[(int)from, (int)engine].Count == 0).ToList();
        if (missing.Count > 0)
            return $"waits for a token from {string.Join(" and ", missing.Select(m => m.ToString().ToUpperInvariant()))}";
        return BankBlocker(instruction);
    }

    private string? BankBlocker(Instruction instruction) => instruction switch
    {
        LoadWeights or MoveWeights when !setOpen && completed.Count - released.Count >= DispatchRules.WeightBanks => "waits for a free weight bank (no CONV releases one)",
        Conv when completed.Count <= released.Count => "waits for a complete weight bank (no LOAD_WEIGHTS or MOVE_WEIGHTS completes one)",
        _ => null,
    };

    /// <summary>The event that completed the bank the next CONV reads (it must have one: <see cref="CanStart"/>).</summary>
    public T NextCompleteBank => completed[released.Count];

    /// <summary>The tokens <paramref name="instruction"/> would take on <paramref name="engine"/>: the oldest of each engine in its wait mask (it must have them).</summary>
    public IEnumerable<T> Tokens(Instruction instruction, Engine engine) => instruction.Wait.Members().Select(from => tokens[(int)from, (int)engine].Peek());

    /// <summary>
    /// Starts the head of <paramref name="engine"/>'s queue (it must be able to): takes its tokens; a
    /// weight instruction that opens a set takes a bank (waiting on the release of the set two before,
    /// if there was one), a CONV the oldest complete bank.
    /// </summary>
    public StartedInstruction<T> Start(Engine engine)
    {
        var queued = queues[(int)engine].Dequeue();
        var instruction = Program[queued.Index];
        var taken = instruction.Wait.Members().Select(from => tokens[(int)from, (int)engine].Dequeue()).ToList();
        var (opens, hasBank, bank) = (false, false, default(T)!);
        switch (instruction)
        {
            case LoadWeights or MoveWeights when !setOpen:
                if (completed.Count >= DispatchRules.WeightBanks)
                    (hasBank, bank) = (true, released[completed.Count - DispatchRules.WeightBanks]);
                (opens, setOpen) = (true, true);
                break;
            case Conv:
                (hasBank, bank) = (true, completed[released.Count]);
                break;
        }
        return new(queued, instruction, engine, taken, opens, hasBank, bank);
    }

    /// <summary>
    /// Ends an instruction: the last instruction of a weight set completes its bank and a releasing CONV
    /// frees one (both at <paramref name="bankEvent"/>), and each engine in its signal mask gets a
    /// token (<paramref name="token"/>).
    /// </summary>
    public void Finish(Instruction instruction, Engine engine, T bankEvent, T token)
    {
        switch (instruction)
        {
            case LoadWeights { Complete: true } or MoveWeights { Complete: true }:
                completed.Add(bankEvent);
                setOpen = false;
                break;
            case Conv { Release: true }:
                released.Add(bankEvent);
                break;
        }
        foreach (var to in instruction.Signal.Members())
            tokens[(int)engine, (int)to].Enqueue(token);
    }

    /// <summary>Why nothing can move: each engine's head and what it waits for, and what holds the dispatcher.</summary>
    /// <summary>
    /// In a deadlock, the instruction ERROR_PC names: the earliest in the program among those at the
    /// head of a queue (each waits for a token or its weight bank), else the one the dispatcher holds.
    /// </summary>
    public int WaitingIndex()
    {
        var heads = Enumerable.Range(0, Engines).Select(Head).Where(h => h is not null).Select(h => h!.Value.Index).ToList();
        return heads.Count > 0 ? heads.Min() : Math.Min(Pc, Program.Count - 1);
    }

    public string DescribeDeadlock()
    {
        if (Drained)
            return "the program ends without FINISH";
        var lines = new List<string> { "deadlock: nothing can move" };
        for (var e = 0; e < Engines; e++)
        {
            if (Head(e) is not { } head)
                continue;
            lines.Add($"  {((Engine)e).ToString().ToUpperInvariant()}: instruction {head.Index} ({InstructionSet.Format(Program[head.Index]).Mnemonic}) {Blocker(Program[head.Index], (Engine)e)}");
        }
        if (Pc < Program.Count)
        {
            var format = InstructionSet.Format(Program[Pc]);
            lines.Add(format.Engine == Engine.Control
                ? $"  the dispatcher holds instruction {Pc} ({format.Mnemonic}) until every engine is idle"
                : $"  the dispatcher holds instruction {Pc} ({format.Mnemonic}) for the full {format.Engine.ToString().ToUpperInvariant()} queue");
        }
        return string.Join(Environment.NewLine, lines);
    }
}
