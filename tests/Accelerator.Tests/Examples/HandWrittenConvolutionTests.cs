using DiffAcc.Accelerator.Examples;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Tests.Examples;

/// <summary>The hand-written program of docs/isa.md: placed by DdrImageBuilder, run on the functional simulator and the RTL, every output byte against the int8 model.</summary>
public sealed class HandWrittenConvolutionTests
{
    public static TheoryData<string> Presets => ["small", "small-wide", "xczu9eg"];

    [Theory]
    [MemberData(nameof(Presets))]
    public void The_functional_simulator_computes_what_the_int8_model_does(string preset)
    {
        var config = Configuration.Presets.Get(preset);
        var layer = HandWrittenConvolution.Random(config, seed: 5);
        var placed = HandWrittenConvolution.Place(config, layer);
        var run = new FunctionalSimulator(config).Run(placed.Program, placed.Image, placed.Registers);
        Assert.Equal(HandWrittenConvolution.Expected(config, layer), HandWrittenConvolution.Output(config, placed, run.Ddr));
        // Nothing but the output region changed.
        var (address, length) = placed.Regions["output"];
        var outside = Enumerable.Range(0, placed.Image.Bytes.Length).Where(i => i < address - placed.Image.Address || i >= address - placed.Image.Address + length);
        Assert.All(outside, i => Assert.Equal(placed.Image.Bytes[i], run.Ddr.Bytes[i]));
    }

    [Fact]
    public async Task The_RTL_computes_it_too_under_random_DDR_latency_and_back_pressure()
    {
        var config = Configuration.Presets.Small;
        var layer = HandWrittenConvolution.Random(config, seed: 6);
        var placed = HandWrittenConvolution.Place(config, layer);
        var machine = await RtlMachine.BuildAsync(config);
        var run = await machine.RunAsync(placed);
        Assert.Equal(HandWrittenConvolution.Expected(config, layer), HandWrittenConvolution.Output(config, placed, run.Ddr));
        Assert.Equal(new FunctionalSimulator(config).Run(placed.Program, placed.Image, placed.Registers).Ddr.Bytes, run.Ddr.Bytes);
        Assert.True(run.Counters!["CYCLES"] > 0);
    }

    [Fact]
    public void The_image_builder_names_what_it_does_not_have_and_keeps_regions_aligned()
    {
        var ddr = new DdrImageBuilder().With("a", new byte[3]).WithOutput("b", 5);
        Assert.Equal(0, ddr.Offset("a"));
        Assert.Equal(DdrImageBuilder.RegionAlignment, ddr.Offset("b"));
        Assert.Contains("no region named 'c'; it has a, b", Assert.Throws<ArgumentException>(() => ddr.Offset("c")).Message, StringComparison.Ordinal);
        Assert.Contains("already has a region named 'a'", Assert.Throws<ArgumentException>(() => ddr.With("a", new byte[1])).Message, StringComparison.Ordinal);
    }
}
