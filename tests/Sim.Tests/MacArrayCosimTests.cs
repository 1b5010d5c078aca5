using DiffAcc.Hdl;
using DiffAcc.Hdl.Examples;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Tests;

/// <summary>Random int8 operands with a Clear every 64 cycles and runs of the extreme values -128 and 127.</summary>
internal sealed class MacArrayStimulus(int rows, int cols, int seed) : IStimulus
{
    public void Fill(long cycle, Span<ulong> inputs)
    {
        var random = new Random(HashCode.Combine(seed, cycle));
        var extreme = (cycle / 500) % 4 == 3;
        for (var i = 0; i < rows + cols; i++)
            inputs[i] = (byte)(sbyte)(extreme ? (random.Next(2) == 0 ? -128 : 127) : random.Next(-128, 128));
        inputs[rows + cols] = cycle % 64 == 0 || random.Next(200) == 0 ? 1UL : 0UL;
    }
}

public sealed class MacArrayCosimTests
{
    [Fact]
    public async Task The_16x16_MAC_array_matches_its_CSharp_golden_under_Verilator_for_a_million_cycles()
    {
        var design = HdlFlow.For(() => new MacArray(16, 16)).Run();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model)
            .WithStimulus(new MacArrayStimulus(16, 16, seed: 1))
            .WithModel(new MacArrayModel(16, 16))
            .WithCycles(1_000_000)
            .RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches));
        Assert.Equal(1_000_000, result.Cycles);
        Assert.Equal(1_000_000L * (256 + 32), result.ComparedWords);
    }

    [Fact]
    public void The_IR_simulator_agrees_with_the_golden_on_a_small_array()
    {
        var design = HdlFlow.For(() => new MacArray(3, 4)).Run().ThrowIfFailed();
        var ir = new IrSimulator(design.Design);
        var golden = new MacArrayModel(3, 4);
        var stimulus = new MacArrayStimulus(3, 4, seed: 7);
        var inputs = new ulong[ir.Layout.InputWords];
        var a = new ulong[ir.Layout.OutputWords];
        var b = new ulong[ir.Layout.OutputWords];
        for (var cycle = 0; cycle < 5000; cycle++)
        {
            stimulus.Fill(cycle, inputs);
            ir.Step(inputs, a);
            golden.Step(inputs, b);
            Assert.True(a.AsSpan().SequenceEqual(b), $"cycle {cycle}: IR {string.Join(",", a)} golden {string.Join(",", b)}");
        }
    }

    [Fact]
    public async Task A_wrong_model_is_reported_with_cycle_signal_values_and_inputs()
    {
        var design = HdlFlow.For(() => new MacArray(2, 2)).Run();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model)
            .WithStimulus(new MacArrayStimulus(2, 2, seed: 3))
            .WithModel(new OffByOne(new MacArrayModel(2, 2)))
            .WithCycles(100)
            .RunAsync();
        Assert.False(result.Passed);
        var first = result.Mismatches[0];
        Assert.Equal("Accs_0", first.Signal);
        Assert.Equal(first.Actual + 1, first.Expected);
        Assert.Contains("Acts_0=", first.ToString());
        Assert.Equal(10, result.Mismatches.Count);
    }

    private sealed class OffByOne(ICycleModel inner) : ICycleModel
    {
        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            inner.Step(inputs, outputs);
            outputs[0] = (outputs[0] + 1) & 0xffffffff;
        }
    }
}
