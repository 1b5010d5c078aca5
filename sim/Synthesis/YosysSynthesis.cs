using System.Globalization;
using System.Text.RegularExpressions;
using CliWrap;
using DiffAcc.Hdl;

namespace DiffAcc.Sim.Synthesis;

/// <summary>FPGA resources in a set of Yosys cells: LUTs, LUT RAM cells, flip-flops, DSP48E2 and block RAM.</summary>
public sealed record ResourceCount(int Luts, int LutRams, int FlipFlops, int Dsp48E2, double Ramb36)
{
    public static ResourceCount Of(IReadOnlyDictionary<string, int> cells) => new(
        Sum(cells, c => c.Length == 4 && c.StartsWith("LUT", StringComparison.Ordinal) && c[3] is >= '1' and <= '6'),
        Sum(cells, c => c.StartsWith("RAM", StringComparison.Ordinal) && !c.StartsWith("RAMB", StringComparison.Ordinal)),
        Sum(cells, c => c is "FDRE" or "FDSE" or "FDCE" or "FDPE"),
        cells.GetValueOrDefault("DSP48E2"),
        cells.GetValueOrDefault("RAMB36E2") + (cells.GetValueOrDefault("RAMB18E2") / 2.0));

    public static ResourceCount operator +(ResourceCount a, ResourceCount b) => new(a.Luts + b.Luts, a.LutRams + b.LutRams, a.FlipFlops + b.FlipFlops, a.Dsp48E2 + b.Dsp48E2, a.Ramb36 + b.Ramb36);

    public static ResourceCount operator *(ResourceCount a, int times) => new(a.Luts * times, a.LutRams * times, a.FlipFlops * times, a.Dsp48E2 * times, a.Ramb36 * times);

    public static ResourceCount Zero { get; } = new(0, 0, 0, 0, 0);

    private static int Sum(IReadOnlyDictionary<string, int> cells, Func<string, bool> which) => cells.Where(c => which(c.Key)).Sum(c => c.Value);
}

/// <summary>Cell counts of a Yosys synthesis: the whole hierarchy and each module once.</summary>
public sealed record SynthesisReport(IReadOnlyDictionary<string, int> Cells, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Modules, TimeSpan Elapsed)
{
    public ResourceCount Total => ResourceCount.Of(Cells);

    public int Luts => Total.Luts;

    /// <summary>LUT RAM cells (RAM32M, RAM64M8, ...): each stands for several LUTs of a SLICEM.</summary>
    public int LutRams => Total.LutRams;

    public int FlipFlops => Total.FlipFlops;

    public int Dsp48E2 => Total.Dsp48E2;

    /// <summary>Block RAM in RAMB36E2 units (a RAMB18E2 is half of one).</summary>
    public double Ramb36 => Total.Ramb36;

    /// <summary>One module's own resources (its children not included), as synthesized once.</summary>
    public ResourceCount Module(string name) => Modules.TryGetValue(name, out var cells) ? ResourceCount.Of(cells) : ResourceCount.Zero;
}

/// <summary>
/// Runs <c>yosys synth_xilinx -family xcup</c> on an emitted design through CliWrap and reads the
/// cell counts from its <c>stat</c> report. The hierarchy is kept, so a module instantiated many
/// times is synthesized once and counted as often as it is used.
/// </summary>
public sealed partial record YosysSynthesis
{
    private YosysSynthesis(HdlResult design)
    {
        Design = design;
        Top = design.Design.Top.Name;
    }

    public HdlResult Design { get; }

    /// <summary>The module synthesized as the top: the design's, or one of its modules out of context.</summary>
    public string Top { get; init; }

    public string Family { get; init; } = "xcup";

    public string Executable { get; init; } = "yosys";

    public static YosysSynthesis For(HdlResult design) => new(design.ThrowIfFailed());

    public YosysSynthesis WithFamily(string family) => this with { Family = family };

    /// <summary>Where each pass Yosys starts is reported ("ABC: technology mapping using ABC"), for a status line that moves during the minutes a large design takes.</summary>
    public IProgress<string>? Progress { get; init; }

    public YosysSynthesis WithProgress(IProgress<string> progress) => this with { Progress = progress };

    /// <summary>
    /// Synthesizes <paramref name="module"/> and what it instantiates alone (out of context): its ports
    /// become the starts and ends of paths, and the rest of the design cannot move its result.
    /// </summary>
    public YosysSynthesis WithTop(string module) => Design.Design.Modules.Any(m => m.Name == module)
        ? this with { Top = module }
        : throw new ArgumentException($"the design has no module '{module}'; it has {string.Join(", ", Design.Design.Modules.Select(m => m.Name).Order(StringComparer.Ordinal))}", nameof(module));

    public async Task<SynthesisReport> RunAsync(CancellationToken cancellation = default)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stat = await RunAsync($"synth_xilinx -family {Family} -top {Top}; tee -o out.txt stat", cancellation);
        return Parse(stat, watch.Elapsed);
    }

    /// <summary>
    /// The mapped netlist of the whole design flattened (Yosys <c>write_json</c>), for path analysis:
    /// flattening keeps every cell's and net's instance path in its name. It is mapped to LUT6s only
    /// (<c>-nowidelut</c>): ABC maps for the fewest LUT levels and counts a wide LUT (LUT6s joined by
    /// MUXF7/8/9) as one, so with wide LUTs the levels a path is counted at are not the ones the mapper
    /// minimised, and they swing by several between runs of unrelated changes.
    /// </summary>
    public async Task<System.Text.Json.JsonDocument> FlatNetlistAsync(CancellationToken cancellation = default)
        => System.Text.Json.JsonDocument.Parse(await FlatNetlistTextAsync(cancellation));

    /// <summary>The same netlist as Yosys wrote it, for keeping on disk.</summary>
    public Task<string> FlatNetlistTextAsync(CancellationToken cancellation = default)
        => RunAsync($"synth_xilinx -family {Family} -flatten -nowidelut -top {Top}; write_json out.txt", cancellation);

    /// <summary>Runs the design's sources through <paramref name="commands"/>, which write out.txt; returns its text.</summary>
    private async Task<string> RunAsync(string commands, CancellationToken cancellation)
    {
        var directory = Directory.CreateTempSubdirectory("diffacc-yosys-").FullName;
        try
        {
            Design.WriteTo(directory, directory);
            var sources = Design.Verilog.Where(f => f.Name.EndsWith(".v", StringComparison.Ordinal)).Select(f => f.Name);
            CommandResult result;
            var errors = new List<string>();
            void Observe(string line)
            {
                if (line.Contains("ERROR", StringComparison.Ordinal))
                {
                    lock (errors)
                        errors.Add(line);
                }
                else if (Progress is not null && PassStart().Match(line) is { Success: true } pass)
                {
                    Progress.Report(pass.Groups[1].Value);
                }
            }
            try
            {
                // Quiet unless the passes are wanted: the log of the whole accelerator runs to tens of MB.
                result = await Cli.Wrap(Executable)
                    .WithArguments([.. Progress is null ? ["-q"] : Array.Empty<string>(), "-p", $"read_verilog {string.Join(' ', sources)}; {commands}"])
                    .WithWorkingDirectory(directory)
                    .WithStandardOutputPipe(PipeTarget.ToDelegate(Observe))
                    .WithStandardErrorPipe(PipeTarget.ToDelegate(Observe))
                    .WithValidation(CommandResultValidation.None)
                    .ExecuteAsync(cancellation);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new SimulationException($"Yosys is not installed (no '{Executable}' found); install it with: apt-get install -y yosys");
            }
            cancellation.ThrowIfCancellationRequested();
            var output = Path.Combine(directory, "out.txt");
            if (result.ExitCode != 0 || !File.Exists(output))
                throw new SimulationException($"yosys failed on {Top} (exit code {result.ExitCode}): {string.Join("\n", errors.Take(10))}");
            return await File.ReadAllTextAsync(output, cancellation);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Reads a Yosys <c>stat</c> report: each "=== module ===" section and the "design hierarchy" totals.</summary>
    public static SynthesisReport Parse(string report, TimeSpan elapsed)
    {
        var sections = Section().Matches(report).Select(m => (Name: m.Groups[1].Value, Start: m.Index)).ToList();
        var modules = new Dictionary<string, IReadOnlyDictionary<string, int>>(StringComparer.Ordinal);
        for (var i = 0; i < sections.Count; i++)
        {
            var end = i + 1 < sections.Count ? sections[i + 1].Start : report.Length;
            var body = report[sections[i].Start..end];
            modules[sections[i].Name] = CellLine().Matches(body).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        }
        var totals = modules.TryGetValue("design hierarchy", out var hierarchy) ? hierarchy : modules.Values.LastOrDefault() ?? new Dictionary<string, int>();
        modules.Remove("design hierarchy");
        return new SynthesisReport(totals, modules, elapsed);
    }

    [GeneratedRegex(@"^\d+(?:\.\d+)*\. Executing (.+?)\.?$")]
    private static partial Regex PassStart();

    [GeneratedRegex(@"^=== (.+) ===$", RegexOptions.Multiline)]
    private static partial Regex Section();

    [GeneratedRegex(@"^\s+([A-Z][A-Z0-9_]+)\s+(\d+)$", RegexOptions.Multiline)]
    private static partial Regex CellLine();
}
