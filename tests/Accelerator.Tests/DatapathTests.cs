using CliWrap.Buffered;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Datapath;
using DiffAcc.Hdl;
using DiffAcc.Sim.Synthesis;

namespace DiffAcc.Accelerator.Tests;

public sealed class DatapathTests
{
    [Fact]
    public void The_default_preset_datapath_elaborates_with_one_PE_group_module_for_all_groups()
    {
        var result = HdlFlow.For(() => new DiffAccDatapath(Presets.Default)).Run();
        Assert.Empty(result.Diagnostics);
        Assert.Equal(["WeightBuffer1024x128", "ActivationBuffer32x8192", "PeGroup32x32Packed", "AccumulatorBank32x512", "Requantizer32", "GroupNormUnit8", "ActivationTableUnit8x2", "SoftmaxUnit8", "ScaleAddUnit8", "VectorUnit8", "DiffAccDatapath"], result.Design.Modules.Select(m => m.Name));
        Assert.Equal(4, result.Design.Top.Instances.Count(i => i.Definition.Name == "PeGroup32x32Packed"));
    }

    [Fact]
    public async Task The_default_preset_datapath_passes_Verilator_lint_with_Wall()
    {
        var result = HdlFlow.For(() => new DiffAccDatapath(Presets.Default)).Run();
        var directory = Directory.CreateTempSubdirectory("diffacc-datapath-").FullName;
        result.WriteTo(directory, directory);
        var lint = await CliWrap.Cli.Wrap("verilator")
            .WithArguments(["--lint-only", "-Wall", "--top-module", "DiffAccDatapath", .. result.Verilog.Where(f => f.Name.EndsWith(".v", StringComparison.Ordinal)).Select(f => f.Name)])
            .WithWorkingDirectory(directory)
            .WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync();
        Assert.True(lint.ExitCode == 0 && !lint.StandardError.Contains('%'), lint.StandardError);
    }

    [Theory]
    [InlineData("small", 32)]
    [InlineData("small-unpacked", 64)]
    public async Task Yosys_maps_the_MACs_to_DSP48E2_at_two_per_DSP_with_packing_and_one_without(string preset, int macDsps)
    {
        // One vector lane keeps the synthesis short; the vector unit's DSP count per lane is checked all the same.
        var config = Presets.Get(preset) with { VectorLanes = 1 };
        var report = await YosysSynthesis.For(HdlFlow.For(() => new DiffAccDatapath(config)).Run()).RunAsync();
        Assert.Equal(macDsps, config.MacDsps);
        Assert.Equal(config.MacDsps + config.RequantizerDsps + config.VectorDsps, report.Dsp48E2);
        Assert.Equal(config.BufferRamb36, report.Ramb36);
        Assert.True(report.Modules.Where(m => m.Key.Contains("Buffer", StringComparison.Ordinal)).All(m => m.Value.Keys.Any(c => c.StartsWith("RAMB", StringComparison.Ordinal))), "every buffer maps to block RAM");
        Assert.Equal(config.Groups * config.Tn * config.Tm / (config.DspPacking ? 2 : 1), report.Modules.Where(m => m.Key.StartsWith("PeGroup", StringComparison.Ordinal)).Sum(m => m.Value.GetValueOrDefault("DSP48E2")) * config.Groups);
    }
}
