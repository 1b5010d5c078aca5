using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Accelerator.Vector;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// GN_FINISH's walk alone, on the IR simulator, with a C# statistics table that answers its reads a
/// cycle later: random tensors (channels, groups, pixels, per-channel exponents 0 .. 4, edge values
/// -128 and 127), every channel's written result against <see cref="IntegerGroupNorm.ReciprocalSqrt"/>
/// of its group's statistics.
/// </summary>
public sealed class GroupNormFinishWalkTests
{
    private static readonly AcceleratorConfig Config = Presets.Small with { VectorLanes = 4 };

    [Fact]
    public void Every_channel_gets_its_groups_sum_and_reciprocal_square_root()
    {
        var dut = new GroupNormFinishWalk(Config);
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var random = new Random(31);
        var lanes = Config.VectorLanes;
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        var channelsChecked = 0;
        for (var run = 0; run < 12; run++)
        {
            int[] perGroupChoices = [1, 2, 4, 8];
            var channelsPerGroup = perGroupChoices[random.Next(perGroupChoices.Length)];
            var channels = channelsPerGroup * random.Next(1, (Config.MaxChannels / channelsPerGroup) + 1);
            var pixels = random.Next(1, 40);
            var extreme = run % 3 == 2;
            var exponents = Enumerable.Range(0, channels).Select(_ => run % 2 == 0 ? 0 : random.Next(0, SplitConcat.MaxSteps + 1)).ToArray();
            var statistics = Enumerable.Range(0, channels).Select(c =>
            {
                var values = Enumerable.Range(0, pixels).Select(_ => (sbyte)(extreme ? (random.Next(2) == 0 ? -128 : 127) : random.Next(-128, 128))).ToArray();
                return GroupStatistics.Of(values);
            }).ToArray();
            var epsilon = (long)random.Next(1, 5000);

            // LOAD_TABLE's exponents, one channel a cycle.
            for (var c = 0; c < channels; c++)
            {
                sim.Poke(dut.ExponentWrite, true);
                sim.Poke(dut.ExponentChannel, (ulong)c);
                sim.Poke(dut.ExponentValue, (ulong)exponents[c]);
                sim.Tick();
            }
            sim.Poke(dut.ExponentWrite, false);
            sim.Poke(dut.Channels, (ulong)channels);
            sim.Poke(dut.ChannelsPerGroup, (ulong)channelsPerGroup);
            sim.Poke(dut.Count, (ulong)(channelsPerGroup * pixels));
            sim.Poke(dut.EpsilonTerm, (ulong)epsilon);
            sim.Poke(dut.Start, true);
            sim.Tick();
            sim.Poke(dut.Start, false);

            var results = new Dictionary<int, (long Sum, long Root, int HalfShift)>();
            GroupStatistics? pending = null;
            var done = false;
            for (var cycle = 0; cycle < (channels * 4) + ((channels / channelsPerGroup) * 200) && !done; cycle++)
            {
                // The statistics table's read port: last cycle's row and lane, one cycle later.
                var answer = pending ?? default;
                sim.Poke(dut.ReadSum, (ulong)answer.Sum & ((1UL << ReciprocalSqrtUnit.ChannelSumBits) - 1));
                sim.Poke(dut.ReadSquares, (ulong)answer.SumOfSquares);
                sim.Eval();
                var read = ((int)sim.Peek(dut.StatisticsIndex) * Config.Tn) + (int)sim.Peek(dut.StatisticsLane);
                pending = read < channels ? statistics[read] : default;
                if (sim.Peek(dut.Result.Write))
                {
                    var channel = ((int)sim.Peek(dut.Result.Index) * lanes) + (int)sim.Peek(dut.Result.Lane);
                    results[channel] = (sim.Peek(dut.Result.Sum), (long)sim.Peek(dut.Result.Root), (int)sim.Peek(dut.Result.HalfShift));
                }
                done = sim.Peek(dut.Done);
                sim.Tick();
            }
            Assert.True(done, $"run {run}: GN_FINISH of {channels} channels did not finish");
            for (var c = 0; c < channels; c++)
            {
                var first = c / channelsPerGroup * channelsPerGroup;
                var group = Enumerable.Range(first, channelsPerGroup)
                    .Select(k => new GroupStatistics(pixels, statistics[k].Sum << exponents[k], statistics[k].SumOfSquares << (2 * exponents[k])))
                    .Aggregate((a, b) => a + b);
                var (root, halfShift) = IntegerGroupNorm.ReciprocalSqrt(group, epsilon);
                Assert.True(results.TryGetValue(c, out var got), $"run {run}: channel {c} of {channels} got no result");
                Assert.True((group.Sum, root, halfShift) == got, $"run {run}, channel {c} (exponent {exponents[c]}): got {got}, expected ({group.Sum}, {root}, {halfShift})");
            }
            channelsChecked += channels;
        }
        Assert.True(channelsChecked > 300, $"{channelsChecked} channels");
    }
}
