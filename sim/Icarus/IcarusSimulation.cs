using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Emit;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim.Icarus;

/// <summary>
/// Runs a design under Icarus Verilog on a stimulus and compares every output word of every cycle
/// with a C# model: a third simulator beside Verilator and the IR simulator, with a different
/// reading of the same Verilog (event-driven, four-state). A testbench drives the cycle as the
/// Verilator harness does; every register and memory word starts at zero, as in the other two; an
/// X or Z in an output is a mismatch.
/// <code>var result = await IcarusSimulation.Of(design).WithStimulus(s).WithModel(golden).WithCycles(5000).RunAsync();</code>
/// </summary>
public sealed record IcarusSimulation
{
    public const string InstallHint = "install it with: apt-get install -y iverilog (Debian 12 ships 11.0)";

    private IcarusSimulation(HdlResult design) => Design = design;

    public HdlResult Design { get; }

    public IStimulus? Stimulus { get; init; }

    public ICycleModel? Model { get; init; }

    public long Cycles { get; init; } = 1000;

    public int MaxMismatches { get; init; } = 10;

    /// <summary>Cycles of inputs reported before each mismatch.</summary>
    public int History { get; init; } = 3;

    public static IcarusSimulation Of(HdlResult design) => new(design);

    public IcarusSimulation WithStimulus(IStimulus stimulus) => this with { Stimulus = stimulus };

    public IcarusSimulation WithModel(ICycleModel model) => this with { Model = model };

    public IcarusSimulation WithCycles(long cycles) => this with { Cycles = cycles };

    public IcarusSimulation WithMaxMismatches(int count) => this with { MaxMismatches = count };

    public async Task<CosimResult> RunAsync(CancellationToken cancellation = default)
    {
        var stimulus = Stimulus ?? throw new InvalidOperationException("an Icarus run needs a stimulus: call WithStimulus");
        var model = Model ?? throw new InvalidOperationException("an Icarus run needs a model to compare with: call WithModel");
        var watch = Stopwatch.StartNew();
        var design = Design.Design;
        var layout = new PortLayout(design);
        var folder = Directory.CreateTempSubdirectory("diffacc-icarus-").FullName;
        try
        {
            Design.WriteTo(folder, folder);
            var inputs = new ulong[Cycles * layout.InputWords];
            var text = new System.Text.StringBuilder();
            for (long cycle = 0; cycle < Cycles; cycle++)
            {
                var start = (int)(cycle * layout.InputWords);
                stimulus.Fill(cycle, inputs.AsSpan(start, layout.InputWords));
                text.AppendJoin(' ', layout.Inputs.Select(p => Hex(inputs.AsSpan(start + p.Offset, p.Words)))).Append('\n');
            }
            await File.WriteAllTextAsync(Path.Combine(folder, "stimulus.hex"), text.ToString(), cancellation);
            await File.WriteAllTextAsync(Path.Combine(folder, "testbench.v"), Testbench(design, layout, Cycles), cancellation);

            var sources = Design.Verilog.Where(f => f.Name.EndsWith(".v", StringComparison.Ordinal)).Select(f => f.Name);
            await Run("iverilog", ["-g2005", "-s", "diffacc_icarus_tb", "-o", "run.vvp", "testbench.v", .. sources], folder, cancellation);
            await Run("vvp", ["-n", "run.vvp"], folder, cancellation);
            return Compare(layout, model, inputs, await File.ReadAllLinesAsync(Path.Combine(folder, "responses.hex"), cancellation), watch);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private CosimResult Compare(PortLayout layout, ICycleModel model, ulong[] inputs, string[] lines, Stopwatch watch)
    {
        if (lines.Length != Cycles)
            throw new SimulationException($"Icarus wrote {lines.Length} cycles of outputs, {Cycles} were asked for");
        var expected = new ulong[layout.OutputWords];
        var mismatches = new List<Mismatch>();
        long count = 0, compared = 0;
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            model.Step(inputs.AsSpan(cycle * layout.InputWords, layout.InputWords), expected);
            var fields = lines[cycle].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var p = 0; p < layout.Outputs.Count; p++)
            {
                var port = layout.Outputs[p];
                // An X or Z bit has no two-state value: it never equals what the model computed.
                var known = fields[p].All(Uri.IsHexDigit);
                var actual = known ? BigInteger.Parse("0" + fields[p], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : BigInteger.MinusOne;
                for (var w = 0; w < port.Words; w++, compared++)
                {
                    var got = known ? (ulong)((actual >> (64 * w)) & ulong.MaxValue) : ulong.MaxValue;
                    if (known && got == expected[port.Offset + w])
                        continue;
                    if (++count <= MaxMismatches)
                        mismatches.Add(new Mismatch(cycle, (port.Words == 1 ? port.Name : $"{port.Name}[word {w}]") + (known ? "" : $" (Icarus: {fields[p]})"), expected[port.Offset + w], got, Before(layout, inputs, cycle)));
                }
            }
        }
        return new CosimResult(Cycles, compared, count, mismatches, watch.Elapsed);
    }

    private List<(long, IReadOnlyDictionary<string, ulong>)> Before(PortLayout layout, ulong[] inputs, int cycle)
    {
        var list = new List<(long, IReadOnlyDictionary<string, ulong>)>();
        for (var k = Math.Max(0, cycle - History + 1); k <= cycle; k++)
            list.Add((k, layout.Inputs.Where(p => p.Words == 1).ToDictionary(p => p.Name, p => inputs[(k * layout.InputWords) + p.Offset])));
        return list;
    }

    private static string Testbench(Design design, PortLayout layout, long cycles)
    {
        string Range(int width) => width == 1 ? "" : $"[{width - 1}:0]";
        var registers = new List<object>();
        var memories = new List<object>();
        foreach (var (path, module) in design.InstanceTree().Where(i => !i.Module.IsBlackBox))
        {
            var prefix = path.Length == 0 ? "" : path.Replace('/', '.') + ".";
            registers.AddRange(module.Nets.Where(n => n.Kind is NetKind.Register or NetKind.MemoryReadData || n.IsLatch).Select(n => new { Name = prefix + n.Name, Value = n.Register?.InitialValue is { } initial ? $"{n.Width}'h{initial:x}" : "0" }));
            memories.AddRange(module.Memories.Where(m => m.Init is null).Select(m => new { Name = prefix + m.Name, m.Depth }));
        }
        return TemplateText.Render("testbench.v.sbn", new
        {
            Top = design.Top.Name,
            Clocks = layout.Clocks,
            Inputs = layout.Inputs.Select(p => new { p.Name, Range = Range(p.Width) }).ToList(),
            Outputs = layout.Outputs.Select(p => new { p.Name, Range = Range(p.Width) }).ToList(),
            Connections = design.Top.Ports.Select(p => p.Name).ToList(),
            Resets = design.Top.Ports.Where(p => p.ResetOf is not null).Select(p => new { p.Name, Inactive = p.ResetOf!.IsResetActiveLow ? "1'b1" : "1'b0" }).ToList(),
            Registers = registers,
            Memories = memories,
            Cycles = cycles,
            InputFormat = string.Join(' ', layout.Inputs.Select(_ => "%h")),
            OutputFormat = string.Join(' ', layout.Outputs.Select(_ => "%h")),
        }, typeof(IcarusSimulation).Assembly);
    }

    private static string Hex(ReadOnlySpan<ulong> words)
    {
        var value = BigInteger.Zero;
        for (var w = words.Length - 1; w >= 0; w--)
            value = (value << 64) | words[w];
        return value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(1, '0');
    }

    private static async Task Run(string tool, string[] arguments, string folder, CancellationToken cancellation)
    {
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap(tool).WithArguments(arguments).WithWorkingDirectory(folder).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellation);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new SimulationException($"Icarus Verilog is not installed (no '{tool}' found); {InstallHint}");
        }
        cancellation.ThrowIfCancellationRequested();
        if (result.ExitCode != 0)
            throw new SimulationException($"{tool} failed ({result.ExitCode}): {(result.StandardError + result.StandardOutput).Trim()}");
    }
}
