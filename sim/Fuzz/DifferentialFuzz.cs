using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Fuzz;

/// <summary>One output on which the IR simulator and Verilator disagreed.</summary>
public sealed record Disagreement(int Seed, Mismatch Mismatch)
{
    /// <summary>The mismatch with only this design's inputs (a batch has many designs side by side).</summary>
    public override string ToString()
    {
        var prefix = $"seed{Seed}_";
        var history = Mismatch.History.Select(h => (h.Cycle, (IReadOnlyDictionary<string, ulong>)h.Inputs.Where(i => i.Key.StartsWith(prefix, StringComparison.Ordinal) || !i.Key.StartsWith("seed", StringComparison.Ordinal)).ToDictionary()));
        return $"seed {Seed}: {Mismatch with { History = [.. history] }}";
    }
}

public sealed record FuzzReport(int Designs, int Batches, long Cycles, IReadOnlyList<Disagreement> Disagreements, IReadOnlyList<string> Errors)
{
    public bool Passed => Disagreements.Count == 0 && Errors.Count == 0;
}

/// <summary>
/// Differential fuzzing: random designs simulated by the IR simulator and by Verilator on the
/// same random inputs (resets included) must agree on every output word of every cycle. Designs
/// run in batches inside one top so one Verilator build checks many of them.
/// </summary>
public sealed record DifferentialFuzz
{
    public int FirstSeed { get; init; } = 1;

    public int Designs { get; init; } = 50;

    public int BatchSize { get; init; } = 50;

    public int Operations { get; init; } = 24;

    public long CyclesPerBatch { get; init; } = 2000;

    public static DifferentialFuzz Create() => new();

    public DifferentialFuzz WithSeed(int seed) => this with { FirstSeed = seed };

    public DifferentialFuzz WithDesigns(int count) => this with { Designs = count };

    public DifferentialFuzz WithBatchSize(int size) => this with { BatchSize = Math.Max(1, size) };

    public DifferentialFuzz WithCycles(long cycles) => this with { CyclesPerBatch = cycles };

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
            try
            {
                var result = await RunBatchAsync(first, count, Operations, CyclesPerBatch, cancellation);
                cycles += result.Cycles;
                foreach (var mismatch in result.Mismatches)
                    disagreements.Add(new Disagreement(SeedOf(mismatch.Signal), mismatch));
            }
            catch (Exception e) when (e is SimulationException or HdlException or Hdl.Checks.DesignErrorsException or NotSupportedException)
            {
                errors.Add($"seeds {first}..{first + count - 1}: {e.Message}");
            }
            progress?.Report(first + count - FirstSeed);
        }
        return new FuzzReport(Designs, batches, cycles, disagreements, errors);
    }

    /// <summary>Builds one batch and co-simulates it against the IR simulator.</summary>
    public static async Task<CosimResult> RunBatchAsync(int firstSeed, int count, int operations, long cycles, CancellationToken cancellation = default)
    {
        var design = HdlFlow.For(() => new FuzzBatch(firstSeed, count, operations)).Run().ThrowIfFailed();
        var model = await VerilatorBuild.For(design).BuildAsync(cancellation);
        return await Cosimulation.Of(model)
            .WithStimulus(new RandomStimulus(design.Design, firstSeed))
            .WithModel(new IrSimulator(design.Design))
            .WithCycles(cycles)
            .WithMaxMismatches(20)
            .RunAsync(cancellation);
    }

    private static int SeedOf(string signal)
        => int.Parse(signal["seed".Length..signal.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
}
