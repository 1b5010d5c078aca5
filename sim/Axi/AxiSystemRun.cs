using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Axi;

/// <summary>What happened to one script operation: the value read (or the cycles waited) and the cycle it finished.</summary>
public sealed record HostEvent(
    [property: JsonPropertyName("op")] string Operation,
    [property: JsonPropertyName("address")] ulong Address,
    [property: JsonPropertyName("value")] ulong Value,
    [property: JsonPropertyName("cycle")] long Cycle,
    [property: JsonPropertyName("timeout")] bool Timeout)
{
    /// <summary>Up to this event, the cycle the last write beat with a byte strobe that was taken was first offered (WVALID rose); -1 before any.</summary>
    [JsonPropertyName("last_write")]
    public long LastWrite { get; init; } = -1;

    /// <summary>The last cycle, up to this event, in which a new read or write address appeared on any port; -1 before any.</summary>
    [JsonPropertyName("last_request")]
    public long LastRequest { get; init; } = -1;

    /// <summary>The last cycle, up to this event, in which a read beat or a write response was handed over; -1 before any.</summary>
    [JsonPropertyName("last_response")]
    public long LastResponse { get; init; } = -1;
}

/// <summary>Traffic on one AXI4 master port.</summary>
public sealed record AxiPortCounts(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("read_bursts")] long ReadBursts,
    [property: JsonPropertyName("read_beats")] long ReadBeats,
    [property: JsonPropertyName("write_bursts")] long WriteBursts,
    [property: JsonPropertyName("write_beats")] long WriteBeats,
    [property: JsonPropertyName("bytes_written")] long BytesWritten,
    [property: JsonPropertyName("max_reads_outstanding")] int MaxReadsOutstanding);

/// <summary>The harness's report of one run, and the DDR image after it.</summary>
public sealed record AxiSystemResult(
    [property: JsonPropertyName("stop")] string Stop,
    [property: JsonPropertyName("cycles")] long Cycles,
    [property: JsonPropertyName("events")] IReadOnlyList<HostEvent> Events,
    [property: JsonPropertyName("ports")] IReadOnlyList<AxiPortCounts> Ports,
    [property: JsonPropertyName("violations")] IReadOnlyList<string> Violations)
{
    /// <summary>The cycle the first error response (an injected SLVERR) was handed over; -1 if none was.</summary>
    [JsonPropertyName("first_error_cycle")]
    public long FirstErrorCycle { get; init; } = -1;

    /// <summary>The address of the burst the first error response answered.</summary>
    [JsonPropertyName("first_error_address")]
    public ulong FirstErrorAddress { get; init; }


    /// <summary>The exit code of a host program built into the harness (0 without one).</summary>
    [JsonPropertyName("host_exit")]
    public int HostExit { get; init; }

    /// <summary>What the host program wrote to its standard error.</summary>
    [JsonIgnore]
    public string HostLog { get; init; } = "";

    [JsonIgnore]
    public byte[] Ddr { get; init; } = [];

    [JsonIgnore]
    public TimeSpan Elapsed { get; init; }

    /// <summary>The script (or the host program) ran to its end without an AXI violation.</summary>
    [JsonIgnore]
    public bool Completed => Stop is "script" or "host" && Violations.Count == 0;

    public double CyclesPerSecond => Cycles / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// Runs a model built with <see cref="AxiSystemHarness"/> on a DDR image and a host script, with
/// the DDR's read latency and back-pressure drawn from a seed.
/// <code>var result = await AxiSystemRun.Of(model).WithDdr(0x1000_0000, image).WithScript(script).WithSeed(3).RunAsync();</code>
/// </summary>
public sealed record AxiSystemRun
{
    private AxiSystemRun(VerilatorModel model) => Model = model;

    public VerilatorModel Model { get; }

    public long DdrAddress { get; init; }

    public byte[] Ddr { get; init; } = [];

    public AxiHostScript Script { get; init; } = AxiHostScript.Empty;

    /// <summary>Arguments of the host program built into the model (<see cref="AxiSystemHarness.HostProgram"/>); it then runs instead of the script.</summary>
    public IReadOnlyList<string>? HostArguments { get; init; }

    public ulong Seed { get; init; } = 1;

    /// <summary>Cycles from a read address to its first data beat, drawn per burst (DDR behind an interconnect).</summary>
    public (int Min, int Max) Latency { get; init; } = (100, 200);

    /// <summary>Probability that the DDR's AXI ready signals are high in a cycle.</summary>
    public double Ready { get; init; } = 0.7;

    /// <summary>Probability that a read data beat that could come waits a cycle.</summary>
    public double Gap { get; init; } = 0.2;

    public int Outstanding { get; init; } = 8;

    /// <summary>The read burst (counted over all ports from 1) whose beats answer SLVERR; 0 for none.</summary>
    public long ReadError { get; init; }

    /// <summary>The write burst (counted over all ports from 1) whose response is SLVERR; 0 for none.</summary>
    public long WriteError { get; init; }

    public long MaxCycles { get; init; } = 50_000_000;

    public string? VcdPath { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    public static AxiSystemRun Of(VerilatorModel model) => new(model);

    public AxiSystemRun WithDdr(long address, byte[] bytes) => this with { DdrAddress = address, Ddr = bytes };

    public AxiSystemRun WithScript(AxiHostScript script) => this with { Script = script };

    public AxiSystemRun WithHostProgram(params string[] arguments) => this with { HostArguments = arguments };

    public AxiSystemRun WithSeed(ulong seed) => this with { Seed = seed };

    public AxiSystemRun WithLatency(int min, int max) => this with { Latency = (min, max) };

    public AxiSystemRun WithBackPressure(double ready, double gap) => this with { Ready = ready, Gap = gap };

    public AxiSystemRun WithOutstanding(int bursts) => this with { Outstanding = bursts };

    /// <summary>The <paramref name="burst"/>th read burst (from 1, over all ports) answers SLVERR on every beat.</summary>
    public AxiSystemRun WithReadError(long burst) => this with { ReadError = burst };

    /// <summary>The <paramref name="burst"/>th write burst (from 1, over all ports) gets an SLVERR response.</summary>
    public AxiSystemRun WithWriteError(long burst) => this with { WriteError = burst };

    public AxiSystemRun WithMaxCycles(long cycles) => this with { MaxCycles = cycles };

    public AxiSystemRun WithTrace(string vcdPath) => this with { VcdPath = vcdPath };

    public AxiSystemRun WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };

    public async Task<AxiSystemResult> RunAsync(CancellationToken cancellation = default)
    {
        var directory = Directory.CreateTempSubdirectory("diffacc-axi-").FullName;
        try
        {
            var ddr = Path.Combine(directory, "ddr.bin");
            var ddrOut = Path.Combine(directory, "ddr-out.bin");
            var script = Path.Combine(directory, "script.bin");
            await File.WriteAllBytesAsync(ddr, Ddr, cancellation);
            await File.WriteAllBytesAsync(script, Script.Encode(), cancellation);
            string I(long v) => v.ToString(CultureInfo.InvariantCulture);
            string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
            string[] arguments =
            [
                "--ddr", ddr, "--ddr-out", ddrOut, "--ddr-base", I(DdrAddress), .. HostArguments is null ? ["--script", script] : Array.Empty<string>(), "--seed", Seed.ToString(CultureInfo.InvariantCulture),
                "--latency", I(Latency.Min), I(Latency.Max), "--ready", D(Ready), "--gap", D(Gap), "--outstanding", I(Outstanding), "--max-cycles", I(MaxCycles),
                .. VcdPath is null ? Array.Empty<string>() : ["--vcd", Path.GetFullPath(VcdPath)],
                .. ReadError == 0 ? Array.Empty<string>() : ["--error-read", I(ReadError)],
                .. WriteError == 0 ? Array.Empty<string>() : ["--error-write", I(WriteError)],
                .. HostArguments is null ? Array.Empty<string>() : ["--", .. HostArguments],
            ];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(Timeout);
            var watch = Stopwatch.StartNew();
            BufferedCommandResult run;
            try
            {
                run = await Cli.Wrap(Model.Executable).WithArguments(arguments).WithWorkingDirectory(Model.Directory).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new SimulationException($"the AXI system simulation did not finish within {Timeout.TotalSeconds:0} s");
            }
            watch.Stop();
            cancellation.ThrowIfCancellationRequested();
            if (run.ExitCode != 0)
                throw new SimulationException($"the simulation binary {Model.Executable} exited with code {run.ExitCode}: {run.StandardError.Trim()}");
            var result = JsonSerializer.Deserialize<AxiSystemResult>(run.StandardOutput)
                ?? throw new SimulationException($"the simulation binary printed no result: {run.StandardOutput.Trim()}");
            return result with { Ddr = await File.ReadAllBytesAsync(ddrOut, cancellation), Elapsed = watch.Elapsed, HostLog = HostArguments is null ? "" : run.StandardError };
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
