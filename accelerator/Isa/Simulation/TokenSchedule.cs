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
public sealed class DeadlockException(string message, int waitingIndex) : Exception(message)
{
    /// <summary>What ERROR_PC reads after the deadlock: the earliest instruction that waits (see <see cref="DispatchModel{T}.WaitingIndex"/>).</summary>
    public int WaitingIndex { get; } = waitingIndex;
}

/// <summary>
/// Runs a program's control flow the way the hardware does, without data, by the dispatcher's rules
/// (<see cref="DispatchModel{T}"/>): in-order dispatch into the engines' queues, SET_STEP, SYNC and
/// FINISH, tokens and the two weight banks. Each instruction gets a vector clock (happens-before through
/// program order per engine, tokens and the weight banks), which the functional simulator uses to find
/// races. Any schedule the hardware can take orders dependent instructions the same way, so a
/// race-free program computes the same bytes.
/// </summary>
public static class TokenSchedule
{
    public static IEnumerable<ScheduledInstruction> Run(IReadOnlyList<Instruction> program, int stepGroup)
    {
        var dispatch = new DispatchModel<int[]>(program, stepGroup);
        var engines = dispatch.Engines;
        var clocks = Enumerable.Range(0, engines).Select(_ => new int[engines]).ToArray();
        while (true)
        {
            // The dispatcher moves on until a queue is full or a SYNC/FINISH has to wait.
            var stop = dispatch.Dispatch((_, _, _) => [], (_, instruction) =>
            {
                if (instruction is not Sync)
                    return;
                // SYNC: everything before it has finished, so everything after happens after all of it.
                var barrier = new int[engines];
                foreach (var c in clocks)
                    Join(barrier, c);
                foreach (var c in clocks)
                    Join(c, barrier);
            });
            if (stop == DispatchStop.Finished)
                yield break;

            // Among the heads that can start, the one earliest in the program.
            (int Engine, int Index)? next = null;
            for (var e = 0; e < engines; e++)
            {
                if (dispatch.Head(e) is { } head && dispatch.CanStart(program[head.Index], (Engine)e) && (next is null || head.Index < next.Value.Index))
                    next = (e, head.Index);
            }
            if (next is null)
                throw new DeadlockException(dispatch.DescribeDeadlock(), dispatch.WaitingIndex());

            var engine = next.Value.Engine;
            var started = dispatch.Start((Engine)engine);
            var clock = (int[])clocks[engine].Clone();
            foreach (var token in started.Tokens)
                Join(clock, token);
            if (started.HasBankEvent)
                Join(clock, started.BankEvent);
            clock[engine]++;
            clocks[engine] = clock;
            dispatch.Finish(started.Instruction, (Engine)engine, clock, clock);
            yield return new ScheduledInstruction(started.Queued.Index, started.Instruction, (Engine)engine, started.Queued.StepGroup, clock);
        }
    }

    private static void Join(int[] clock, int[] other)
    {
        for (var i = 0; i < clock.Length; i++)
            clock[i] = Math.Max(clock[i], other[i]);
    }
}
