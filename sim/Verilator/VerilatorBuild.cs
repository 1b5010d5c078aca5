using System.Security.Cryptography;
using System.Text;
using CliWrap;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Emit;

namespace DiffAcc.Sim.Verilator;

/// <summary>
/// Builds a design into a Verilator simulation binary with the streaming harness, through
/// <c>verilator --cc --exe --build</c>. Models are cached by a hash of the Verilog, the harness,
/// the flags and the Verilator version, so an unchanged design is reused across tests and runs;
/// builds happen in a private folder that is renamed into place, so parallel builds are safe.
/// <code>var model = await VerilatorBuild.For(result).WithTrace().BuildAsync();</code>
/// </summary>
public sealed partial record VerilatorBuild
{
    /// <summary>Cycles per stream block: the unit in which records cross the pipe.</summary>
    public const int BlockCycles = 1024;

    private VerilatorBuild(HdlResult design) => Design = design;

    public HdlResult Design { get; }

    public bool Trace { get; init; }

    /// <summary>The C++ main program; the streaming co-simulation harness unless another is chosen.</summary>
    public VerilatorHarness Harness { get; init; } = StreamingHarness.Instance;

    public string CacheDirectory { get; init; } = DefaultCacheDirectory;

    public int Jobs { get; init; } = Environment.ProcessorCount;

    /// <summary>The verilator executable: a name on PATH or a path.</summary>
    public string Executable { get; init; } = "verilator";

    /// <summary><c>DIFFACC_SIM_CACHE</c> if set, else <c>~/.cache/diffacc/verilator</c>.</summary>
    public static string DefaultCacheDirectory =>
        Environment.GetEnvironmentVariable("DIFFACC_SIM_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "diffacc", "verilator");

    public static VerilatorBuild For(HdlResult design) => new(design.ThrowIfFailed());

    public VerilatorBuild WithTrace(bool trace = true) => this with { Trace = trace };

    public VerilatorBuild WithHarness(VerilatorHarness harness) => this with { Harness = harness };

    public VerilatorBuild WithCacheDirectory(string directory) => this with { CacheDirectory = directory };

    public VerilatorBuild WithJobs(int jobs) => this with { Jobs = Math.Max(1, jobs) };

    public VerilatorBuild WithExecutable(string verilator) => this with { Executable = verilator };

    /// <summary>Where the build is: "verilating", then each C++ file as the compiler starts it, for a status line that moves during a build of minutes.</summary>
    public IProgress<string>? Progress { get; init; }

    public VerilatorBuild WithProgress(IProgress<string> progress) => this with { Progress = progress };

    /// <summary>A compiler command line of the generated makefile: the C++ file it compiles.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^\S*(?:g\+\+|clang\+\+|ccache)\s.*\s-c\s.*?(\S+\.cpp)\b")]
    private static partial System.Text.RegularExpressions.Regex CompilerStart();

    public async Task<VerilatorModel> BuildAsync(CancellationToken cancellation = default)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var version = await VerilatorTool.VersionAsync(Executable);
        var layout = new PortLayout(Design.Design);
        var top = Design.Design.Top.Name;
        var harness = Harness.Render(Design.Design, Trace);
        string[] flags = ["--cc", "--exe", "--build", "-Wno-fatal", "--top-module", top, "-Mdir", "obj", "-o", "sim", .. Trace ? ["--trace"] : Array.Empty<string>()];
        var sources = Design.Verilog.Where(f => f.Name.EndsWith(".v", StringComparison.Ordinal)).ToList();
        var native = Harness.Sources(Design.Design);
        // Memory init files: $readmemh opens them from the folder the binary runs in, the model's.
        var memoryFiles = Design.Verilog.Where(f => f.Name.EndsWith(".mem", StringComparison.Ordinal)).ToList();
        native = [.. native, .. memoryFiles];

        var key = Hash(version, string.Join(' ', flags), harness + string.Concat(native.Select(f => $"\n// {f.Name}\n{f.Text}")), sources);
        var directory = Path.Combine(CacheDirectory, key);
        var executable = Path.Combine(directory, "obj", "sim");
        if (File.Exists(Path.Combine(directory, "complete")))
            return new VerilatorModel(executable, layout, directory, fromCache: true, watch.Elapsed);

        Directory.CreateDirectory(CacheDirectory);
        var work = Path.Combine(CacheDirectory, $"build-{key}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        foreach (var file in sources)
            await File.WriteAllTextAsync(Path.Combine(work, file.Name), file.Text, cancellation);
        await File.WriteAllTextAsync(Path.Combine(work, "harness.cpp"), harness, cancellation);
        foreach (var file in native)
            await File.WriteAllTextAsync(Path.Combine(work, file.Name), file.Text, cancellation);

        Progress?.Report("verilating");
        var output = new System.Text.StringBuilder();
        void Observe(string line)
        {
            lock (output)
                output.AppendLine(line);
            if (Progress is not null && CompilerStart().Match(line) is { Success: true } compiling)
                Progress.Report($"compiling {Path.GetFileName(compiling.Groups[1].Value)}");
        }
        var result = await Cli.Wrap(Executable)
            .WithArguments([.. flags, "-j", Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture), "harness.cpp", .. native.Where(f => f.Name.EndsWith(".c", StringComparison.Ordinal) || f.Name.EndsWith(".cpp", StringComparison.Ordinal)).Select(f => f.Name), .. sources.Select(f => f.Name)])
            .WithWorkingDirectory(work)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Observe))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Observe))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(cancellation);
        // A Ctrl-C reaches the compiler too; its failure then is the interrupt, not a build error.
        cancellation.ThrowIfCancellationRequested();
        if (result.ExitCode != 0 || !File.Exists(Path.Combine(work, "obj", "sim")))
        {
            var errors = output.ToString().Split('\n')
                .Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.StartsWith("%Error", StringComparison.Ordinal))
                .Take(30);
            throw new SimulationException($"the Verilator build of {top} failed (exit code {result.ExitCode}); the build folder is kept at {work}:\n{string.Join("\n", errors)}");
        }
        await File.WriteAllTextAsync(Path.Combine(work, "complete"), version, cancellation);
        try
        {
            Directory.Move(work, directory);
        }
        catch (IOException) when (File.Exists(Path.Combine(directory, "complete")))
        {
            // Another test or run built the same model meanwhile; theirs is as good as ours.
            Directory.Delete(work, recursive: true);
        }
        return new VerilatorModel(executable, layout, directory, fromCache: false, watch.Elapsed);
    }

    /// <summary>32-bit lanes per input record in the stream; a design without inputs still sends one lane per cycle.</summary>
    public static int RecordInputWords(PortLayout layout) => Math.Max(1, layout.InputLanes);

    /// <summary>32-bit lanes per output record in the stream (at least one).</summary>
    public static int RecordOutputLanes(PortLayout layout) => Math.Max(1, layout.OutputLanes);

    private static string Hash(string version, string flags, string harness, IEnumerable<EmittedFile> sources)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in new[] { version, flags, harness }.Concat(sources.SelectMany(f => new[] { f.Name, f.Text })))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(part));
            sha.AppendData([0]);
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..20].ToLowerInvariant();
    }
}

/// <summary>A built simulation binary and the record layout it streams.</summary>
public sealed class VerilatorModel(string executable, PortLayout layout, string directory, bool fromCache, TimeSpan buildTime)
{
    public string Executable { get; } = executable;

    public PortLayout Layout { get; } = layout;

    public string Directory { get; } = directory;

    /// <summary>True when an earlier build was reused.</summary>
    public bool FromCache { get; } = fromCache;

    /// <summary>How long <see cref="VerilatorBuild.BuildAsync"/> took, cache lookup included.</summary>
    public TimeSpan BuildTime { get; } = buildTime;
}
