using System.Text.RegularExpressions;
using DiffAcc.Hdl.Examples;
using DiffAcc.Hdl.Ir;
using DiffAcc.Sim.Synthesis;

namespace DiffAcc.Hdl.Tests;

/// <summary>
/// The emitted Verilog in the tools users hand it to: Verilator lint with -Wall, Icarus Verilog in
/// Verilog-2005 mode, and Yosys' Xilinx UltraScale+ synthesis with its DSP48E2 and RAMB36E2 mapping.
/// These tests need the tools; scripts/test.sh installs them, and a missing tool fails, never skips.
/// </summary>
public sealed class ToolFlowTests
{
    public static TheoryData<string> LintableDesigns => [.. Designs.All.Keys.Where(k => k != "DspWrapper"), "MacArray16x16"];

    private static HdlResult Emit(string design)
        => HdlFlow.For(design == "MacArray16x16" ? () => new MacArray(16, 16) : Designs.All[design]).Run().ThrowIfFailed();

    [Theory]
    [MemberData(nameof(LintableDesigns))]
    public async Task Verilator_lint_with_Wall_reports_nothing(string design)
    {
        var result = Emit(design);
        var directory = ExternalTool.WriteDesign(result);
        var lint = await ExternalTool.Run("verilator", ["--lint-only", "-Wall", "--top-module", result.Design.Top.Name, .. ExternalTool.VerilogFiles(directory)], directory);
        Assert.True(lint.ExitCode == 0 && !lint.StandardError.Contains('%'), $"verilator -Wall on {design}:\n{lint.StandardError}");
    }

    [Theory]
    [MemberData(nameof(LintableDesigns))]
    public async Task Icarus_Verilog_compiles_it_as_Verilog_2005(string design)
    {
        var result = Emit(design);
        var directory = ExternalTool.WriteDesign(result);
        var compile = await ExternalTool.Run("iverilog", ["-g2005", "-Wall", "-o", Path.Combine(directory, "a.out"), "-s", result.Design.Top.Name, .. ExternalTool.VerilogFiles(directory)], directory);
        Assert.True(compile.ExitCode == 0 && compile.StandardError.Trim().Length == 0, $"iverilog -g2005 on {design}:\n{compile.StandardError}");
    }

    [Fact]
    public async Task Yosys_maps_the_256_multipliers_of_the_16x16_MAC_array_to_DSP48E2()
    {
        var cells = await Synthesize(Emit("MacArray16x16"));
        Assert.Equal(256, cells.GetValueOrDefault("DSP48E2"));
    }

    [Fact]
    public async Task A_64_Kb_memory_maps_to_block_RAM_and_a_small_distributed_one_does_not()
    {
        var large = await Synthesize(HdlFlow.For(() => new ByteRam(2048, RamStyle.Block)).Run().ThrowIfFailed());
        Assert.True(large.GetValueOrDefault("RAMB36E2") + (large.GetValueOrDefault("RAMB18E2") / 2) >= 2, $"2048 x 32 bits should take two RAMB36E2: {Describe(large)}");

        var small = await Synthesize(HdlFlow.For(() => new ByteRam(32, RamStyle.Distributed)).Run().ThrowIfFailed());
        Assert.Equal(0, small.GetValueOrDefault("RAMB36E2") + small.GetValueOrDefault("RAMB18E2"));
        Assert.True(small.Keys.Any(k => k.StartsWith("RAM", StringComparison.Ordinal)), $"32 x 32 bits marked distributed should map to LUT RAM: {Describe(small)}");
    }

    [Fact]
    public async Task A_black_box_is_instantiated_with_its_parameters_against_the_vendor_cell()
    {
        var result = Emit("DspWrapper");
        var directory = ExternalTool.WriteDesign(result);
        var run = await ExternalTool.Run("yosys", ["-p", $"read_verilog -lib +/xilinx/cells_sim.v; read_verilog -lib +/xilinx/cells_xtra.v; read_verilog {string.Join(" ", ExternalTool.VerilogFiles(directory))}; hierarchy -check -top DspWrapper; tee -o stat.txt stat"], directory);
        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        Assert.Equal(1, YosysSynthesis.Parse(File.ReadAllText(Path.Combine(directory, "stat.txt")), TimeSpan.Zero).Cells.GetValueOrDefault("DSP48E2"));
    }

    [Fact]
    public void Two_hundred_fifty_six_identical_PEs_emit_the_PE_module_once()
    {
        var result = Emit("MacArray16x16");
        Assert.Equal(["MacPe", "MacArray16x16"], result.Design.Modules.Select(m => m.Name));
        var top = result.Verilog.Single(f => f.Name == "MacArray16x16.v").Text;
        Assert.Equal(256, Regex.Count(top, @"^\s+MacPe pe_\d+_\d+ \(", RegexOptions.Multiline));
        Assert.Single(result.Verilog, f => f.Text.Contains("module MacPe (", StringComparison.Ordinal));
    }

    [Fact]
    public void Different_structures_of_one_class_get_distinct_names()
    {
        var result = HdlFlow.For(() => new TwoSizes()).Run().ThrowIfFailed();
        Assert.Equal(["PassThroughOf", "PassThroughOf_1", "TwoSizes"], result.Design.Modules.Select(m => m.Name));
    }

    private sealed class PassThroughOf : Module
    {
        public PassThroughOf(int width)
        {
            In = Input(UInt(width));
            Out = Output(UInt(width));
            Out.Assign(In);
        }

        public UInt In { get; }

        public UInt Out { get; }
    }

    private sealed class TwoSizes : Module
    {
        public TwoSizes()
        {
            var a = Input(UInt(4), "a");
            var narrow = Instance(new PassThroughOf(4), "narrow");
            var wide = Instance(new PassThroughOf(8), "wide");
            var again = Instance(new PassThroughOf(4), "again");
            narrow.In.Assign(a);
            wide.In.Assign(a);
            again.In.Assign(narrow.Out);
            Output(UInt(8), "y").Assign(wide.Out);
            Output(UInt(4), "z").Assign(again.Out);
        }
    }

    private static async Task<IReadOnlyDictionary<string, int>> Synthesize(HdlResult result)
        => (await YosysSynthesis.For(result).RunAsync()).Cells;

    private static string Describe(IReadOnlyDictionary<string, int> cells) => string.Join(", ", cells.Select(c => $"{c.Key}={c.Value}"));
}
