using CliWrap;
using CliWrap.Buffered;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Sim.Synthesis;

namespace DiffAcc.Accelerator.Tests;

/// <summary>DiffAccTop as a design: its top-level interface, the lint of Verilator and Icarus, and Yosys' mapping of its blocks.</summary>
public sealed class MachineTests
{
    [Fact]
    public void The_default_preset_top_has_only_the_AXI_ports_a_clock_a_reset_and_irq()
    {
        var result = HdlFlow.For(() => new DiffAccTop(Presets.Default)).Run();
        Assert.Empty(result.Diagnostics);
        var top = result.Design.Top;
        Assert.Equal("DiffAccTop", top.Name);
        Assert.All(top.Ports, p => Assert.Matches("^(clk|rst|irq|s_axi_control_[a-z]+|m_axi_data_[a-z]+|m_axi_weights[1-3]?_[a-z]+)$", p.Name));
        Assert.Equal(17, top.Ports.Count(p => p.Name.StartsWith("s_axi_control_", StringComparison.Ordinal)));
        Assert.Equal(29, top.Ports.Count(p => p.Name.StartsWith("m_axi_data_", StringComparison.Ordinal)));
        // Four read-only weight masters, each reading a quarter of every weight row.
        Assert.Equal(13, top.Ports.Count(p => p.Name.StartsWith("m_axi_weights_", StringComparison.Ordinal)));
        foreach (var port in new[] { 1, 2, 3 })
            Assert.Equal(13, top.Ports.Count(p => p.Name.StartsWith($"m_axi_weights{port}_", StringComparison.Ordinal)));
        Assert.Equal(128, top.Ports.Single(p => p.Name == "m_axi_data_wdata").Width);
        Assert.Equal(NetKind.Output, top.Ports.Single(p => p.Name == "irq").Kind);
        // One PE group definition serves the four groups.
        var compute = result.Design.Modules.Single(m => m.Name == "ComputeEngine4x32x32");
        Assert.Equal(4, compute.Instances.Count(i => i.Definition.Name == "PeGroup32x32Packed"));
    }

    public static TheoryData<string> Presets_ => [.. Presets.All.Keys];

    [Theory]
    [MemberData(nameof(Presets_))]
    public async Task The_top_of_every_preset_passes_Verilator_Wall_and_Icarus_Wall(string preset)
    {
        var result = HdlFlow.For(() => new DiffAccTop(Presets.Get(preset))).Run();
        var directory = Directory.CreateTempSubdirectory("diffacc-top-").FullName;
        result.WriteTo(directory, directory);
        string[] files = [.. result.Verilog.Where(f => f.Name.EndsWith(".v", StringComparison.Ordinal)).Select(f => f.Name)];
        var lint = await Cli.Wrap("verilator").WithArguments(["--lint-only", "-Wall", "--top-module", "DiffAccTop", .. files]).WithWorkingDirectory(directory).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(lint.ExitCode == 0 && !lint.StandardError.Contains('%'), lint.StandardError);
        var icarus = await Cli.Wrap("iverilog").WithArguments(["-g2005", "-Wall", "-o", "/dev/null", .. files]).WithWorkingDirectory(directory).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(icarus.ExitCode == 0 && icarus.StandardError.Trim().Length == 0 && icarus.StandardOutput.Trim().Length == 0, icarus.StandardOutput + icarus.StandardError);
    }

    [Theory]
    [InlineData("small", 32)]
    [InlineData("small-unpacked", 64)]
    public async Task Yosys_maps_the_MACs_to_DSP48E2_at_two_per_DSP_with_packing_and_one_without(string preset, int macDsps)
    {
        var config = Presets.Get(preset);
        var report = await YosysSynthesis.For(HdlFlow.For(() => new ComputeEngine(config)).Run()).RunAsync();
        Assert.Equal(macDsps, config.MacDsps);
        // The compute engine's own address products take 3.
        Assert.Equal(config.MacDsps + config.RequantizerDsps + 3, report.Dsp48E2);
        Assert.Equal(config.Groups * config.Tn * config.Tm / (config.DspPacking ? 2 : 1), report.Modules.Where(m => m.Key.StartsWith("PeGroup", StringComparison.Ordinal)).Sum(m => m.Value.GetValueOrDefault("DSP48E2")) * config.Groups);
        Assert.True(report.Modules.Where(m => m.Key.StartsWith("AccumulatorBank", StringComparison.Ordinal)).All(m => m.Value.Keys.Any(c => c.StartsWith("RAMB", StringComparison.Ordinal))), "the accumulator banks map to block RAM");
    }

    [Fact]
    public async Task Yosys_maps_one_vector_lane_to_the_planned_DSP48E2_and_the_buffers_to_block_RAM()
    {
        var config = Presets.Small with { VectorLanes = 1 };
        var vector = await YosysSynthesis.For(HdlFlow.For(() => new VectorEngine(config)).Run()).RunAsync();
        Assert.Equal(config.VectorDsps, vector.Dsp48E2);
        var buffers = await YosysSynthesis.For(HdlFlow.For(() => new ActivationBuffers(config)).Run()).RunAsync();
        Assert.Equal(config.Groups * AcceleratorConfig.Ramb36For(config.ActivationRows, 8 * config.Tn), buffers.Ramb36);
    }
}
