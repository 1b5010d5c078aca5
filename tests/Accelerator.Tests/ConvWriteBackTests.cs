using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Goldens;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// The compute engine's parts around the PE groups, each alone on the IR simulator against C# models
/// built from the parts' goldens: the feed (padding, pad value, exponents, the term's valid and clear)
/// and one group's write-back (accumulator bank, requantizer, the block repeated across the row).
/// Every output compared every cycle.
/// </summary>
public sealed class ConvWriteBackTests
{
    private static readonly AcceleratorConfig Config = Presets.Small;

    [Fact]
    public void The_feed_pads_outside_terms_and_registers_the_term_and_the_exponent()
    {
        var dut = new PeArrayFeed(Config);
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var random = new Random(291);
        var width = Config.Groups * Config.Tn;
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        // The model's registers, reset as the hardware's are.
        sbyte padValue = 0, padTerm = 0;
        int exponentA = 0, exponentB = 0, exponent = 0;
        bool valid = false, clear = false, outside = false;
        var compared = 0;
        for (var cycle = 0; cycle < 4000; cycle++)
        {
            var (padWith, slot) = (random.Next(2) == 0, random.Next(4));
            var (issue, first, inside) = (random.Next(3) > 0, random.Next(3) == 0, random.Next(4) > 0);
            var data = Enumerable.Range(0, width).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
            var (padWrite, newPad) = (random.Next(20) == 0, (sbyte)random.Next(-128, 128));
            var (exponentWrite, newA, newB) = (random.Next(20) == 0, random.Next(8), random.Next(8));
            sim.Poke(dut.PadWithZeroPoint, padWith);
            sim.Poke(dut.ExponentSlot, (ulong)slot);
            sim.Poke(dut.Issue, issue);
            sim.Poke(dut.First, first);
            sim.Poke(dut.Inside, inside);
            for (var i = 0; i < width; i++)
                sim.Poke(dut.ActData[i], (ulong)(byte)data[i]);
            sim.Poke(dut.PadWrite, padWrite);
            sim.Poke(dut.PadValue, (ulong)(byte)newPad);
            sim.Poke(dut.ExponentWrite, exponentWrite);
            sim.Poke(dut.ExponentA, (ulong)newA);
            sim.Poke(dut.ExponentB, (ulong)newB);
            sim.Eval();
            if (cycle > 0)
            {
                Assert.Equal(valid, sim.Peek(dut.Valid));
                Assert.Equal(clear, sim.Peek(dut.Clear));
                Assert.Equal((ulong)exponent, sim.Peek(dut.Exponent));
                for (var i = 0; i < width; i++)
                    Assert.True((sbyte)sim.Peek(dut.Acts[i]) == (outside ? padTerm : data[i]), $"cycle {cycle}, element {i}");
                compared += width + 3;
            }
            padTerm = padWith ? padValue : (sbyte)0;
            exponent = slot switch { 1 => exponentA, 2 => exponentB, _ => 0 };
            (valid, clear, outside) = (issue, first, !inside);
            if (padWrite)
                padValue = newPad;
            if (exponentWrite)
                (exponentA, exponentB) = (newA, newB);
            sim.Tick();
        }
        Assert.True(compared > 50_000, $"{compared} words");
    }

    [Fact]
    public void A_groups_write_back_stores_adds_and_requantizes_like_its_bank_and_requantizer()
    {
        var dut = new ConvWriteBack(Config);
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var random = new Random(292);
        int tm = Config.Tm, tn = Config.Tn;
        var bank = new AccumulatorBankGolden(tm, Config.AccumulatorRows);
        var requantizer = new RequantizerGolden(Config);
        var accRows = Math.Min(Config.AccumulatorRows, 8);
        var mode = ConvOutput.Requantize;
        var compared = 0;
        var modes = new HashSet<ConvOutput>();
        for (var cycle = 0; cycle < 20_000; cycle++)
        {
            var reset = cycle < 2 || random.Next(3000) == 0;
            if (cycle % 500 == 0)
                mode = (ConvOutput)random.Next(4);
            var selected = random.Next(5) > 0;
            var exponent = random.Next(4) == 0 ? random.Next(1 << SplitConcat.ExponentBits) : 0;
            var sums = Enumerable.Range(0, tm).Select(_ => random.Next(6) switch
            {
                0 => int.MinValue,
                1 => int.MaxValue,
                2 => random.Next(-3, 4),
                _ => random.Next(int.MinValue, int.MaxValue),
            }).ToArray();
            var (sumLast, sumAcc, sumBlock) = (random.Next(3) > 0, random.Next(accRows), random.Next(Config.ChannelsPerLane));
            var (bankSumLast, bankSumBlock) = (random.Next(3) > 0, random.Next(Config.ChannelsPerLane));
            var (slot, readAddress) = (random.Next(1 << Config.RequantizerSlotBits), random.Next(accRows));
            var write = random.Next(3) == 0;
            var entry = (Lane: random.Next(tm), Slot: random.Next(1 << Config.RequantizerSlotBits), Block: random.Next(Config.ChannelsPerLane),
                Parameters: random.Next(4) == 0 ? new RequantParameters(0, 1, 1) : new RequantParameters(random.Next(-1000, 1000), random.Next(1 << 16), random.Next(20, 49)));

            sim.Poke("rst", reset ? 1UL : 0UL);
            sim.Poke(dut.Mode, (ulong)mode);
            sim.Poke(dut.Selected, selected);
            sim.Poke(dut.Exponent, (ulong)exponent);
            for (var m = 0; m < tm; m++)
                sim.Poke(dut.Sums[m], (ulong)(uint)sums[m]);
            sim.Poke(dut.SumLast, sumLast);
            sim.Poke(dut.SumAcc, (ulong)sumAcc);
            sim.Poke(dut.SumBlock, (ulong)sumBlock);
            sim.Poke(dut.BankSumLast, bankSumLast);
            sim.Poke(dut.BankSumBlock, (ulong)bankSumBlock);
            sim.Poke(dut.Slot, (ulong)slot);
            sim.Poke(dut.AccReadAddress, (ulong)readAddress);
            sim.Poke(dut.Table.Write, write);
            sim.Poke(dut.Table.Lane, (ulong)entry.Lane);
            sim.Poke(dut.Table.Slot, (ulong)entry.Slot);
            sim.Poke(dut.Table.ChannelBlock, (ulong)entry.Block);
            sim.Poke(dut.Table.Bias, (ulong)(uint)entry.Parameters.Bias);
            sim.Poke(dut.Table.Multiplier, (ulong)entry.Parameters.Multiplier);
            sim.Poke(dut.Table.Shift, (ulong)entry.Parameters.Shift);
            sim.Eval();
            if (cycle > 2)
            {
                for (var n = 0; n < tn; n++)
                    Assert.True((sbyte)sim.Peek(dut.Row[n]) == requantizer.Quantized[n % tm], $"cycle {cycle} ({mode}), row byte {n}");
                for (var m = 0; m < tm; m++)
                    Assert.True((int)(uint)sim.Peek(dut.AccReadData[m]) == bank.ReadData[m], $"cycle {cycle} ({mode}), accumulator lane {m}");
                compared += tn + tm;
                modes.Add(mode);
            }

            var shifted = sums.Select(s => unchecked((int)((long)s << exponent))).ToArray();
            var fromBank = mode == ConvOutput.AccumulatorAddRequantize;
            var direct = mode == ConvOutput.Requantize;
            requantizer.Tick(
                fromBank ? bankSumLast && bank.SumValid : sumLast && direct,
                fromBank ? bank.Sum : shifted,
                fromBank ? bankSumBlock : sumBlock,
                slot,
                write ? (entry.Lane, entry.Slot, entry.Block, entry.Parameters) : null,
                reset);
            bank.Tick(sumLast && !direct && selected, mode == ConvOutput.AccumulatorStore, sumAcc, shifted, readAddress, reset);
            sim.Tick();
        }
        Assert.Equal(4, modes.Count);
        Assert.True(compared > 200_000, $"{compared} words");
    }
}
