using System.CommandLine;
using System.Globalization;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Sim;
using DiffAcc.Sim.Synthesis;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary><c>diffacc estimate</c>: Yosys synthesis of a configuration's datapath against the part's capacity.</summary>
internal static class EstimateCommand
{
    public static Command Create()
    {
        var accelerator = new AcceleratorOptions();
        var command = new Command("estimate", "Synthesize the datapath with yosys synth_xilinx -family xcup and print LUT, FF, DSP48E2 and RAMB against the part");
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

    private static async Task<int> RunAsync(AcceleratorConfig config, CancellationToken cancellation)
    {
        var design = GenerateCommand.Flow(config).Run().ThrowIfFailed();
        SynthesisReport? report = null;
        await AnsiConsole.Status().StartAsync($"yosys synth_xilinx -family xcup on {config.Name} ...", async _ => report = await YosysSynthesis.For(design).RunAsync(cancellation));
        var part = config.Part;
        string Percent(double used, int available) => (100.0 * used / available).ToString("0.0", CultureInfo.InvariantCulture) + " %";
        var table = new Table().Title($"{config.Name}: {config.Groups} x {config.Tm} x {config.Tn} = {config.Macs} int8 MACs/cycle, packing {(config.DspPacking ? "on" : "off")}, on {part.Name}")
            .AddColumn("resource").AddColumn(new TableColumn("used").RightAligned()).AddColumn(new TableColumn("part").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
        table.AddRow("LUT (logic)", report!.Luts.ToString("#,0", CultureInfo.InvariantCulture), part.Luts.ToString("#,0", CultureInfo.InvariantCulture), Percent(report.Luts, part.Luts));
        table.AddRow("LUT RAM cells", report.LutRams.ToString("#,0", CultureInfo.InvariantCulture), "", "");
        table.AddRow("FF", report.FlipFlops.ToString("#,0", CultureInfo.InvariantCulture), part.FlipFlops.ToString("#,0", CultureInfo.InvariantCulture), Percent(report.FlipFlops, part.FlipFlops));
        table.AddRow("DSP48E2", report.Dsp48E2.ToString("#,0", CultureInfo.InvariantCulture), part.Dsp48E2.ToString("#,0", CultureInfo.InvariantCulture), Percent(report.Dsp48E2, part.Dsp48E2));
        table.AddRow("RAMB36E2 (RAMB18E2 as halves)", report.Ramb36.ToString("0.#", CultureInfo.InvariantCulture), part.Ramb36.ToString("#,0", CultureInfo.InvariantCulture), Percent(report.Ramb36, part.Ramb36));
        AnsiConsole.Write(table);

        var modules = new Table().Title("per module (synthesized once, used as often as instantiated)").AddColumn("module").AddColumn(new TableColumn("DSP48E2").RightAligned()).AddColumn(new TableColumn("cells").RightAligned());
        foreach (var (name, cells) in report.Modules)
            modules.AddRow(Markup.Escape(name), cells.GetValueOrDefault("DSP48E2").ToString(CultureInfo.InvariantCulture), cells.Values.Sum().ToString("#,0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(modules);
        Console.WriteLine($"DSP48E2 planned: {config.MacDsps} for {config.Macs} MACs ({(config.DspPacking ? "2 MACs per DSP" : "1 MAC per DSP")}) + {config.RequantizerDsps} for {config.Groups * config.Tm} requantizer lanes + {config.VectorDsps} for the vector unit ({config.VectorLanes} lanes) = {config.TotalDsps}; synthesized: {report.Dsp48E2}.");
        Console.WriteLine($"RAMB36E2 planned for the buffers: {config.BufferRamb36} ({config.Groups} activation buffers of {config.ActivationRows} x {8 * config.Tn} bits, {config.Groups} accumulator banks of {config.AccumulatorRows} x {config.AccumulatorWidth * config.Tm} bits in two copies, 2 weight banks of {config.WeightRows} x {8 * config.Tm * config.Tn} bits); the requantizer tables come on top. Yosys took {report.Elapsed.TotalSeconds:0.0} s.");
        var fits = report.Dsp48E2 <= part.Dsp48E2 && report.Luts <= part.Luts && report.FlipFlops <= part.FlipFlops && report.Ramb36 <= part.Ramb36;
        Console.WriteLine(fits ? $"fits {part.Name}" : $"does NOT fit {part.Name}");
        return fits ? 0 : 1;
    }
}
