using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Performance;

namespace DiffAcc.Accelerator.Tests;

public sealed class ResourceModelTests
{
    /// <summary>The synthesized figures of docs/accelerator.md (Yosys 0.23, synth_xilinx -family xcup).</summary>
    [Theory]
    [InlineData("xczu9eg", 218_730, 634)]
    [InlineData("small", 21_788, 40)]
    public void The_model_is_within_5_percent_of_the_synthesized_presets(string preset, int luts, int ramb36)
    {
        var config = Presets.Get(preset);
        var model = ResourceModel.Of(config);
        Assert.Equal(config.TotalDsps, model.Dsp48E2);
        Assert.InRange(model.Luts, 0.95 * luts, 1.05 * luts);
        Assert.InRange(model.Ramb36, 0.95 * ramb36, 1.05 * ramb36);
    }

    [Fact]
    public void Resources_grow_with_the_array_and_the_lanes()
    {
        var basis = Presets.Xczu9eg;
        Assert.True(ResourceModel.Of(basis with { Groups = 2 }).Luts < ResourceModel.Of(basis).Luts);
        Assert.True(ResourceModel.Of(basis with { VectorLanes = 8 }).Luts < ResourceModel.Of(basis).Luts);
        Assert.True(ResourceModel.Of(basis with { WeightPorts = 1 }).Ramb36 < ResourceModel.Of(basis).Ramb36);
        Assert.True(ResourceModel.Of(basis with { Groups = 2 }).Share(basis.Part) < ResourceModel.Of(basis).Share(basis.Part));
    }
}
