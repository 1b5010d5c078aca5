using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Isa;

/// <summary>
/// Places the dependency tokens of a program written without them: walking it in program order, an
/// instruction waits for the latest instruction of each other engine whose access to the same memory
/// (by <see cref="InstructionFootprint"/>, DDR per base register) it must follow and that the tokens and
/// SYNCs placed so far do not already order before it, and that instruction signals it. Each engine's
/// waiters take its signals in the order given, so the counting semaphores pair them as intended; every
/// token given is taken. The weight banks need no tokens: their handshake orders LOAD_WEIGHTS and CONV.
/// </summary>
public static class TokenPlacement
{
    public static IReadOnlyList<Instruction> Place(AcceleratorConfig config, IReadOnlyList<Instruction> program, int stepGroup = 0)
    {
        var engines = EngineSets.Queued.Count;
        var placed = program.Select(i => i with { Wait = Engines.None, Signal = Engines.None }).ToList();
        // Vector clocks: an engine's last instruction's, the one every engine has after the last SYNC, each instruction's.
        var engineClocks = Enumerable.Range(0, engines).Select(_ => new int[engines]).ToArray();
        var synced = new int[engines];
        var clocks = new Dictionary<int, int[]>();
        var lastWriter = new Dictionary<(string, long), int>();
        var lastReaders = new Dictionary<(string, long), int[]>();
        for (var i = 0; i < placed.Count; i++)
        {
            var instruction = placed[i];
            var engine = InstructionSet.Format(instruction).Engine;
            if (engine == Engine.Control)
            {
                if (instruction is SetStep set)
                    stepGroup = set.StepGroup;
                if (instruction is Sync)
                    synced = Join(engineClocks.Append(synced));
                continue;
            }
            var e = (int)engine;
            var clock = Join([engineClocks[e], synced]);
            clock[e] = engineClocks[e][e] + 1;
            clocks[i] = clock;
            var step = new ScheduledInstruction(i, instruction, engine, stepGroup, clock);
            var accesses = InstructionFootprint.Of(config, step, DdrSpaces.PerBase).ToList();
            // The latest instruction of each other engine this one must follow.
            var needed = Enumerable.Repeat(-1, engines).ToArray();
            void Need(int other)
            {
                var x = (int)InstructionSet.Format(placed[other]).Engine;
                if (x != e && clock[x] < clocks[other][x] && other > needed[x])
                    needed[x] = other;
            }
            foreach (var access in accesses)
            {
                for (var unit = access.First; unit < access.First + access.Count; unit++)
                {
                    if (lastWriter.TryGetValue((access.Space, unit), out var writer))
                        Need(writer);
                    if (access.Write && lastReaders.TryGetValue((access.Space, unit), out var readers))
                    {
                        foreach (var reader in readers.Where(r => r >= 0))
                            Need(reader);
                    }
                }
            }
            for (var x = 0; x < engines; x++)
            {
                if (needed[x] < 0)
                    continue;
                placed[needed[x]] = placed[needed[x]] with { Signal = placed[needed[x]].Signal | EngineSets.Of(engine) };
                placed[i] = placed[i] with { Wait = placed[i].Wait | EngineSets.Of((Engine)x) };
                clock = Join([clock, clocks[needed[x]]]);
            }
            clocks[i] = clock;
            engineClocks[e] = clock;
            foreach (var access in accesses)
            {
                for (var unit = access.First; unit < access.First + access.Count; unit++)
                {
                    var key = (access.Space, unit);
                    if (access.Write)
                    {
                        lastWriter[key] = i;
                        lastReaders.Remove(key);
                        continue;
                    }
                    if (!lastReaders.TryGetValue(key, out var readers))
                        lastReaders[key] = readers = Enumerable.Repeat(-1, engines).ToArray();
                    readers[e] = i;
                }
            }
        }
        return placed;
    }

    private static int[] Join(IEnumerable<int[]> clocks)
    {
        int[]? joined = null;
        foreach (var clock in clocks)
        {
            joined ??= new int[clock.Length];
            for (var k = 0; k < clock.Length; k++)
                joined[k] = Math.Max(joined[k], clock[k]);
        }
        return joined!;
    }
}
