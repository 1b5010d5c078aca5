using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim;

/// <summary>One output word that differed, with the inputs of the cycles that led there.</summary>
public sealed record Mismatch(long Cycle, string Signal, ulong Expected, ulong Actual, IReadOnlyList<(long Cycle, IReadOnlyDictionary<string, ulong> Inputs)> History)
{
    public override string ToString()
    {
        var inputs = string.Join("; ", History.Select(h => $"cycle {h.Cycle}: {string.Join(", ", h.Inputs.Select(i => $"{i.Key}=0x{i.Value:x}"))}"));
        return $"cycle {Cycle}: {Signal} expected 0x{Expected:x}, got 0x{Actual:x} (inputs {inputs})";
    }
}

public sealed record CosimResult(long Cycles, long ComparedWords, long MismatchCount, IReadOnlyList<Mismatch> Mismatches, TimeSpan Elapsed)
{
    public bool Passed => MismatchCount == 0;

    public double CyclesPerSecond => Cycles / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// Runs a Verilator model on a stimulus and compares every output word of every cycle (or of the
/// declared sample points) with a C# model. Records move through the process's pipes in blocks
/// of <see cref="VerilatorBuild.BlockCycles"/> cycles, the model runs while Verilator does, and
/// memory stays bounded however long the run.
/// <code>var result = await Cosimulation.Of(model).WithStimulus(s).WithModel(golden).WithCycles(1_000_000).RunAsync();</code>
/// </summary>
public sealed record Cosimulation
{
    private Cosimulation(VerilatorModel verilator) => Verilator = verilator;

    public VerilatorModel Verilator { get; }

    public IStimulus? Stimulus { get; init; }

    public ICycleModel? Model { get; init; }

    /// <summary>Sees the actual outputs of every cycle (with or without a model to compare against).</summary>
    public ICycleObserver? Observer { get; init; }

    public long Cycles { get; init; } = 1000;

    /// <summary>Cycles whose outputs are compared; <c>null</c> compares every cycle.</summary>
    public Func<long, bool>? SamplePoints { get; init; }

    /// <summary>Output ports left out of the comparison (for example ones the model does not define).</summary>
    public IReadOnlySet<string> Ignored { get; init; } = new HashSet<string>();

    public string? VcdPath { get; init; }

    public int MaxMismatches { get; init; } = 10;

    /// <summary>Cycles of inputs reported before each mismatch.</summary>
    public int History { get; init; } = 3;

    /// <summary>A run that takes longer is stopped and reported.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    public static Cosimulation Of(VerilatorModel verilator) => new(verilator);

    public Cosimulation WithStimulus(IStimulus stimulus) => this with { Stimulus = stimulus };

    public Cosimulation WithModel(ICycleModel model) => this with { Model = model };

    public Cosimulation WithObserver(ICycleObserver observer) => this with { Observer = observer };

    public Cosimulation WithCycles(long cycles) => this with { Cycles = cycles };

    public Cosimulation WithSamplePoints(Func<long, bool> samplePoints) => this with { SamplePoints = samplePoints };

    public Cosimulation WithIgnored(params string[] outputs) => this with { Ignored = outputs.ToHashSet(StringComparer.Ordinal) };

    public Cosimulation WithTrace(string vcdPath) => this with { VcdPath = vcdPath };

    public Cosimulation WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };

    public Cosimulation WithMaxMismatches(int count) => this with { MaxMismatches = count };

    public async Task<CosimResult> RunAsync(CancellationToken cancellation = default)
    {
        var layout = Verilator.Layout;
        var inWords = Math.Max(1, layout.InputWords);
        var outWords = Math.Max(1, layout.OutputWords);
        var inLanes = VerilatorBuild.RecordInputWords(layout);
        var outLanes = VerilatorBuild.RecordOutputLanes(layout);
        var blocks = Channel.CreateBounded<ulong[]>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        var mismatches = new List<Mismatch>();
        long mismatchCount = 0, compared = 0, done = 0;
        var compare = layout.Outputs.Where(p => !Ignored.Contains(p.Name)).ToArray();
        var compareAll = compare.Length == layout.Outputs.Count;
        var comparedPerCycle = compare.Sum(p => p.Words);

        var source = PipeSource.Create(async (stream, ct) =>
        {
            var packed = new uint[VerilatorBuild.BlockCycles * inLanes];
            var bytes = new byte[packed.Length * 4];
            for (long start = 0; start < Cycles; start += VerilatorBuild.BlockCycles)
            {
                var count = (int)Math.Min(VerilatorBuild.BlockCycles, Cycles - start);
                var block = new ulong[count * inWords];
                for (var i = 0; i < count; i++)
                {
                    Stimulus?.Fill(start + i, block.AsSpan(i * inWords, inWords));
                    PortLayout.Pack(layout.Inputs, block.AsSpan(i * inWords, inWords), packed.AsSpan(i * inLanes, inLanes));
                }
                await blocks.Writer.WriteAsync(block, ct);
                MemoryMarshal.AsBytes(packed.AsSpan(0, count * inLanes)).CopyTo(bytes);
                await stream.WriteAsync(bytes.AsMemory(0, count * inLanes * 4), ct);
            }
            blocks.Writer.Complete();
        });

        var target = PipeTarget.Create(async (stream, ct) =>
        {
            var expected = new ulong[outWords];
            var buffer = new byte[VerilatorBuild.BlockCycles * outLanes * 4];
            var unpacked = new ulong[VerilatorBuild.BlockCycles * outWords];
            ulong[]? previous = null;

            // The inputs of the cycles up to cycle i of this block, reaching into the block before.
            List<(long, IReadOnlyDictionary<string, ulong>)> Before(ulong[]? earlier, ulong[] current, int i)
            {
                var list = new List<(long, IReadOnlyDictionary<string, ulong>)>();
                for (var k = i - History + 1; k <= i; k++)
                {
                    var (source, index) = k >= 0 ? (current, k) : (earlier, k + VerilatorBuild.BlockCycles);
                    if (source is not null && index >= 0)
                        list.Add((done - i + k, Describe(layout, source.AsSpan(index * inWords, inWords))));
                }
                return list;
            }
            await foreach (var block in blocks.Reader.ReadAllAsync(ct))
            {
                var count = block.Length / inWords;
                await stream.ReadExactlyAsync(buffer.AsMemory(0, count * outLanes * 4), ct);
                var lanes = MemoryMarshal.Cast<byte, uint>(buffer.AsSpan(0, count * outLanes * 4));
                for (var i = 0; i < count; i++)
                    PortLayout.Unpack(layout.Outputs, lanes.Slice(i * outLanes, outLanes), unpacked.AsSpan(i * outWords, outWords));
                var actual = unpacked.AsSpan(0, count * outWords);
                for (var i = 0; i < count; i++, done++)
                {
                    Observer?.Observe(done, block.AsSpan(i * inWords, inWords), actual.Slice(i * outWords, outWords));
                    if (Model is null)
                        continue;
                    Model.Step(block.AsSpan(i * inWords, inWords), expected);
                    if (SamplePoints is not null && !SamplePoints(done))
                        continue;
                    var got = actual.Slice(i * outWords, outWords);
                    compared += comparedPerCycle;
                    if (compareAll && got.SequenceEqual(expected.AsSpan(0, got.Length)))
                        continue;
                    foreach (var port in compare)
                    {
                        for (var w = 0; w < port.Words; w++)
                        {
                            if (got[port.Offset + w] == expected[port.Offset + w])
                                continue;
                            if (++mismatchCount <= MaxMismatches)
                                mismatches.Add(new Mismatch(done, port.Words == 1 ? port.Name : $"{port.Name}[word {w}]", expected[port.Offset + w], got[port.Offset + w], Before(previous, block, i)));
                        }
                    }
                }
                previous = block;
            }
        });

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(Timeout);
        var stderr = new System.Text.StringBuilder();
        var watch = Stopwatch.StartNew();
        try
        {
            var result = await Cli.Wrap(Verilator.Executable)
                .WithArguments(VcdPath is null ? [] : ["--vcd", Path.GetFullPath(VcdPath)])
                .WithWorkingDirectory(Verilator.Directory)
                .WithStandardInputPipe(source)
                .WithStandardOutputPipe(target)
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(timeout.Token);
            if (result.ExitCode != 0)
                throw new SimulationException($"the simulation binary {Verilator.Executable} exited with code {result.ExitCode} after {done} cycles: {stderr.ToString().Trim()}");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new SimulationException($"the simulation did not finish within {Timeout.TotalSeconds:0} s and was stopped at cycle {done} of {Cycles}");
        }
        watch.Stop();
        return new CosimResult(done, compared, mismatchCount, mismatches, watch.Elapsed);
    }

    /// <summary>Runs the bare C++ loop of the same binary (random inputs, no I/O) and returns its cycles per second.</summary>
    public static async Task<double> BareLoopCyclesPerSecondAsync(VerilatorModel verilator, long cycles, CancellationToken cancellation = default)
    {
        var result = await Cli.Wrap(verilator.Executable).WithArguments(["--bare", cycles.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WithWorkingDirectory(verilator.Directory).ExecuteBufferedAsync(cancellation);
        var parts = result.StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return cycles / double.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, ulong> Describe(PortLayout layout, ReadOnlySpan<ulong> record)
    {
        var values = new Dictionary<string, ulong>();
        foreach (var p in layout.Inputs.Where(p => p.Words == 1))
            values[p.Name] = record[p.Offset];
        return values;
    }
}
