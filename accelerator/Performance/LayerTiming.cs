using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Accelerator.Performance;

/// <summary>What bounds a layer: the engine busiest in its window, or nothing busy most of it (waits on tokens and DDR latency).</summary>
public enum LayerBound
{
    Compute,
    Dma,
    Vector,
    Dependency,
}

/// <summary>One compiled layer in a cycle estimate: its window (from the layers before it done to itself done), its engines' busy cycles, its DDR bytes.</summary>
public sealed record LayerTiming(string Name, string Operation, long Macs, double Cycles, double PeCycles, double DmaCycles, double VectorCycles, long DdrBytes, LayerBound Bound)
{
    /// <summary>A layer is bound by its busiest engine when that engine is busy at least this share of the window.</summary>
    public const double BoundShare = 0.5;

    /// <summary>MACs done against what the PE array could do in the window (all groups).</summary>
    public double PeUtilisation(int macsPerCycle) => Cycles <= 0 ? 0 : Macs / (Cycles * macsPerCycle);

    public static IReadOnlyList<LayerTiming> Of(CompiledUNet compiled, CycleEstimate estimate)
    {
        var layers = new List<LayerTiming>();
        double previous = 0;
        foreach (var layer in compiled.Layers)
        {
            // Layers overlap: a layer's window runs from the cycle the layers before it are all done to the
            // cycle its own last instruction is (its dispatch runs far ahead of its work).
            var end = Math.Max(previous, estimate.Instructions.Where(t => t.Index >= layer.FirstInstruction && t.Index < layer.FirstInstruction + layer.InstructionCount).Select(t => t.Done).DefaultIfEmpty(previous).Max());
            var busy = estimate.Busy(layer.FirstInstruction, layer.InstructionCount);
            var dma = new[] { busy[Engine.Load], busy[Engine.Weight], busy[Engine.Store] }.Max();
            var cycles = end - previous;
            var bound = BoundOf(cycles, busy[Engine.Compute], dma, busy[Engine.Vector]);
            var traffic = ProgramTraffic.Of(compiled.Config, compiled.Program.Instructions.Skip(layer.FirstInstruction).Take(layer.InstructionCount));
            layers.Add(new LayerTiming(layer.Name, layer.Operation, layer.Macs, cycles, busy[Engine.Compute], dma, busy[Engine.Vector], traffic.Total, bound));
            previous = end;
        }
        // A layer lowered once per sample (the samples take turns on all groups) is one row: its windows summed.
        return [.. layers.GroupBy(l => l.Name, StringComparer.Ordinal).Select(g => g.Count() == 1 ? g.First() : Merged(g.ToList()))];
    }

    private static LayerTiming Merged(IReadOnlyList<LayerTiming> turns)
    {
        var (cycles, pe, dma, vector) = (turns.Sum(t => t.Cycles), turns.Sum(t => t.PeCycles), turns.Sum(t => t.DmaCycles), turns.Sum(t => t.VectorCycles));
        return turns[0] with
        {
            Macs = turns.Sum(t => t.Macs),
            Cycles = cycles,
            PeCycles = pe,
            DmaCycles = dma,
            VectorCycles = vector,
            DdrBytes = turns.Sum(t => t.DdrBytes),
            Bound = BoundOf(cycles, pe, dma, vector),
        };
    }

    private static LayerBound BoundOf(double cycles, double pe, double dma, double vector)
    {
        var top = new (LayerBound Bound, double Busy)[] { (LayerBound.Compute, pe), (LayerBound.Dma, dma), (LayerBound.Vector, vector) }.MaxBy(s => s.Busy);
        return top.Busy >= BoundShare * cycles ? top.Bound : LayerBound.Dependency;
    }
}
