using System.Numerics;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// The CONV walker alone, on the IR simulator, against a C# enumeration of the terms a CONV is made
/// of: random shapes (1x1 and 3x3, stride 2, upsampling, padding offsets), random read grants and a
/// late weight bank; every issued term's tags, and the address of every term inside the grid, compared.
/// </summary>
public sealed class ConvWalkerTests
{
    private static readonly AcceleratorConfig Config = Presets.Small;

    private sealed record Term(long Weight, bool First, bool Last, long Acc, long Out, long Lane, long Block, bool Final, bool Inside, long Address, long Neighbour);

    /// <summary>The terms of <paramref name="c"/> in the walker's order, from the instruction's definition in docs/isa.md.</summary>
    private static List<Term> Golden(Conv c)
    {
        long Mod(long value, int bits) => value & ((1L << bits) - 1);
        int actBits = Hw.BitsFor(Config.ActivationRows), accBits = Hw.BitsFor(Config.AccumulatorRows), weightBits = Hw.BitsFor(Config.WeightRows);
        var k = c.Kernel3x3 ? 3 : 1;
        var (gridRows, gridCols) = c.Upsample ? (2 * c.InRows, 2 * c.InCols) : (c.InRows, c.InCols);
        var terms = new List<Term>();
        for (var co = 0; co < c.CoutBlocks; co++)
        {
            var block = c.CoutBase + co;
            for (var oy = 0; oy < c.OutRows; oy++)
            {
                for (var ox = 0; ox < c.OutCols; ox++)
                {
                    var pixel = (oy * c.OutCols) + ox;
                    var weight = (long)co * k * k * c.CinBlocks;
                    for (var ky = 0; ky < k; ky++)
                    {
                        for (var kx = 0; kx < k; kx++)
                        {
                            for (var ci = 0; ci < c.CinBlocks; ci++)
                            {
                                var gy = (c.Stride2 ? 2 * oy : oy) + ky + c.RowOffset;
                                var gx = (c.Stride2 ? 2 * ox : ox) + kx + c.ColOffset;
                                // The walker reads as a group in the middle of its run would: a row outside its own from a neighbour.
                                var held = gx >= 0 && gx < gridCols ? ConvHalo.Source(c with { HaloGroups = c.HaloGroups == 0 ? 0 : 3 }, 1, 3, gy, gridRows) : null;
                                var inside = held is not null;
                                var row = held?.Row ?? gy;
                                var neighbour = held is { Group: 0 } ? ConvWalker.FromAbove : held is { Group: 2 } ? ConvWalker.FromBelow : ConvWalker.FromOwn;
                                var (sy, sx) = c.Upsample ? (row >> 1, gx >> 1) : (row, gx);
                                var address = (long)c.InRow + ((long)sy * c.InCols * c.InPixelStride) + ((long)sx * c.InPixelStride) + ci;
                                var first = ky == 0 && kx == 0 && ci == 0;
                                var last = ky == k - 1 && kx == k - 1 && ci == c.CinBlocks - 1;
                                var final = last && co == c.CoutBlocks - 1 && oy == c.OutRows - 1 && ox == c.OutCols - 1;
                                terms.Add(new Term(
                                    Mod(weight++, weightBits), first, last,
                                    Mod(c.AccRow + ((long)pixel * c.CoutBlocks) + co, accBits),
                                    Mod(c.OutRow + ((long)pixel * c.OutPixelStride) + ((long)block * Config.Tm / Config.Tn), actBits),
                                    Mod((long)block * Config.Tm, ConvWalker.LaneBits(Config)),
                                    Mod(block, Hw.BitsFor(Config.ChannelsPerLane)),
                                    final, inside, inside ? Mod(address, actBits) : -1, inside ? neighbour : -1));
                            }
                        }
                    }
                }
            }
        }
        return terms;
    }

    private static Conv RandomConv(Random random)
    {
        var upsample = random.Next(4) == 0;
        var kernel3 = random.Next(3) > 0;
        return new Conv
        {
            GroupMask = 1,
            Kernel3x3 = kernel3,
            Stride2 = !upsample && random.Next(3) == 0,
            Upsample = upsample,
            InRows = random.Next(1, 6),
            InCols = random.Next(1, 6),
            OutRows = random.Next(1, 5),
            OutCols = random.Next(1, 5),
            RowOffset = kernel3 ? random.Next(-1, 1) : 0,
            HaloGroups = kernel3 ? random.Next(0, 3) : 0,
            ColOffset = kernel3 ? random.Next(-1, 1) : 0,
            CinBlocks = random.Next(1, 4),
            CoutBlocks = random.Next(1, 4),
            CoutBase = random.Next(0, 3),
            InRow = random.Next(0, 200),
            InPixelStride = random.Next(0, 4),
            OutRow = random.Next(0, 200),
            OutPixelStride = random.Next(1, 4),
            AccRow = random.Next(0, 50),
        };
    }

    [Fact]
    public void The_walker_issues_every_term_of_random_CONVs_in_order_with_its_tags_and_address()
    {
        var dut = new ConvWalker(Config);
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var random = new Random(29);
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        var checkedTerms = 0;
        for (var run = 0; run < 60; run++)
        {
            var conv = RandomConv(random);
            var expected = Golden(conv);
            sim.Poke(dut.Instruction, new BigInteger(InstructionSet.Encode(conv), isUnsigned: true));
            sim.Poke(dut.Start, true);
            sim.Poke(dut.WeightValid, false);
            sim.Tick();
            sim.Poke(dut.Start, false);
            var bankAt = random.Next(0, 6);
            var issued = new List<Term>();
            for (var cycle = 0; cycle < 20 * expected.Count + 50 && (issued.Count == 0 || !issued[^1].Final); cycle++)
            {
                sim.Poke(dut.WeightValid, cycle >= bankAt);
                sim.Poke(dut.ReadGranted, random.Next(10) < 7);
                sim.Eval();
                if (sim.Peek(dut.Issue))
                {
                    var inside = sim.Peek(dut.Inside);
                    Assert.Equal(inside, sim.Peek(dut.ReadValid));
                    var t = dut.Term;
                    issued.Add(new Term((long)sim.Peek(t.Weight), sim.Peek(t.First), sim.Peek(t.Last), (long)sim.Peek(t.Pixel.Acc), (long)sim.Peek(t.Pixel.Out), (long)sim.Peek(t.Pixel.Lane), (long)sim.Peek(t.Pixel.Block), sim.Peek(t.Final), inside, inside ? (long)sim.Peek(dut.ReadAddress) : -1, inside ? (long)sim.Peek(dut.Neighbour) : -1));
                }
                else
                {
                    Assert.True(!sim.Peek(dut.ReadValid) || !sim.Peek(dut.ReadGranted), $"run {run}, cycle {cycle}: a granted read that does not issue");
                }
                sim.Tick();
            }
            Assert.True(expected.Count == issued.Count, $"run {run} ({conv}): {issued.Count} terms issued, {expected.Count} expected");
            for (var i = 0; i < expected.Count; i++)
                Assert.True(expected[i] == issued[i], $"run {run} ({conv}), term {i}: {issued[i]}, expected {expected[i]}");
            checkedTerms += expected.Count;
            // Nothing issues after the last term.
            sim.Eval();
            Assert.False(sim.Peek(dut.Issue));
        }
        Assert.True(checkedTerms > 2_000, $"{checkedTerms} terms");
    }
}
