using DiffAcc.Accelerator.Configuration;

namespace DiffAcc.Accelerator.Isa.Simulation;

/// <summary>
/// The race check: every instruction's footprint (<see cref="InstructionFootprint"/>) against the happens-before
/// the tokens, the queues and the weight banks give (<see cref="TokenSchedule"/>), in a <see cref="HazardTracker"/>.
/// DDR reads count only on lines some STORE of the program writes: the rest (weights, tables, the sample) is
/// read-only, and two STOREs are ordered by their engine.
/// </summary>
public sealed class HazardAnalysis
{
    private readonly AcceleratorConfig config;
    private readonly DdrSpaces ddr;
    private readonly Dictionary<string, HashSet<long>> storedLines = new(StringComparer.Ordinal);

    public HazardAnalysis(AcceleratorConfig config, IReadOnlyList<Instruction> program, int stepGroup, DdrSpaces ddr)
    {
        this.config = config;
        this.ddr = ddr;
        // The step group a STORE runs under is stamped at dispatch, in program order.
        for (var i = 0; i < program.Count; i++)
        {
            if (program[i] is SetStep set)
                stepGroup = set.StepGroup;
            if (program[i] is not Store store)
                continue;
            foreach (var access in InstructionFootprint.Of(config, new ScheduledInstruction(i, store, Engine.Store, stepGroup, []), ddr))
            {
                if (!access.Ddr)
                    continue;
                if (!storedLines.TryGetValue(access.Space, out var lines))
                    storedLines[access.Space] = lines = [];
                for (var line = access.First; line < access.First + access.Count; line++)
                    lines.Add(line);
            }
        }
    }

    public HazardTracker Tracker { get; } = new();

    /// <summary>Records what <paramref name="step"/> reads and writes, reporting each access no token orders after a conflicting one.</summary>
    public void Apply(ScheduledInstruction step)
    {
        foreach (var access in InstructionFootprint.Of(config, step, ddr))
        {
            if (access.Write)
            {
                Tracker.Write(step, access.Space, access.First, access.Count);
            }
            else if (!access.Ddr)
            {
                Tracker.Read(step, access.Space, access.First, access.Count);
            }
            else if (storedLines.TryGetValue(access.Space, out var lines))
            {
                for (var line = access.First; line < access.First + access.Count; line++)
                {
                    if (lines.Contains(line))
                        Tracker.Read(step, access.Space, line, 1);
                }
            }
        }
    }

    /// <summary>
    /// The races of <paramref name="program"/> without its data (DDR per base register, STEP 0): what the program
    /// builder checks. A program that cannot finish throws the schedule's <see cref="DeadlockException"/>.
    /// </summary>
    public static HazardTracker Check(AcceleratorConfig config, IReadOnlyList<Instruction> program, int stepGroup = 0)
    {
        var analysis = new HazardAnalysis(config, program, stepGroup, DdrSpaces.PerBase);
        foreach (var step in TokenSchedule.Run(program, stepGroup))
            analysis.Apply(step);
        return analysis.Tracker;
    }
}
