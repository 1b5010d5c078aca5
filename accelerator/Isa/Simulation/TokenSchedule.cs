namespace DiffAcc.Accelerator.Isa.Simulation;

/// <summary>One instruction as the schedule runs it: its index, the step group stamped at dispatch and its vector clock.</summary>
public sealed record ScheduledInstruction(int Index, Instruction Instruction, Engine Engine, int StepGroup, int[] Clock)
{
    /// <summary>This instruction's position among its engine's instructions (1 = the first).</summary>
    public int Sequence => Clock[(int)Engine];

    /// <summary>True when an access by <paramref name="engine"/> with sequence <paramref name="sequence"/> happened before this instruction.</summary>
    public bool After(Engine engine, int sequence) => engine == Engine ? sequence <= Sequence : Clock[(int)engine] >= sequence;

    public string Name => $"instruction {Index} ({InstructionSet.Format(Instruction).Mnemonic})";
}

/// <summary>A program that stops with work left: every engine waits and nothing can move.</summary>
public sealed class DeadlockException(string message) : Exception(message);

/// <summary>
/// Runs a program's control flow the way the hardware does, without data: the dispatcher hands
/// instructions in order to per-engine queues (<see cref="QueueDepth"/> waiting plus one in progress),
/// SET_STEP stamps the step group, SYNC and FINISH wait for every engine; an engine starts its head
/// instruction when it holds a token from each engine in its wait mask, a weight instruction that
/// opens a set needs one of the two weight banks free, and a CONV needs a complete bank. Each
/// instruction gets a vector clock (happens-before through program order per engine, tokens and the
/// weight banks), which the functional simulator uses to find races. Any schedule the hardware can
/// take orders dependent instructions the same way, so a race-free program computes the same bytes.
/// </summary>
public static class TokenSchedule
{
    /// <summary>Instructions an engine's queue holds besides the one in progress.</summary>
    public const int QueueDepth = 8;

    /// <summary>The weight buffer's banks: sets that may be complete or in use at once.</summary>
    public const int WeightBanks = 2;

    public static IEnumerable<ScheduledInstruction> Run(IReadOnlyList<Instruction> program, int stepGroup)
    {
        var engines = EngineSets.Queued.Count;
        var queues = Enumerable.Range(0, engines).Select(_ => new Queue<(int Index, int StepGroup)>()).ToArray();
        var tokens = new Queue<int[]>[engines, engines];
        for (var a = 0; a < engines; a++)
        {
            for (var b = 0; b < engines; b++)
                tokens[a, b] = new Queue<int[]>();
        }
        var clocks = Enumerable.Range(0, engines).Select(_ => new int[engines]).ToArray();
        var completedSets = new List<int[]>();
        var releaseClocks = new List<int[]>();
        var setOpen = false;
        var pc = 0;
        while (true)
        {
            // The dispatcher moves on until a queue is full or a SYNC/FINISH has to wait.
            while (pc < program.Count)
            {
                var instruction = program[pc];
                var format = InstructionSet.Format(instruction);
                if (format.Engine == Engine.Control)
                {
                    if (instruction is SetStep set)
                    {
                        stepGroup = set.StepGroup;
                        pc++;
                        continue;
                    }
                    if (queues.Any(q => q.Count > 0))
                        break;
                    if (instruction is Finish)
                        yield break;
                    // SYNC: everything before it has finished, so everything after happens after all of it.
                    var barrier = new int[engines];
                    foreach (var c in clocks)
                        Join(barrier, c);
                    foreach (var c in clocks)
                        Join(c, barrier);
                    pc++;
                    continue;
                }
                var queue = queues[(int)format.Engine];
                if (queue.Count >= QueueDepth + 1)
                    break;
                queue.Enqueue((pc, stepGroup));
                pc++;
            }

            // Among the heads that can start, the one earliest in the program.
            (int Engine, int Index)? next = null;
            for (var e = 0; e < engines; e++)
            {
                if (queues[e].Count == 0)
                    continue;
                var (index, _) = queues[e].Peek();
                if (Blocker(program[index], (Engine)e) is null && (next is null || index < next.Value.Index))
                    next = (e, index);
            }
            if (next is null)
            {
                if (pc >= program.Count && queues.All(q => q.Count == 0))
                    throw new DeadlockException("the program ends without FINISH");
                throw new DeadlockException(Describe());
            }

            var (engine, at) = next.Value;
            var (_, stamped) = queues[engine].Dequeue();
            var current = program[at];
            var clock = (int[])clocks[engine].Clone();
            foreach (var from in current.Wait.Members())
                Join(clock, tokens[(int)from, engine].Dequeue());
            switch (current)
            {
                case LoadWeights or MoveWeights when !setOpen:
                    if (completedSets.Count >= WeightBanks)
                        Join(clock, releaseClocks[completedSets.Count - WeightBanks]);
                    setOpen = true;
                    break;
                case Conv:
                    Join(clock, completedSets[releaseClocks.Count]);
                    break;
            }
            clock[engine]++;
            clocks[engine] = clock;
            switch (current)
            {
                case LoadWeights { Complete: true } or MoveWeights { Complete: true }:
                    completedSets.Add(clock);
                    setOpen = false;
                    break;
                case Conv { Release: true }:
                    releaseClocks.Add(clock);
                    break;
            }
            foreach (var to in current.Signal.Members())
                tokens[engine, (int)to].Enqueue(clock);
            yield return new ScheduledInstruction(at, current, (Engine)engine, stamped, clock);
        }

        string? Blocker(Instruction instruction, Engine engine)
        {
            var missing = instruction.Wait.Members().Where(from => tokens[(int)from, (int)engine].Count == 0).ToList();
            if (missing.Count > 0)
                return $"waits for a token from {string.Join(" and ", missing.Select(m => m.ToString().ToUpperInvariant()))}";
            return instruction switch
            {
                LoadWeights or MoveWeights when !setOpen && completedSets.Count - releaseClocks.Count >= WeightBanks => "waits for a free weight bank (no CONV releases one)",
                Conv when completedSets.Count <= releaseClocks.Count => "waits for a complete weight bank (no LOAD_WEIGHTS or MOVE_WEIGHTS completes one)",
                _ => null,
            };
        }

        string Describe()
        {
            var lines = new List<string> { "deadlock: nothing can move" };
            for (var e = 0; e < engines; e++)
            {
                if (queues[e].Count == 0)
                    continue;
                var (index, _) = queues[e].Peek();
                lines.Add($"  {((Engine)e).ToString().ToUpperInvariant()}: instruction {index} ({InstructionSet.Format(program[index]).Mnemonic}) {Blocker(program[index], (Engine)e)}");
            }
            if (pc < program.Count)
            {
                var format = InstructionSet.Format(program[pc]);
                lines.Add(format.Engine == Engine.Control
                    ? $"  the dispatcher holds instruction {pc} ({format.Mnemonic}) until every engine is idle"
                    : $"  the dispatcher holds instruction {pc} ({format.Mnemonic}) for the full {format.Engine.ToString().ToUpperInvariant()} queue");
            }
            return string.Join(Environment.NewLine, lines);
        }
    }

    private static void Join(int[] clock, int[] other)
    {
        for (var i = 0; i < clock.Length; i++)
            clock[i] = Math.Max(clock[i], other[i]);
    }
}
