using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Sim;
using DiffAcc.Sim.Synthesis;
using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>
/// <c>diffacc timing</c>: the deepest register-to-register logic of every module after Yosys
/// <c>synth_xilinx</c>, against the logic-level budget of the configured clock.
/// </summary>
internal static class TimingCommand
{
    public static Command Create()
    {
        var accelerator = new AcceleratorOptions();
        var netlist = new Option<FileInfo?>("--netlist") { Description = "Analyze this flattened Yosys JSON netlist instead of synthesizing (it is written by --keep-netlist)" };
        var keep = new Option<FileInfo?>("--keep-netlist") { Description = "Also write the flattened netlist here, to analyze again without synthesis" };
        var module = new Option<string?>("--module") { Description = "Synthesize and analyze only this module and what it instantiates, out of context (its ports start and end paths); seconds instead of minutes while pipelining one block" };
        var paths = new Option<int>("--paths") { Description = "Also list, for each module over the budget, this many of its deepest ending registers with their paths", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var budget = new Option<int?>("--budget") { Description = "Logic levels allowed (default: the budget of the configured clock on a -2 UltraScale+ part)" }.AtLeast(1);
        var command = new Command("timing", "Per module, the deepest register-to-register logic (LUT levels and carry chains) after yosys synth_xilinx -flatten, named by its registers and C# lines, against the logic-level budget") { netlist, keep, budget, module, paths };
        accelerator.AddTo(command);
        command.SetAction(async (result, token) =>
        {
            try
            {
                var config = accelerator.Resolve(result);
                if (result.GetValue(keep) is { } file && OutputPath.Refuses(OutputPath.FileProblem("--keep-netlist", file.FullName)))
                    return 1;
                return await RunAsync(config, result.GetValue(module), result.GetValue(paths), result.GetValue(netlist), result.GetValue(keep), result.GetValue(budget) ?? LogicLevelBudget.For(config.ClockMHz), token);
            }
            catch (Exception e) when (e is ConfigException or SimulationException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(AcceleratorConfig config, string? module, int listed, FileInfo? netlist, FileInfo? keep, int budget, CancellationToken cancellation)
    {
        var design = GenerateCommand.Flow(config).Run().ThrowIfFailed();
        var top = design.Design.Top;
        if (module is not null)
        {
            if (design.Design.Modules.FirstOrDefault(m => m.Name == module) is not { } chosen)
            {
                Console.Error.WriteLine($"error: --module {module}: {config.Name} has no such module; it has {string.Join(", ", design.Design.Modules.Select(m => m.Name).Order(StringComparer.Ordinal))}");
                return 1;
            }
            top = chosen;
        }
        JsonDocument? document = null;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (netlist is not null)
        {
            try
            {
                document = JsonDocument.Parse(await File.ReadAllTextAsync(netlist.FullName, cancellation));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                Console.Error.WriteLine($"error: --netlist {netlist.FullName}: {(e is JsonException ? "not JSON (a Yosys netlist is)" : e.Message)}");
                return 1;
            }
        }
        else
        {
            var text = "";
            var label = $"yosys synth_xilinx -family xcup -flatten on {top.Name} of {config.Name}";
            await AnsiConsole.Status().StartAsync(label, async status => text = await YosysSynthesis.For(design).WithTop(top.Name).WithProgress(new PassStatus(status, label)).FlatNetlistTextAsync(cancellation));
            if (keep is not null)
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(text);
                Hdl.Emit.StagedWrite.Files([(keep.FullName, bytes)]);
                Console.WriteLine($"wrote {keep.FullName} ({bytes.Length / 1e6:0.0} MB, in {DiffAccCommand.Elapsed})");
            }
            document = JsonDocument.Parse(text);
        }
        IReadOnlyList<(string Instance, LogicPath Path)> endpoints;
        try
        {
            endpoints = LogicLevels.Analyze(document!, top.Name);
        }
        catch (Exception e) when (netlist is not null && e is KeyNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: --netlist {netlist.FullName} is not a flattened Yosys netlist of {top.Name} (diffacc timing --keep-netlist writes one)");
            return 1;
        }
        var modules = ModuleTiming.Of(top, endpoints);
        var table = new Table().Title($"{(module is null ? "" : $"{module} out of context, ")}{config.Name} at {config.ClockMHz:0.#} MHz: deepest register-to-register logic per module (budget {budget} levels)")
            .AddColumn("module").AddColumn(new TableColumn("inst.").RightAligned()).AddColumn(new TableColumn("endpoints").RightAligned()).AddColumn("worst levels").AddColumn(new TableColumn("over").RightAligned()).AddColumn("from").AddColumn("to");
        string Where(Hdl.SourceLocation location) => location.IsKnown ? $" ({Path.GetFileName(location.FilePath)}:{location.Line})" : "";
        foreach (var m in modules)
        {
            var over = m.Over(budget);
            table.AddRow(Markup.Escape(m.Module), m.Instances.ToString(CultureInfo.InvariantCulture), m.Endpoints.ToString(CultureInfo.InvariantCulture),
                (m.Worst.Levels > budget ? "[red]" : "") + Markup.Escape(m.Worst.Composition) + (m.Worst.Levels > budget ? "[/]" : ""),
                over.ToString(CultureInfo.InvariantCulture), Markup.Escape(m.Worst.Start + Where(m.StartLocation)), Markup.Escape(m.Worst.End + Where(m.EndLocation)));
        }
        AnsiConsole.Write(table);
        foreach (var m in modules.Where(m => listed > 0 && m.Worst.Levels > budget))
        {
            Console.WriteLine($"{m.Module}: deepest ending registers");
            foreach (var path in m.ByRegister.Take(listed))
                Console.WriteLine($"  {path.Composition}  {path.Start} -> {path.End}");
        }
        var failing = modules.Where(m => m.Worst.Levels > budget).ToList();
        var worst = modules.Count == 0 ? 0 : modules.Max(m => m.Worst.Levels);
        Console.WriteLine($"{endpoints.Count} endpoints in {modules.Count} modules, deepest {worst} levels; {modules.Sum(m => m.Over(budget))} endpoints in {failing.Count} modules over the budget of {budget} ({watch.Elapsed.TotalSeconds:0} s).");
        return failing.Count == 0 ? 0 : 2;
    }
}
