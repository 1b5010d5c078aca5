using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Datapath;
using DiffAcc.Accelerator.Goldens;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;
using DiffAcc.Sim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Accelerator.Tests;

/// <summary>The quantizer pipeline under Verilator against Requantization.Apply, with its tables written while it runs.</summary>
public sealed class RequantizerTests
{
    private static readonly AcceleratorConfig Config = Presets.Small with { Tm = 4, MaxChannels = 16, StepGroups = 4 };

    private sealed class Model(PortLayout layout) : ICycleModel
    {
        private readonly RequantizerGolden golden = new(Config);
        private readonly int[] accumulators = new int[Config.Tm];

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            for (var lane = 0; lane < Config.Tm; lane++)
                outputs[layout.Output($"Quantized_{lane}").Offset] = (byte)golden.Quantized[lane];
            outputs[layout.Output("OutValid").Offset] = golden.OutValid ? 1UL : 0UL;
            var record = inputs.ToArray();
            ulong In(string name) => record[layout.Input(name).Offset];
            for (var lane = 0; lane < Config.Tm; lane++)
                accumulators[lane] = (int)(uint)In($"Accumulators_{lane}");
            var write = In("Table_Write") != 0
                ? ((int)In("Table_Lane"), (int)In("Table_Slot"), (int)In("Table_ChannelBlock"), new RequantParameters((int)(uint)In("Table_Bias"), (int)In("Table_Multiplier"), (int)In("Table_Shift")))
                : ((int, int, int, RequantParameters)?)null;
            golden.Tick(In("InValid") != 0, accumulators, (int)In("ChannelBlock"), (int)In("Slot"), write, In("rst") != 0);
        }
    }

    /// <summary>
    /// Random accumulators and table entries plus the edges: int32 minimum and maximum, saturation
    /// both ways, shift 0 and 48, rounding ties (multiplier 1, shift 1, odd sums), and table writes to
    /// the very entry being read, at the moment the slot (bank and step group) changes to it.
    /// </summary>
    private sealed class Stimulus(PortLayout layout) : IStimulus
    {
        private readonly Random random = new(42);

        public void Fill(long cycle, Span<ulong> inputs)
        {
            var record = new ulong[inputs.Length];
            void Set(string name, long value) => record[layout.Input(name).Offset] = (ulong)value & (layout.Input(name).Width >= 64 ? ulong.MaxValue : (1UL << layout.Input(name).Width) - 1);
            var phase = (cycle / 300) % 4;
            // Both banks of every step group's slot.
            var slot = random.Next(1 << Config.RequantizerSlotBits);
            var block = random.Next(Config.ChannelsPerLane);
            Set("Slot", slot);
            Set("ChannelBlock", block);
            for (var lane = 0; lane < Config.Tm; lane++)
            {
                long acc = random.Next(8) switch
                {
                    0 => int.MinValue,
                    1 => int.MaxValue,
                    2 => random.Next(-3, 4),
                    3 => (2 * random.Next(-1000, 1000)) + 1,
                    _ => random.Next(int.MinValue, int.MaxValue),
                };
                Set($"Accumulators_{lane}", acc);
            }
            Set("InValid", random.Next(8) > 0 ? 1 : 0);
            Set("rst", cycle < 2 || random.Next(2000) == 0 ? 1 : 0);

            var write = random.Next(3) == 0 || phase == 3;
            Set("Table_Write", write ? 1 : 0);
            Set("Table_Lane", random.Next(Config.Tm));
            // Phase 3 races: write the entry the same cycle reads.
            Set("Table_Slot", phase == 3 ? slot : random.Next(1 << Config.RequantizerSlotBits));
            Set("Table_ChannelBlock", phase == 3 ? block : random.Next(Config.ChannelsPerLane));
            var (bias, multiplier, shift) = (phase, random.Next(6)) switch
            {
                (1, _) => (0L, 1L, 1L),
                (_, 0) => (random.Next(2) == 0 ? int.MinValue : int.MaxValue, 65535L, 0L),
                (_, 1) => (random.Next(-100, 100), random.Next(1 << 16), 48L),
                (_, 2) => (0L, 0L, random.Next(49)),
                _ => (random.Next(int.MinValue, int.MaxValue), random.Next(1 << 16), random.Next(49)),
            };
            Set("Table_Bias", bias);
            Set("Table_Multiplier", multiplier);
            Set("Table_Shift", shift);
            record.CopyTo(inputs);
        }
    }

    [Fact]
    public async Task The_requantizer_is_bit_exact_against_the_numerics()
    {
        var design = HdlFlow.For(() => new Requantizer(Config.Validated())).Run();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model).WithStimulus(new Stimulus(model.Layout)).WithModel(new Model(model.Layout)).WithCycles(50_000).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches.Take(3)));
        Assert.Equal(50_000L * (Config.Tm + 1), result.ComparedWords);
    }
}
