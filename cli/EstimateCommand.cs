using System.CommandLine;
using System.Globalization;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Sim;
using DiffAcc.Sim.Synthesis;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc estimate</c>: Yosys synthesis of a configuration's accelerator against the part's capacity.</summary>
internal static class EstimateCommand
{
    public static Command Create()
    {
        var accelerator = new AcceleratorOptions();
        var command = new Command("estimate", "Synthesize the accelerator (DiffAccTop) with yosys synth_xilinx -family xcup and print LUT, FF, DSP48E2 and RAMB against the part, per module and per part of the machine");
        accelerator.AddTo(command);
        command.SetAction(async (result, token) =>
        {
            try
            {
                return await RunAsync(accelerator.Resolve(result), token);
            }
            catch (Exception e) when (e is ConfigException or SimulationException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The part of the machine a module belongs to, by its generator.</summary>
    internal static string Role(string module) => module switch
    {
        _ when module.StartsWith("PeGroup", StringComparison.Ordinal) => "PE groups",
        _ when module.StartsWith("Requantizer", StringComparison.Ordinal) => "requantizers",
        _ when module.StartsWith("AccumulatorBank", StringComparison.Ordinal) => "accumulator banks",
        _ when module.StartsWith("ActivationBuffer", StringComparison.Ordinal) || module.StartsWith("WeightBuffer", StringComparison.Ordinal) => "activation and weight buffers",
        _ when module.StartsWith("ActivationTableUnit", StringComparison.Ordinal) || module.StartsWith("ScaleAddUnit", StringComparison.Ordinal) || module.StartsWith("SoftmaxUnit", StringComparison.Ordinal)
            || module.StartsWith("GroupNorm", StringComparison.Ordinal) || module.StartsWith("ReciprocalSqrt", StringComparison.Ordinal) => "vector unit",
        _ => "controller and DMA",
    };

    private static async Task<int> RunAsync(AcceleratorConfig config, CancellationToken cancellation)
    {
        var design = GenerateCommand.Flow(config).Run().ThrowIfFailed();
        SynthesisReport? report = null;
        var label = $"yosys synth_xilinx -family xcup on {config.Name}";
        await AnsiConsole.Status().StartAsync(label, async status => report = await YosysSynthesis.For(design).WithProgress(new PassStatus(status, label)).RunAsync(cancellation));
        var part = config.Part;
        string N(double value) => value.ToString("#,0.#", CultureInfo.InvariantCulture);
        string Percent(double used, int available) => (100.0 * used / available).ToString("0.0", CultureInfo.InvariantCulture) + " %";
        var table = new Table().Title($"{config.Name}: {config.Groups} x {config.Tm} x {config.Tn} = {config.Macs} int8 MACs/cycle, packing {(config.DspPacking ? "on" : "off")}, on {part.Name}")
            .AddColumn("resource").AddColumn(new TableColumn("used").RightAligned()).AddColumn(new TableColumn("part").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
        table.AddRow("LUT (logic)", N(report!.Luts), N(part.Luts), Percent(report.Luts, part.Luts));
        table.AddRow("LUT RAM cells", N(report.LutRams), "", "");
        table.AddRow("FF", N(report.FlipFlops), N(part.FlipFlops), Percent(report.FlipFlops, part.FlipFlops));
        table.AddRow("DSP48E2", N(report.Dsp48E2), N(part.Dsp48E2), Percent(report.Dsp48E2, part.Dsp48E2));
        table.AddRow("RAMB36E2 (RAMB18E2 as halves)", N(report.Ramb36), N(part.Ramb36), Percent(report.Ramb36, part.Ramb36));
        AnsiConsole.Write(table);

        // Each module is synthesized once; in the design it counts as often as it is instantiated.
        var instances = design.Design.InstanceTree().GroupBy(i => i.Module.Name).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var modules = new Table().Title("per module (own cells, without its children), times its instances")
            .AddColumn("module").AddColumn("part of the machine").AddColumn(new TableColumn("instances").RightAligned())
            .AddColumn(new TableColumn("LUT").RightAligned()).AddColumn(new TableColumn("FF").RightAligned()).AddColumn(new TableColumn("RAMB36").RightAligned()).AddColumn(new TableColumn("DSP48E2").RightAligned());
        var roles = new SortedDictionary<string, ResourceCount>(StringComparer.Ordinal);
        foreach (var name in report.Modules.Keys.OrderBy(Role).ThenBy(n => n, StringComparer.Ordinal))
        {
            var count = instances.GetValueOrDefault(name, 1);
            var total = report.Module(name) * count;
            roles[Role(name)] = roles.GetValueOrDefault(Role(name), ResourceCount.Zero) + total;
            modules.AddRow(Markup.Escape(name), Role(name), count.ToString(CultureInfo.InvariantCulture), N(total.Luts), N(total.FlipFlops), N(total.Ramb36), N(total.Dsp48E2));
        }
        AnsiConsole.Write(modules);
        var summary = new Table().Title("per part of the machine").AddColumn("part").AddColumn(new TableColumn("LUT").RightAligned()).AddColumn(new TableColumn("FF").RightAligned()).AddColumn(new TableColumn("RAMB36").RightAligned()).AddColumn(new TableColumn("DSP48E2").RightAligned());
        foreach (var (role, total) in roles)
            summary.AddRow(role, N(total.Luts), N(total.FlipFlops), N(total.Ramb36), N(total.Dsp48E2));
        AnsiConsole.Write(summary);
        Console.WriteLine($"DSP48E2 planned: {config.MacDsps} for {config.Macs} MACs ({(config.DspPacking ? "2 MACs per DSP" : "1 MAC per DSP")}) + {config.RequantizerDsps} for {config.Groups * config.Tm} requantizer lanes + {config.VectorDsps} for the vector unit ({config.VectorLanes} lanes) + {AcceleratorConfig.ControllerDsps} for the controller = {config.TotalDsps}; synthesized: {report.Dsp48E2}.");
        Console.WriteLine($"RAMB36E2 planned for the buffers: {config.BufferRamb36} ({config.Groups} activation buffers of {config.ActivationRows} x {8 * config.Tn} bits, {config.Groups} accumulator banks of {config.AccumulatorRows} x {config.AccumulatorWidth * config.Tm} bits in two copies, 2 weight banks of {config.WeightRows} rows in {config.WeightColumns} memories of {8 * config.WeightColumnBytes}-bit columns); the DMA beat queues and the requantizer tables come on top. Yosys took {report.Elapsed.TotalSeconds:0.0} s.");
        var fits = report.Dsp48E2 <= part.Dsp48E2 && report.Luts <= part.Luts && report.FlipFlops <= part.FlipFlops && report.Ramb36 <= part.Ramb36;
        Console.WriteLine(fits ? $"fits {part.Name}" : $"does NOT fit {part.Name}");
        return fits ? 0 : 1;
    }
}
