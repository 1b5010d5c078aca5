using DiffAcc.Hdl;
using DiffAcc.Sim.Icarus;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Fuzz;

/// <summary>The simulators differential fuzzing compares; the IR simulator is the reference the others are held to.</summary>
public enum FuzzSimulator
{
    Ir,
    Verilator,
    Icarus,
}

/// <summary>One output on which a simulator disagreed with the IR simulator.</summary>
public sealed record Disagreement(int Seed, FuzzSimulator Simulator, Mismatch Mismatch)
{
    /// <summary>The mismatch with only this design's inputs (a batch has many designs side by side).</summary>
    public override string ToString()
    {
        var prefix = $"seed{Seed}_";
        var history = Mismatch.History.Select(h => (h.Cycle, (IReadOnlyDictionary<string, ulong>)h.Inputs.Where(i => i.Key.StartsWith(prefix, StringComparison.Ordinal) || !i.Key.StartsWith("seed", StringComparison.Ordinal)).ToDictionary()));
        return $"seed {Seed}, {Simulator} against the IR simulator: {Mismatch with { History = [.. history] }}";
    }
}

/// <summary>The smallest design found for a disagreeing seed: its size, Verilog and first mismatch.</summary>
public sealed record ReducedDesign(int Seed, FuzzSimulator Simulator, int Operations, IReadOnlyList<Hdl.Emit.EmittedFile> Verilog, Mismatch Mismatch);

public sealed record FuzzReport(int Designs, int Batches, long Cycles, IReadOnlyList<FuzzSimulator> Simulators, IReadOnlyList<Disagreement> Disagreements, IReadOnlyList<ReducedDesign> Reduced, IReadOnlyList<string> Errors)
{
    public bool Passed => Disagreements.Count == 0 && Errors.Count == 0;
}

/// <summary>
/// Differential fuzzing: random designs simulated by the IR simulator and by Verilator and/or Icarus
/// Verilog on the same random inputs (resets included) must agree on every output word of every
/// cycle. Designs run in batches inside one top so one build checks many of them; each disagreeing
/// seed is run again alone with fewer operations to find a small design that still disagrees.
/// </summary>
public sealed record DifferentialFuzz
{
    public int FirstSeed { get; init; } = 1;

    public int Designs { get; init; } = 50;

    public int BatchSize { get; init; } = 50;

    public int Operations { get; init; } = 24;

    public long CyclesPerBatch { get; init; } = 2000;

    /// <summary>The simulators held to the IR simulator.</summary>
    public IReadOnlyList<FuzzSimulator> Simulators { get; init; } = [FuzzSimulator.Verilator];

    /// <summary>The widest value a random design may make (over 64 runs the IR simulator on big integers).</summary>
    public int MaxWidth { get; init; } = 64;

    /// <summary>Whether half of the designs clock on the falling edge.</summary>
    public bool FallingEdges { get; init; }

    /// <summary>Disagreeing seeds reduced (each reduction runs a few more builds).</summary>
    public int MaxReductions { get; init; } = 5;

    public static DifferentialFuzz Create() => new();

    public DifferentialFuzz WithSeed(int seed) => this with { FirstSeed = seed };

    public DifferentialFuzz WithDesigns(int count) => this with { Designs = count };

    public DifferentialFuzz WithBatchSize(int size) => this with { BatchSize = Math.Max(1, size) };

    public DifferentialFuzz WithCycles(long cycles) => this with { CyclesPerBatch = cycles };

    public DifferentialFuzz WithMaxWidth(int width) => this with { MaxWidth = Math.Max(8, width) };

    public DifferentialFuzz WithFallingEdges(bool on = true) => this with { FallingEdges = on };

    /// <summary>The simulators to compare with the IR simulator (<see cref="FuzzSimulator.Ir"/> in the list is the reference itself and adds nothing).</summary>
    public DifferentialFuzz WithSimulators(params FuzzSimulator[] simulators) => this with { Simulators = [.. simulators.Where(s => s != FuzzSimulator.Ir).Distinct()] };

    public async Task<FuzzReport> RunAsync(IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        var disagreements = new List<Disagreement>();
        var errors = new List<string>();
        long cycles = 0;
        var batches = 0;
        for (var first = FirstSeed; first < FirstSeed + Designs; first += BatchSize)
        {
            var count = Math.Min(BatchSize, FirstSeed + Designs - first);
            batches++;
            foreach (var simulator in Simulators)
            {
                try
                {
                    var result = await RunBatchAsync(first, count, simulator, cancellation);
                    cycles += result.Cycles;
                    foreach (var mismatch in result.Mismatches)
                        disagreements.Add(new Disagreement(SeedOf(mismatch.Signal), simulator, mismatch));
                }
                catch (Exception e) when (e is SimulationException or HdlException or Hdl.Checks.DesignErrorsException or NotSupportedException)
                {
                    errors.Add($"seeds {first}..{first + count - 1} under {simulator}: {e.Message}");
                }
            }
            progress?.Report(first + count - FirstSeed);
        }
        var reduced = new List<ReducedDesign>();
        foreach (var (seed, simulator) in disagreements.Select(d => (d.Seed, d.Simulator)).Distinct().Take(MaxReductions))
        {
            if (await ReduceAsync(seed, simulator, size => RunBatchAsync(seed, 1, simulator, cancellation, size)) is { } smallest)
                reduced.Add(smallest);
        }
        return new FuzzReport(Designs, batches, cycles, Simulators, disagreements, reduced, errors);
    }

    /// <summary>Builds one batch and runs it under <paramref name="simulator"/> against the IR simulator.</summary>
    public async Task<CosimResult> RunBatchAsync(int firstSeed, int count, FuzzSimulator simulator = FuzzSimulator.Verilator, CancellationToken cancellation = default, int? operations = null)
    {
        var cycles = CyclesPerBatch;
        var design = HdlFlow.For(() => new FuzzBatch(firstSeed, count, operations ?? Operations, MaxWidth, FallingEdges)).Run().ThrowIfFailed();
        var stimulus = new RandomStimulus(design.Design, firstSeed);
        var model = new IrSimulator(design.Design);
        if (simulator == FuzzSimulator.Icarus)
            return await IcarusSimulation.Of(design).WithStimulus(stimulus).WithModel(model).WithCycles(cycles).WithMaxMismatches(20).RunAsync(cancellation);
        var verilator = await VerilatorBuild.For(design).BuildAsync(cancellation);
        return await Cosimulation.Of(verilator).WithStimulus(stimulus).WithModel(model).WithCycles(cycles).WithMaxMismatches(20).RunAsync(cancellation);
    }

    /// <summary>
    /// The seed's design alone with 1, 2, 4, ... operations: the first size that still disagrees,
    /// or the full size; <c>null</c> when the seed agrees alone (the disagreement needed its batch).
    /// </summary>
    /// <summary>
    /// The seed's design alone with 1, 2, 4, ... operations, run by <paramref name="runAtSize"/>: the
    /// first size that still disagrees, or the full size; <c>null</c> when the seed agrees alone (the
    /// disagreement needed its batch).
    /// </summary>
    public async Task<ReducedDesign?> ReduceAsync(int seed, FuzzSimulator simulator, Func<int, Task<CosimResult>> runAtSize)
    {
        for (var size = 1; ; size = Math.Min(Operations, size * 2))
        {
            var result = await runAtSize(size);
            if (!result.Passed)
            {
                var verilog = HdlFlow.For(() => new FuzzBatch(seed, 1, size, MaxWidth, FallingEdges)).Run().ThrowIfFailed().Verilog;
                return new ReducedDesign(seed, simulator, size, verilog, result.Mismatches[0]);
            }
            if (size == Operations)
                return null;
        }
    }

    private static int SeedOf(string signal)
        => int.Parse(signal["seed".Length..signal.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
}
