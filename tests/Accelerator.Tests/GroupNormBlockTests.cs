using DiffAcc.Accelerator.Vector;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;
using DiffAcc.Sim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// GroupNorm's hardware blocks under Verilator against model/Numerics: the reciprocal square root
/// machine against IntegerGroupNorm.ReciprocalSqrt, and the normalize pipeline against
/// IntegerGroupNorm.Apply value by value, under stalls (the statistics unit runs in the system scenarios).
/// </summary>
public sealed class GroupNormBlockTests
{
    private static void Set(PortLayout layout, Span<ulong> record, string name, long value)
    {
        var port = layout.Input(name);
        record[port.Offset] = (ulong)value & (port.Width >= 64 ? ulong.MaxValue : (1UL << port.Width) - 1);
    }

    /// <summary>
    /// Group statistics with every edge: one value, constant groups (variance 0), ±127/-128 extremes, 2^20 values,
    /// eps from 1 to 2^62, V a power of two, and values q x 2^e up to e = 4 (a concatenation with split scales).
    /// </summary>
    private static List<(GroupStatistics Statistics, long Epsilon)> Groups(int count)
    {
        var random = new Random(10);
        var groups = new List<(GroupStatistics, long)>
        {
            (new GroupStatistics(1 << 20, -128L << 20, 16384L << 20), 1),
            (new GroupStatistics(1 << 20, -(1L << 19), (16384L + 16129) << 19), 1L << 62),
            (new GroupStatistics(1, 127, 16129), 1),
            (new GroupStatistics(1 << 20, 0, 16384L << 20), 1L << 40),
            (new GroupStatistics(1 << 20, -128L << 24, 16384L << 28), 1),
            (new GroupStatistics(1 << 20, -(1L << 23), (16384L + 16129) << 27), 1L << 62),
        };
        for (var index = 0; groups.Count < count; index++)
        {
            var length = (index % 7) switch { 0 => 1, 1 => 5, 2 => 3, 3 => 3000, _ => random.Next(1, 5000) };
            var values = (index % 5) switch
            {
                0 => Enumerable.Repeat((sbyte)random.Next(-128, 128), length).ToArray(),
                1 => Enumerable.Range(0, length).Select(_ => (sbyte)(random.Next(2) == 0 ? -128 : 127)).ToArray(),
                2 => Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-3, 4)).ToArray(),
                _ => Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-128, 128)).ToArray(),
            };
            var statistics = GroupStatistics.Of(values, index % 3 == 0 ? random.Next(SplitConcat.MaxSteps + 1) : 0);
            var scaledVariance = statistics.ScaledVariance << IntegerGroupNorm.VarianceFractionBits;
            var epsilon = (index % 4) switch
            {
                0 => 1L,
                1 => 1L << 60,
                // V a power of two: the division meets a remainder equal to its divisor.
                3 when scaledVariance < 1L << 50 => (long)((1L << 50) - scaledVariance),
                _ => IntegerGroupNorm.EpsilonTerm(1e-5, length, Math.Pow(10, -3 + (2 * random.NextDouble()))),
            };
            groups.Add((statistics, epsilon));
        }
        return groups;
    }

    private sealed class RootStimulus(PortLayout layout, List<(GroupStatistics Statistics, long Epsilon)> groups) : IStimulus
    {
        public const int Spacing = ReciprocalSqrtUnit.FinishCycles + 40;

        public void Fill(long cycle, Span<ulong> inputs)
        {
            inputs.Clear();
            var index = (int)(cycle / Spacing) - 1;
            Set(layout, inputs, "rst", cycle < 2 ? 1 : 0);
            if (index < 0 || index >= groups.Count || cycle % Spacing != 0)
                return;
            var (statistics, epsilon) = groups[index];
            Set(layout, inputs, "Start", 1);
            Set(layout, inputs, "CountTimesSquares", statistics.Count * statistics.SumOfSquares);
            Set(layout, inputs, "SumSquared", statistics.Sum * statistics.Sum);
            Set(layout, inputs, "EpsilonTerm", epsilon);
        }
    }

    private sealed class Results(PortLayout layout) : ICycleObserver
    {
        public List<(long Root, int HalfShift)> Roots { get; } = [];

        public void Observe(long cycle, ReadOnlySpan<ulong> inputs, ReadOnlySpan<ulong> outputs)
        {
            if (outputs[layout.Output("Done").Offset] != 0)
                Roots.Add(((long)outputs[layout.Output("Root").Offset], (int)outputs[layout.Output("HalfShift").Offset]));
        }
    }

    [Fact]
    public async Task The_reciprocal_square_root_machine_equals_the_integer_GroupNorm_on_every_group()
    {
        var groups = Groups(300);
        var model = await VerilatorBuild.For(HdlFlow.For(() => new ReciprocalSqrtUnit()).Run()).BuildAsync();
        var results = new Results(model.Layout);
        await Cosimulation.Of(model).WithStimulus(new RootStimulus(model.Layout, groups)).WithObserver(results).WithCycles((groups.Count + 2L) * RootStimulus.Spacing).RunAsync();
        Assert.Equal(groups.Count, results.Roots.Count);
        for (var i = 0; i < groups.Count; i++)
            Assert.Equal(IntegerGroupNorm.ReciprocalSqrt(groups[i].Statistics, groups[i].Epsilon), results.Roots[i]);
    }

    private const int Lanes = 4;

    private const int Channels = 32;

    /// <summary>
    /// Writes every channel's group result and entry, then streams random beats with random bubbles and
    /// stalls; records every beat taken and every output given.
    /// </summary>
    private sealed class ApplyBench : IStimulus, ICycleObserver
    {
        private readonly PortLayout layout;
        private readonly Random random = new(3);

        public ApplyBench(PortLayout layout, int count)
        {
            this.layout = layout;
            Count = count;
            for (var c = 0; c < Channels; c++)
            {
                // A group of 'count' values drawn from a few levels (one level: a constant group), so the
                // streamed values are the group's own and the statistics are exact.
                var levels = (c % 4) switch
                {
                    0 => [(sbyte)random.Next(-128, 128)],
                    1 => new sbyte[] { -128, 127 },
                    _ => Enumerable.Range(0, random.Next(2, 7)).Select(_ => (sbyte)random.Next(-128, 128)).Distinct().ToArray(),
                };
                var counts = new long[levels.Length];
                var left = (long)count;
                for (var i = 0; i < levels.Length - 1; i++)
                    left -= counts[i] = random.NextInt64(0, left + 1);
                counts[^1] = left;
                // Channel c's values stand for q x 2^e, e = c mod 5 (a concatenation with split scales).
                var exponent = Exponents[c] = c % (SplitConcat.MaxSteps + 1);
                long sum = 0, squares = 0;
                for (var i = 0; i < levels.Length; i++)
                {
                    sum += counts[i] * levels[i] << exponent;
                    squares += counts[i] * levels[i] * levels[i] << (2 * exponent);
                }
                var epsilon = (c % 3) switch { 0 => 1L, 1 => 1L << 60, _ => IntegerGroupNorm.EpsilonTerm(1e-5, count, Math.Pow(10, -3 + (2 * random.NextDouble()))) };
                Levels[c] = [.. levels.Where((_, i) => counts[i] > 0)];
                Results[c] = (sum, IntegerGroupNorm.ReciprocalSqrt(new GroupStatistics(count, sum, squares), epsilon));
                Entries[c] = random.Next(6) switch
                {
                    0 => new GroupNormChannel(0, random.NextInt64(-(1L << 40), 1L << 40), 48),
                    1 => new GroupNormChannel(random.Next(2) == 0 ? 32767 : -32767, random.Next(-1000, 1000), 16),
                    _ => GroupNormChannel.FromScale((random.NextDouble() * 40) - 20, (random.NextDouble() * 200) - 100),
                };
            }
        }

        public sbyte[][] Levels { get; } = new sbyte[Channels][];

        public int Count { get; }

        public (long Sum, (long Root, int HalfShift) Reciprocal)[] Results { get; } = new (long, (long, int))[Channels];

        public GroupNormChannel[] Entries { get; } = new GroupNormChannel[Channels];

        public int[] Exponents { get; } = new int[Channels];

        public List<(int Index, sbyte[] X)> Taken { get; } = [];

        public List<sbyte[]> Given { get; } = [];

        public void Fill(long cycle, Span<ulong> inputs)
        {
            inputs.Clear();
            Set(layout, inputs, "rst", cycle < 2 ? 1 : 0);
            Set(layout, inputs, "Count", Count);
            if (cycle >= 2 && cycle < 2 + Channels)
            {
                var c = (int)cycle - 2;
                Set(layout, inputs, "Result_Write", 1);
                Set(layout, inputs, "Result_Lane", c % Lanes);
                Set(layout, inputs, "Result_Index", c / Lanes);
                Set(layout, inputs, "Result_Sum", Results[c].Sum);
                Set(layout, inputs, "Result_Root", Results[c].Reciprocal.Root);
                Set(layout, inputs, "Result_HalfShift", Results[c].Reciprocal.HalfShift);
                Set(layout, inputs, "ChannelWrite", 1);
                Set(layout, inputs, "ChannelLane", c % Lanes);
                Set(layout, inputs, "ChannelIndex", c / Lanes);
                Set(layout, inputs, "ChannelGain", Entries[c].Gain);
                Set(layout, inputs, "ChannelOffset", Entries[c].Offset);
                Set(layout, inputs, "ChannelShift", Entries[c].Shift);
                Set(layout, inputs, "ChannelExponent", Exponents[c]);
                return;
            }
            if (cycle < 4 + Channels)
                return;
            Set(layout, inputs, "InValid", random.Next(4) > 0 ? 1 : 0);
            Set(layout, inputs, "OutReady", random.Next(5) > 0 ? 1 : 0);
            var index = random.Next(Channels / Lanes);
            Set(layout, inputs, "Index", index);
            for (var l = 0; l < Lanes; l++)
            {
                var levels = Levels[(index * Lanes) + l];
                Set(layout, inputs, $"X_{l}", levels[random.Next(levels.Length)]);
            }
        }

        public void Observe(long cycle, ReadOnlySpan<ulong> inputs, ReadOnlySpan<ulong> outputs)
        {
            var advance = inputs[layout.Input("OutReady").Offset] != 0;
            if (advance && inputs[layout.Input("InValid").Offset] != 0)
            {
                var x = new sbyte[Lanes];
                for (var l = 0; l < Lanes; l++)
                    x[l] = (sbyte)inputs[layout.Input($"X_{l}").Offset];
                Taken.Add(((int)inputs[layout.Input("Index").Offset], x));
            }
            if (advance && outputs[layout.Output("OutValid").Offset] != 0)
            {
                var y = new sbyte[Lanes];
                for (var l = 0; l < Lanes; l++)
                    y[l] = (sbyte)outputs[layout.Output($"Y_{l}").Offset];
                Given.Add(y);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3000)]
    [InlineData(1 << 20)]
    public async Task The_normalize_pipeline_equals_the_integer_GroupNorm_value_by_value(int count)
    {
        var model = await VerilatorBuild.For(HdlFlow.For(() => new GroupNormApplyUnit(Lanes, Channels)).Run()).BuildAsync();
        var bench = new ApplyBench(model.Layout, count);
        await Cosimulation.Of(model).WithStimulus(bench).WithObserver(bench).WithCycles(20_000).RunAsync();
        Assert.True(bench.Given.Count > 10_000, $"{bench.Given.Count} beats");
        for (var i = 0; i < bench.Given.Count; i++)
        {
            var (index, x) = bench.Taken[i];
            for (var l = 0; l < Lanes; l++)
            {
                var c = (index * Lanes) + l;
                var (sum, reciprocal) = bench.Results[c];
                Assert.Equal(IntegerGroupNorm.Apply(x[l], new GroupStatistics(count, sum, 0), reciprocal, bench.Entries[c], bench.Exponents[c]), bench.Given[i][l]);
            }
        }
    }
}
