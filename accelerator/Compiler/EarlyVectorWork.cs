using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// A pass on the program without SYNCs, before the tokens are placed: the vector unit runs its queue in
/// order, so vector work that needs only older results (a concatenation's skip part, loaded from DDR and
/// rescaled) waits behind work that needs the convolution still running (the residual add before it). Such
/// an instruction moves up, with the loads and table loads that feed it, to just before the first vector
/// instruction that waits for a later convolution, passing only instructions it shares no memory with (the
/// same footprints the tokens are placed from, plus the vector unit's own GroupNorm statistics and finished
/// channels, which the footprints leave to the queue's order). The weights engine's and the array's queues
/// keep their order; the instructions' results do not change, only when the vector unit gets to them.
/// </summary>
internal static class EarlyVectorWork
{
    // How far back an instruction looks for its place: a layer's instructions and the layer's before.
    private const int Window = 400;

    private const string Statistics = "GroupNorm statistics, channel";

    private const string Finished = "GroupNorm finished, channel";

    public static (IReadOnlyList<Instruction> Program, IReadOnlyList<CompiledLayer> Layers) Apply(AcceleratorConfig config, IReadOnlyList<Instruction> program, IReadOnlyList<CompiledLayer> layers)
    {
        var engines = program.Select(i => InstructionSet.Format(i).Engine).ToArray();
        var footprints = Footprints(config, program, engines);
        var depth = ConvolutionDepth(footprints, engines);
        // The program as original indices, in their new order.
        var order = Enumerable.Range(0, program.Count).ToList();
        for (var at = 0; at < order.Count; at++)
        {
            var v = order[at];
            if (engines[v] != Engine.Vector)
                continue;
            var group = new List<int> { v };
            var groupDepth = depth[v];
            var passed = new List<int>();
            int? place = null;
            for (var j = at - 1; j >= Math.Max(0, at - Window); j--)
            {
                var other = order[j];
                if (engines[other] == Engine.Control)
                    break;
                if (group.Any(g => footprints[g].Conflicts(footprints[other])))
                {
                    // A load or table load that feeds the group moves with it when nothing passed needs it where it is.
                    if (engines[other] != Engine.Load || passed.Any(p => footprints[p].Conflicts(footprints[other])))
                        break;
                    group.Insert(0, other);
                    groupDepth = Math.Max(groupDepth, depth[other]);
                    continue;
                }
                if (engines[other] == Engine.Vector)
                {
                    // Past a vector instruction that is ready no later than the group, the group gains nothing.
                    if (depth[other] <= groupDepth)
                        break;
                    place = j;
                }
                passed.Add(other);
            }
            // A member carried from above the place moves down to it, past only instructions it was checked against.
            if (place is not { } p)
                continue;
            var members = group.ToHashSet();
            var rest = order.Take(at + 1).Where(i => !members.Contains(i)).ToList();
            var before = order.Take(p).Where(i => !members.Contains(i)).Count();
            rest.InsertRange(before, group);
            for (var k = 0; k < rest.Count; k++)
                order[k] = rest[k];
        }
        return ([.. order.Select(i => program[i])], LayerRanges.AfterReordering(layers, order));
    }

    /// <summary>
    /// Each instruction's latest convolution: the CONV it waits for through what it reads and writes, itself for a
    /// CONV, -1 for none.
    /// </summary>
    private static int[] ConvolutionDepth(IReadOnlyList<MergedFootprint> footprints, Engine[] engines)
    {
        var depth = new int[footprints.Count];
        var lastWriter = new Dictionary<(string, long), int>();
        var readers = new Dictionary<(string, long), List<int>>();
        for (var i = 0; i < footprints.Count; i++)
        {
            var d = -1;
            foreach (var (space, first, end, write) in footprints[i].Runs)
            {
                for (var unit = first; unit < end; unit++)
                {
                    if (lastWriter.TryGetValue((space, unit), out var w))
                        d = Math.Max(d, depth[w]);
                    if (write && readers.TryGetValue((space, unit), out var rs))
                    {
                        foreach (var r in rs)
                            d = Math.Max(d, depth[r]);
                    }
                }
            }
            depth[i] = engines[i] == Engine.Compute ? i : d;
            foreach (var (space, first, end, write) in footprints[i].Runs)
            {
                for (var unit = first; unit < end; unit++)
                {
                    if (write)
                    {
                        lastWriter[(space, unit)] = i;
                        readers.Remove((space, unit));
                    }
                    else
                    {
                        if (!readers.TryGetValue((space, unit), out var rs))
                            readers[(space, unit)] = rs = [];
                        rs.Add(i);
                    }
                }
            }
        }
        return depth;
    }

    private static List<MergedFootprint> Footprints(AcceleratorConfig config, IReadOnlyList<Instruction> program, Engine[] engines)
    {
        var stepGroup = 0;
        var footprints = new List<MergedFootprint>(program.Count);
        for (var i = 0; i < program.Count; i++)
        {
            var instruction = program[i];
            if (instruction is SetStep set)
                stepGroup = set.StepGroup;
            var step = new ScheduledInstruction(i, instruction, engines[i], stepGroup, []);
            footprints.Add(MergedFootprint.Of([.. InstructionFootprint.Of(config, step, DdrSpaces.PerBase), .. VectorState(config.Tn, instruction)]));
        }
        return footprints;
    }

    /// <summary>The GroupNorm state inside the vector unit: each channel's statistics, and what GN_FINISH made of them for GN_APPLY.</summary>
    private static IEnumerable<MemoryAccess> VectorState(int tn, Instruction instruction) => instruction switch
    {
        Add { Statistics: true } a => [new(Statistics, (long)a.StatisticsBase * tn, (long)a.Blocks * tn, true)],
        GroupNormStatistics s => [new(Statistics, (long)s.ChannelBase * tn, (long)s.Blocks * tn, true)],
        GroupNormFinish f => [new(Statistics, f.FirstChannel, f.Channels - f.FirstChannel, false), new(Finished, f.FirstChannel, f.Channels - f.FirstChannel, true)],
        GroupNormApply a => [new(Finished, (long)a.ChannelBase * tn, (long)a.Blocks * tn, false)],
        _ => [],
    };

    /// <summary>An instruction's accesses merged into runs per memory, reads and writes apart.</summary>
    private sealed class MergedFootprint
    {
        private readonly Dictionary<string, (List<(long First, long End)> Reads, List<(long First, long End)> Writes)> spaces = new(StringComparer.Ordinal);

        public IEnumerable<(string Space, long First, long End, bool Write)> Runs
            => spaces.SelectMany(s => s.Value.Reads.Select(r => (s.Key, r.First, r.End, false)).Concat(s.Value.Writes.Select(w => (s.Key, w.First, w.End, true))));

        public static MergedFootprint Of(IEnumerable<MemoryAccess> accesses)
        {
            var footprint = new MergedFootprint();
            foreach (var space in accesses.GroupBy(a => a.Space))
                footprint.spaces[space.Key] = (Merge(space.Where(a => !a.Write)), Merge(space.Where(a => a.Write)));
            return footprint;
        }

        /// <summary>Whether the two touch a unit of one memory and one of them writes it.</summary>
        public bool Conflicts(MergedFootprint other)
        {
            foreach (var (space, (reads, writes)) in spaces)
            {
                if (!other.spaces.TryGetValue(space, out var theirs))
                    continue;
                if (Overlap(writes, theirs.Writes) || Overlap(writes, theirs.Reads) || Overlap(reads, theirs.Writes))
                    return true;
            }
            return false;
        }

        private static List<(long First, long End)> Merge(IEnumerable<MemoryAccess> accesses)
        {
            var runs = new List<(long First, long End)>();
            foreach (var a in accesses.Where(a => a.Count > 0).OrderBy(a => a.First))
            {
                if (runs.Count > 0 && a.First <= runs[^1].End)
                    runs[^1] = (runs[^1].First, Math.Max(runs[^1].End, a.First + a.Count));
                else
                    runs.Add((a.First, a.First + a.Count));
            }
            return runs;
        }

        private static bool Overlap(List<(long First, long End)> a, List<(long First, long End)> b)
        {
            int i = 0, j = 0;
            while (i < a.Count && j < b.Count)
            {
                if (a[i].End <= b[j].First)
                    i++;
                else if (b[j].End <= a[i].First)
                    j++;
                else
                    return true;
            }
            return false;
        }
    }
}
