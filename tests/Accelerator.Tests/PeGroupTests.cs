using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Datapath;
using DiffAcc.Accelerator.Goldens;
using DiffAcc.Hdl;
using DiffAcc.Sim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Accelerator.Tests;

/// <summary>The PE group under Verilator against its golden, every output word of every cycle.</summary>
public sealed class PeGroupTests
{
    /// <summary>Adapts the golden to the simulator's cycle records, by port name.</summary>
    private sealed class Model(AcceleratorConfig config, int latency, PortLayout layout) : ICycleModel
    {
        private readonly PeGroupGolden golden = new(config, latency);
        private readonly sbyte[] weights = new sbyte[config.Tm * config.Tn];
        private readonly sbyte[] acts = new sbyte[config.Tn];

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            for (var m = 0; m < config.Tm; m++)
                outputs[layout.Output($"Acc_{m}").Offset] = (uint)golden.Acc[m];
            outputs[layout.Output("OutValid").Offset] = golden.OutValid ? 1UL : 0UL;
            for (var i = 0; i < weights.Length; i++)
                weights[i] = (sbyte)inputs[layout.Input($"Weights_{i}").Offset];
            for (var n = 0; n < acts.Length; n++)
                acts[n] = (sbyte)inputs[layout.Input($"Acts_{n}").Offset];
            golden.Tick(weights, acts, inputs[layout.Input("InValid").Offset] != 0, inputs[layout.Input("Clear").Offset] != 0, inputs[layout.Input("rst").Offset] != 0);
        }
    }

    /// <summary>Random operands, with phases where every operand is -128 or 127 (the largest packed products).</summary>
    private sealed class Stimulus(AcceleratorConfig config, PortLayout layout, int seed) : IStimulus
    {
        private readonly Random random = new(seed);

        public void Fill(long cycle, Span<ulong> inputs)
        {
            var phase = (cycle / 200) % 4;
            sbyte Operand() => phase switch
            {
                1 => -128,
                2 => (sbyte)(random.Next(2) == 0 ? -128 : 127),
                _ => (sbyte)random.Next(-128, 128),
            };
            for (var i = 0; i < config.Tm * config.Tn; i++)
                inputs[layout.Input($"Weights_{i}").Offset] = (byte)Operand();
            for (var n = 0; n < config.Tn; n++)
                inputs[layout.Input($"Acts_{n}").Offset] = (byte)Operand();
            inputs[layout.Input("InValid").Offset] = random.Next(10) > 0 ? 1UL : 0UL;
            inputs[layout.Input("Clear").Offset] = random.Next(16) == 0 ? 1UL : 0UL;
            inputs[layout.Input("rst").Offset] = cycle < 2 || random.Next(1000) == 0 ? 1UL : 0UL;
        }
    }

    public static TheoryData<string, int, int, bool> Shapes => new()
    {
        { "packed 4x8 (a 7 + 1 chain split)", 4, 8, true },
        { "packed 2x16 (7 + 7 + 2)", 2, 16, true },
        { "unpacked 4x8", 4, 8, false },
        { "packed 2x1", 2, 1, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task The_PE_group_is_bit_exact_against_its_golden(string shape, int tm, int tn, bool packing)
    {
        var config = Presets.Small with { Groups = 1, Tm = tm, Tn = tn, DspPacking = packing };
        PeGroup? group = null;
        var design = HdlFlow.For(() => group = new PeGroup(config)).Run();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model)
            .WithStimulus(new Stimulus(config, model.Layout, tm * 100 + tn))
            .WithModel(new Model(config, group!.Latency, model.Layout))
            .WithCycles(20_000)
            .RunAsync();
        Assert.True(result.Passed, $"{shape}: {string.Join("\n", result.Mismatches.Take(3))}");
        Assert.Equal(20_000L * (tm + 1), result.ComparedWords);
    }
}
