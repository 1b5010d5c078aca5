using System.Globalization;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Hdl;

namespace DiffAcc.Sim.Synthesis;

/// <summary>Cell counts of a Yosys synthesis: the whole hierarchy and each module once.</summary>
public sealed record SynthesisReport(IReadOnlyDictionary<string, int> Cells, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Modules, TimeSpan Elapsed)
{
    public int Luts => Sum(Cells, c => Regex.IsMatch(c, "^LUT[1-6]$"));

    /// <summary>LUT RAM cells (RAM32M, RAM64M8, ...): each stands for several LUTs of a SLICEM.</summary>
    public int LutRams => Sum(Cells, c => c.StartsWith("RAM", StringComparison.Ordinal) && !c.StartsWith("RAMB", StringComparison.Ordinal));

    public int FlipFlops => Sum(Cells, c => c is "FDRE" or "FDSE" or "FDCE" or "FDPE");

    public int Dsp48E2 => Cells.GetValueOrDefault("DSP48E2");

    /// <summary>Block RAM in RAMB36E2 units (a RAMB18E2 is half of one).</summary>
    public double Ramb36 => Cells.GetValueOrDefault("RAMB36E2") + (Cells.GetValueOrDefault("RAMB18E2") / 2.0);

    private static int Sum(IReadOnlyDictionary<string, int> cells, Func<string, bool> which) => cells.Where(c => which(c.Key)).Sum(c => c.Value);
}

/// <summary>
/// Runs <c>yosys synth_xilinx -family xcup</c> on an emitted design through CliWrap and reads the
/// cell counts from its <c>stat</c> report. The hierarchy is kept, so a module instantiated many
/// times is synthesized once and counted as often as it is used.
/// </summary>
public sealed partial record YosysSynthesis
{
    private YosysSynthesis(HdlResult design) => Design = design;

    public HdlResult Design { get; }

    public string Family { get; init; } = "xcup";

    public string Executable { get; init; } = "yosys";

    public static YosysSynthesis For(HdlResult design) => new(design.ThrowIfFailed());

    public YosysSynthesis WithFamily(string family) => this with { Family = family };

    public async Task<SynthesisReport> RunAsync(CancellationToken cancellation = default)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var directory = Directory.CreateTempSubdirectory("diffacc-yosys-").FullName;
        try
        {
            Design.WriteTo(directory, directory);
            var sources = Design.Verilog.Where(f => f.Name.EndsWith(".v", StringComparison.Ordinal)).Select(f => f.Name);
            BufferedCommandResult result;
            try
            {
                result = await Cli.Wrap(Executable)
                    .WithArguments(["-q", "-p", $"read_verilog {string.Join(' ', sources)}; synth_xilinx -family {Family} -top {Design.Design.Top.Name}; tee -o stat.txt stat"])
                    .WithWorkingDirectory(directory)
                    .WithValidation(CommandResultValidation.None)
                    .ExecuteBufferedAsync(cancellation);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new SimulationException($"Yosys is not installed (no '{Executable}' found); install it with: apt-get install -y yosys");
            }
            var stat = Path.Combine(directory, "stat.txt");
            if (result.ExitCode != 0 || !File.Exists(stat))
                throw new SimulationException($"yosys failed on {Design.Design.Top.Name} (exit code {result.ExitCode}): {string.Join("\n", (result.StandardError + result.StandardOutput).Split('\n').Where(l => l.Contains("ERROR", StringComparison.Ordinal)).Take(10))}");
            return Parse(await File.ReadAllTextAsync(stat, cancellation), watch.Elapsed);
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

    [GeneratedRegex(@"^=== (.+) ===$", RegexOptions.Multiline)]
    private static partial Regex Section();

    [GeneratedRegex(@"^\s+([A-Z][A-Z0-9_]+)\s+(\d+)$", RegexOptions.Multiline)]
    private static partial Regex CellLine();
}
