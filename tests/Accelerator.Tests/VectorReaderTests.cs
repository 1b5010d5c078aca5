using System.Numerics;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// The vector engine's reader and splitter, each alone on the IR simulator: the reader walks random
/// single-operand, two-operand and SOFTMAX instructions under random read grants, a random consumer
/// and random pauses of SOFTMAX's sum and probability reads, and every row it queues is compared with the row the
/// walk's definition names; the splitter cuts random rows into beats under random back-pressure.
/// </summary>
public sealed class VectorReaderTests
{
    private enum Walk
    {
        OneOperand,
        TwoOperands,
        Softmax,
    }

    private static readonly AcceleratorConfig Config = Presets.Small;

    private static byte Byte(int group, long address, int n) => (byte)((group * 97) + (address * 31) + (n * 7) + (address >> 3));

    private static uint Word(int group, long address, int m) => (uint)((group * 0x01000193) ^ (address * 0x9E3779B1) ^ (m * 0x85EBCA6B));

    private static BigInteger Bytes(int group, long address) => Enumerable.Range(0, Config.Tn).Aggregate(BigInteger.Zero, (row, n) => row | ((BigInteger)Byte(group, address, n) << (8 * n)));

    private sealed record Row(BigInteger Data, long Block, bool First, long Pass, bool PassStart, bool RowOdd);

    [Fact]
    public void The_reader_queues_every_source_row_of_random_walks_in_order()
    {
        var dut = new VectorReader(Config);
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var random = new Random(293);
        int groups = Config.Groups, tn = Config.Tn, tm = Config.Tm;
        int actBits = Hw.BitsFor(Config.ActivationRows), accBits = Hw.BitsFor(Config.AccumulatorRows);
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        var rowsChecked = 0;
        var walks = new HashSet<Walk>();
        for (var run = 0; run < 45; run++)
        {
            var walk = (Walk)(run % 3);
            var group = random.Next(groups);
            var (pixels, blocks) = (random.Next(1, 5), random.Next(1, 4));
            var (source, sourceB, stride) = (random.Next(Config.ActivationRows), random.Next(Config.ActivationRows), random.Next(0, 6));
            var (accSource, accRows) = (random.Next(Config.AccumulatorRows), random.Next(1, 4));
            var expected = new List<Row>();
            void Pass(int p, int pass)
            {
                for (var k = 0; k < accRows; k++)
                {
                    var address = (accSource + ((long)p * accRows) + k) & ((1L << accBits) - 1);
                    var data = Enumerable.Range(0, tm).Aggregate(BigInteger.Zero, (row, m) => row | ((BigInteger)Word(group, address, m) << (32 * m)));
                    expected.Add(new Row(data, k, p == 0, pass, k == 0, p % 2 == 1));
                }
            }
            if (walk == Walk.Softmax)
            {
                // Row p's maximum and sum, then row p - 1's probabilities; the last row's probabilities at the end.
                for (var p = 0; p <= pixels; p++)
                {
                    if (p < pixels)
                    {
                        Pass(p, 0);
                        Pass(p, 1);
                    }
                    if (p > 0)
                        Pass(p - 1, 2);
                }
            }
            for (var p = 0; p < pixels && walk != Walk.Softmax; p++)
            {
                for (var b = 0; b < blocks; b++)
                {
                    var a = (source + ((long)p * stride) + b) & ((1L << actBits) - 1);
                    var second = (sourceB + ((long)p * stride) + b) & ((1L << actBits) - 1);
                    var data = walk == Walk.TwoOperands ? (Bytes(group, second) << (8 * tn)) | Bytes(group, a) : Bytes(group, a);
                    expected.Add(new Row(data, b, p == 0, 0, b == 0, false));
                }
            }

            sim.Poke(dut.Reads, true);
            sim.Poke(dut.FromAccumulators, walk == Walk.Softmax);
            sim.Poke(dut.TwoOperands, walk == Walk.TwoOperands);
            sim.Poke(dut.Group, (ulong)group);
            sim.Poke(dut.Source, (ulong)source);
            sim.Poke(dut.SourceB, (ulong)sourceB);
            sim.Poke(dut.SourceStride, (ulong)stride);
            sim.Poke(dut.AccSource, (ulong)accSource);
            sim.Poke(dut.AccRowsPerRow, (ulong)accRows);
            sim.Poke(dut.BlocksLast, (ulong)((walk == Walk.Softmax ? 1 : blocks) - 1));
            sim.Poke(dut.PixelsLast, (ulong)(pixels - 1));
            sim.Poke(dut.AccRowsLast, (ulong)(accRows - 1));
            sim.Poke(dut.Start, true);
            sim.Tick();
            sim.Poke(dut.Start, false);

            var taken = new List<(Row Row, bool Last)>();
            var (sumPasses, probabilityPasses) = (0, 0);
            var (readAddress, accAddress) = (0L, 0L);
            for (var cycle = 0; cycle < 40 * expected.Count && taken.Count < expected.Count; cycle++)
            {
                // Every group's row at the address of the previous cycle, as the buffers answer.
                for (var g = 0; g < groups; g++)
                {
                    for (var n = 0; n < tn; n++)
                        sim.Poke(dut.ReadData[(g * tn) + n], Byte(g, readAddress, n));
                    for (var m = 0; m < tm; m++)
                        sim.Poke(dut.AccReadData[(g * tm) + m], Word(g, accAddress, m));
                }
                var granted = random.Next(4) > 0;
                var ready = random.Next(3) > 0;
                sim.Poke(dut.Read.Granted, granted);
                sim.Poke(dut.SumAllowed, random.Next(5) > 0);
                sim.Poke(dut.ProbabilitiesAllowed, random.Next(5) > 0);
                sim.Poke(dut.Rows.Ready, ready);
                sim.Eval();
                if (sim.Peek(dut.Read.Valid))
                    Assert.Equal((ulong)group, sim.Peek(dut.Read.Group));
                if (sim.Peek(dut.Rows.Valid) && ready)
                {
                    var head = dut.Rows.Payload;
                    var pass = (long)sim.Peek(head.Pass);
                    taken.Add((new Row(sim.PeekWide(head.Data), (long)sim.Peek(head.Block), sim.Peek(head.First), pass, sim.Peek(head.PassStart), walk == Walk.Softmax && sim.Peek(head.RowOdd)), sim.Peek(dut.LastRow)));
                }
                if (sim.Peek(dut.SumPassRead))
                    sumPasses++;
                if (sim.Peek(dut.ProbabilityRowRead))
                    probabilityPasses++;
                (readAddress, accAddress) = ((long)sim.Peek(dut.Read.Address), (long)sim.Peek(dut.AccReadAddress));
                sim.Tick();
            }
            Assert.True(expected.Count == taken.Count, $"run {run} ({walk}): {taken.Count} rows, {expected.Count} expected");
            for (var r = 0; r < expected.Count; r++)
            {
                Assert.True(expected[r] == taken[r].Row, $"run {run} ({walk}), row {r}: {taken[r].Row}, expected {expected[r]}");
                Assert.True(taken[r].Last == (r == expected.Count - 1), $"run {run} ({walk}), row {r}: the last-row flag is {taken[r].Last}");
            }
            Assert.Equal(walk == Walk.Softmax ? pixels : 0, sumPasses);
            Assert.Equal(walk == Walk.Softmax ? pixels : 0, probabilityPasses);
            for (var cycle = 0; cycle < 5; cycle++)
            {
                sim.Eval();
                Assert.False(sim.Peek(dut.Rows.Valid), $"run {run}: a row after the walk");
                sim.Tick();
            }
            rowsChecked += taken.Count;
            walks.Add(walk);
        }
        Assert.Equal(3, walks.Count);
        Assert.True(rowsChecked > 300, $"{rowsChecked} rows");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(2)]
    public void The_splitter_cuts_each_row_into_beats_of_lanes(int lanes)
    {
        var config = Presets.Small with { VectorLanes = lanes };
        var dut = new VectorSplitter(config);
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var random = new Random(294 + lanes);
        var dataBits = VectorReader.DataBits(config);
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        var beatsChecked = 0;
        for (var run = 0; run < 40; run++)
        {
            var scores = run % 2 == 1;
            var beatsPerRow = (scores ? config.Tm : config.Tn) / lanes;
            var rows = Enumerable.Range(0, random.Next(1, 8)).Select(_ => new BigInteger(Enumerable.Range(0, (dataBits / 8) + 1).Select(i => i < dataBits / 8 ? (byte)random.Next(256) : (byte)0).ToArray())).ToList();
            sim.Poke(dut.Scores, scores);
            sim.Poke(dut.Restart, true);
            sim.Tick();
            sim.Poke(dut.Restart, false);
            var (row, beat) = (0, 0);
            for (var cycle = 0; cycle < 100 * rows.Count * beatsPerRow && row < rows.Count; cycle++)
            {
                var (valid, running, ready) = (random.Next(4) > 0, random.Next(6) > 0, random.Next(3) > 0);
                sim.Poke(dut.Rows.Valid, valid);
                sim.Poke(dut.Rows.Payload.Data, rows[row]);
                sim.Poke(dut.Running, running);
                sim.Poke(dut.UnitReady, ready);
                sim.Eval();
                Assert.Equal(valid && running, sim.Peek(dut.Valid));
                Assert.Equal(valid && running && ready, sim.Peek(dut.Taken));
                Assert.Equal((ulong)beat, sim.Peek(dut.Beat));
                Assert.Equal(beat == beatsPerRow - 1, sim.Peek(dut.LastBeat));
                for (var l = 0; l < lanes; l++)
                {
                    var element = (beat * lanes) + l;
                    if (scores)
                    {
                        Assert.Equal((uint)((rows[row] >> (32 * element)) & uint.MaxValue), (uint)sim.Peek(dut.Score[l]));
                    }
                    else
                    {
                        Assert.Equal((byte)((rows[row] >> (8 * element)) & 0xFF), (byte)sim.Peek(dut.A[l]));
                        Assert.Equal((byte)((rows[row] >> (8 * (element + config.Tn))) & 0xFF), (byte)sim.Peek(dut.B[l]));
                    }
                }
                var leaves = valid && running && ready && beat == beatsPerRow - 1;
                Assert.Equal(leaves, sim.Peek(dut.Rows.Ready));
                if (valid && running && ready)
                {
                    beatsChecked++;
                    beat = leaves ? 0 : beat + 1;
                    row += leaves ? 1 : 0;
                }
                sim.Tick();
            }
            Assert.Equal(rows.Count, row);
        }
        Assert.True(beatsChecked > 200, $"{beatsChecked} beats");
    }
}
