using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// The vector engine's collector alone, on the IR simulator: beats offered at random, writes granted at
/// random; every row written once, in order, at <c>Dst + pixel x DstStride + block</c>, holding the
/// beats in the order they were taken, and the last-row pulse with the last write only.
/// </summary>
public sealed class VectorCollectorTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void Rows_are_packed_from_beats_and_written_at_the_destination_pattern(int lanes)
    {
        var config = Presets.Small with { VectorLanes = lanes };
        var dut = new VectorCollector(config);
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var random = new Random(lanes);
        var actBits = Hw.BitsFor(config.ActivationRows);
        var rowBeats = config.Tn / lanes;
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        var rowsChecked = 0;
        for (var run = 0; run < 30; run++)
        {
            var (pixels, blocks) = (random.Next(1, 6), random.Next(1, 4));
            var destination = random.Next(0, config.ActivationRows);
            var stride = random.Next(0, 3) == 0 ? random.Next(0, config.ActivationRows) : random.Next(blocks, 2 * blocks + 1);
            sim.Poke(dut.Destination, (ulong)destination);
            sim.Poke(dut.DestinationStride, (ulong)stride);
            sim.Poke(dut.BlocksLast, (ulong)(blocks - 1));
            sim.Poke(dut.PixelsLast, (ulong)(pixels - 1));
            sim.Poke(dut.WritesRows, true);
            sim.Poke(dut.Start, true);
            sim.Poke(dut.InValid, false);
            sim.Tick();
            sim.Poke(dut.Start, false);

            var beats = new List<sbyte[]>();
            var rows = new List<(long Address, sbyte[] Data, bool Last)>();
            var next = 0;
            for (var cycle = 0; cycle < 50 * pixels * blocks * rowBeats && rows.Count < pixels * blocks; cycle++)
            {
                var offered = next < pixels * blocks * rowBeats && random.Next(3) > 0;
                var beat = Enumerable.Range(0, lanes).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
                sim.Poke(dut.InValid, offered);
                for (var l = 0; l < lanes; l++)
                    sim.Poke(dut.InBeat[l], (ulong)(byte)beat[l]);
                var granted = random.Next(4) > 0;
                sim.Poke(dut.WriteGranted, granted);
                sim.Eval();
                if (sim.Peek(dut.WriteValid) && granted)
                    rows.Add(((long)sim.Peek(dut.WriteAddress), [.. Enumerable.Range(0, config.Tn).Select(n => (sbyte)sim.Peek(dut.WriteData[n]))], sim.Peek(dut.LastWritten)));
                else
                    Assert.False(sim.Peek(dut.LastWritten), $"run {run}, cycle {cycle}: the last-row pulse without a write");
                if (offered && sim.Peek(dut.InReady))
                {
                    beats.Add(beat);
                    next++;
                }
                sim.Tick();
            }
            Assert.Equal(pixels * blocks, rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                var (pixel, block) = (r / blocks, r % blocks);
                Assert.Equal((destination + ((long)pixel * stride) + block) & ((1L << actBits) - 1), rows[r].Address);
                Assert.Equal(beats.Skip(r * rowBeats).Take(rowBeats).SelectMany(b => b), rows[r].Data);
                Assert.Equal(r == rows.Count - 1, rows[r].Last);
            }
            rowsChecked += rows.Count;
        }
        Assert.True(rowsChecked > 100, $"{rowsChecked} rows");
    }
}
