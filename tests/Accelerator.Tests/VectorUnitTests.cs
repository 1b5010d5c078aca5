using DiffAcc.Accelerator.Goldens;
using DiffAcc.Accelerator.Vector;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;
using DiffAcc.Sim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Accelerator.Tests;

/// <summary>The vector unit's blocks under Verilator against the Numerics goldens, every output word of every cycle.</summary>
public sealed class VectorUnitTests
{
    private const int Lanes = 4;

    /// <summary>Reads and writes ports by name; 8-bit values travel as their two's-complement byte.</summary>
    private sealed class Ports(PortLayout layout)
    {
        public long In(ReadOnlySpan<ulong> inputs, string name) => (long)inputs[layout.Input(name).Offset];

        public sbyte InS8(ReadOnlySpan<ulong> inputs, string name) => (sbyte)inputs[layout.Input(name).Offset];

        public bool InBit(ReadOnlySpan<ulong> inputs, string name) => inputs[layout.Input(name).Offset] != 0;

        public void Out(Span<ulong> outputs, string name, long value)
        {
            var width = layout.Output(name).Width;
            outputs[layout.Output(name).Offset] = (ulong)value & (width >= 64 ? ulong.MaxValue : (1UL << width) - 1);
        }

        public void Set(Span<ulong> inputs, string name, long value)
        {
            var width = layout.Input(name).Width;
            inputs[layout.Input(name).Offset] = (ulong)value & (width >= 64 ? ulong.MaxValue : (1UL << width) - 1);
        }
    }

    /// <summary>
    /// A controller written out ahead of time, one input record per cycle, for the blocks whose
    /// protocol has passes and waits: resets, idle cycles, bubbles with garbage payload, and beats
    /// held through stalls until taken (a beat is taken in a cycle with OutReady).
    /// </summary>
    private sealed class ControllerScript(PortLayout layout, Action<ulong[], Random> garbage) : IStimulus
    {
        private readonly List<ulong[]> records = [];

        public Ports Ports { get; } = new(layout);

        public int Count => records.Count;

        public void Fill(long cycle, Span<ulong> inputs)
        {
            if (cycle < records.Count)
                records[(int)cycle].CopyTo(inputs);
        }

        public void Reset()
        {
            for (var i = 0; i < 2; i++)
            {
                var record = new ulong[layout.InputWords];
                Ports.Set(record, "rst", 1);
                records.Add(record);
            }
        }

        /// <summary>Cycles without a beat while the consumer is ready (the pipeline drains).</summary>
        public void Idle(int cycles)
        {
            for (var i = 0; i < cycles; i++)
                records.Add(IdleRecord());
        }

        /// <summary>One idle cycle with one input set, e.g. a command pulse.</summary>
        public void Pulse(string port, Action<ulong[]>? more = null)
        {
            var record = IdleRecord();
            Ports.Set(record, port, 1);
            more?.Invoke(record);
            records.Add(record);
        }

        /// <summary>Random bubbles, then the beat, repeated through stalls until it is taken.</summary>
        public void Beat(Random random, Action<ulong[]> fill)
        {
            while (random.Next(5) == 0)
            {
                var bubble = IdleRecord();
                Ports.Set(bubble, "OutReady", random.Next(2));
                garbage(bubble, random);
                records.Add(bubble);
            }
            while (true)
            {
                var beat = IdleRecord();
                var taken = random.Next(4) > 0;
                Ports.Set(beat, "OutReady", taken ? 1 : 0);
                Ports.Set(beat, "InValid", 1);
                fill(beat);
                records.Add(beat);
                if (taken)
                    break;
            }
        }

        private ulong[] IdleRecord()
        {
            var record = new ulong[layout.InputWords];
            Ports.Set(record, "OutReady", 1);
            return record;
        }
    }

    private sealed class ScaleAddModel(PortLayout layout) : ICycleModel
    {
        private readonly Ports ports = new(layout);
        private readonly ScaleAddGolden golden = new(Lanes);

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            for (var lane = 0; lane < Lanes; lane++)
                ports.Out(outputs, $"Y_{lane}", golden.Y[lane]);
            ports.Out(outputs, "OutValid", golden.OutValid ? 1 : 0);
            ports.Out(outputs, "InReady", ports.In(inputs, "OutReady"));
            var a = new sbyte[Lanes];
            var b = new sbyte[Lanes];
            for (var lane = 0; lane < Lanes; lane++)
            {
                a[lane] = ports.InS8(inputs, $"A_{lane}");
                b[lane] = ports.InS8(inputs, $"B_{lane}");
            }
            var parameters = new ResidualAdd((int)ports.In(inputs, "MultiplierA"), (int)ports.In(inputs, "MultiplierB"), (int)ports.In(inputs, "Shift"));
            golden.Tick(ports.InBit(inputs, "InValid"), a, b, parameters, ports.InBit(inputs, "OutReady"), ports.InBit(inputs, "rst"));
        }
    }

    /// <summary>Random operands and parameters, with phases of extremes (±128 operands, 65535 multipliers), ties (multiplier 1, shift 1), equal scales, b = 0 (concat), and stalls.</summary>
    private sealed class ScaleAddStimulus(PortLayout layout) : IStimulus
    {
        private readonly Ports ports = new(layout);
        private readonly Random random = new(7);

        public void Fill(long cycle, Span<ulong> inputs)
        {
            var phase = cycle / 250 % 5;
            for (var lane = 0; lane < Lanes; lane++)
            {
                ports.Set(inputs, $"A_{lane}", phase == 1 ? (random.Next(2) == 0 ? -128 : 127) : random.Next(-128, 128));
                ports.Set(inputs, $"B_{lane}", phase == 3 ? 0 : phase == 1 ? (random.Next(2) == 0 ? -128 : 127) : random.Next(-128, 128));
            }
            var (ma, mb, shift) = phase switch
            {
                1 => (65535, 65535, random.Next(0, 41)),
                2 => (1, random.Next(2), 1),
                4 => (1 << 15, 1 << 15, 15),
                _ => (random.Next(1 << 16), random.Next(1 << 16), random.Next(0, 41)),
            };
            ports.Set(inputs, "MultiplierA", ma);
            ports.Set(inputs, "MultiplierB", mb);
            ports.Set(inputs, "Shift", shift);
            ports.Set(inputs, "InValid", random.Next(6) > 0 ? 1 : 0);
            ports.Set(inputs, "OutReady", random.Next(5) > 0 ? 1 : 0);
            ports.Set(inputs, "rst", cycle < 2 || random.Next(1500) == 0 ? 1 : 0);
        }
    }

    [Fact]
    public async Task The_scale_add_unit_is_bit_exact_against_the_residual_add_numerics()
    {
        var design = HdlFlow.For(() => new ScaleAddUnit(Lanes)).Run();
        Assert.True(design.Succeeded, string.Join("\n", design.Diagnostics));
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model).WithStimulus(new ScaleAddStimulus(model.Layout)).WithModel(new ScaleAddModel(model.Layout)).WithCycles(20_000).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches.Take(3)));
        Assert.Equal(20_000L * (Lanes + 2), result.ComparedWords);
    }

    private const int Slots = 2;

    private sealed class ActivationTableModel(PortLayout layout) : ICycleModel
    {
        private readonly Ports ports = new(layout);
        private readonly ActivationTableGolden golden = new(Lanes, Slots);

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            for (var lane = 0; lane < Lanes; lane++)
                ports.Out(outputs, $"Y_{lane}", golden.Y[lane]);
            ports.Out(outputs, "OutValid", golden.OutValid ? 1 : 0);
            ports.Out(outputs, "InReady", ports.In(inputs, "OutReady"));
            var x = new sbyte[Lanes];
            for (var lane = 0; lane < Lanes; lane++)
                x[lane] = ports.InS8(inputs, $"X_{lane}");
            var write = ports.InBit(inputs, "TableWrite") ? ((int)ports.In(inputs, "TableSlot"), (int)ports.In(inputs, "TableIndex"), ports.InS8(inputs, "TableValue")) : ((int, int, sbyte)?)null;
            golden.Tick(ports.InBit(inputs, "InValid"), x, (int)ports.In(inputs, "Slot"), write, ports.InBit(inputs, "OutReady"), ports.InBit(inputs, "rst"));
        }
    }

    /// <summary>
    /// Loads SiLU tables of the int8 model (ActivationTable.Silu, different scales per slot) while the
    /// other slot is read, then random rewrites, including writes to the very entry being read.
    /// </summary>
    private sealed class ActivationTableStimulus(PortLayout layout) : IStimulus
    {
        private readonly Ports ports = new(layout);
        private readonly Random random = new(8);
        private readonly ActivationTable[] silu = [ActivationTable.Silu(0.05, 0.03), ActivationTable.Silu(0.2, 0.1)];

        public void Fill(long cycle, Span<ulong> inputs)
        {
            var slot = (int)(cycle / 1024 % Slots);
            var xs = new sbyte[Lanes];
            for (var lane = 0; lane < Lanes; lane++)
            {
                xs[lane] = (sbyte)(cycle % 7 == 0 ? (lane % 2 == 0 ? -128 : 127) : random.Next(-128, 128));
                ports.Set(inputs, $"X_{lane}", xs[lane]);
            }
            ports.Set(inputs, "Slot", slot);
            if (cycle % 1024 < 512)
            {
                // Fill the other slot with its SiLU table, one entry per cycle (twice over).
                var other = 1 - slot;
                var index = (int)(cycle % 256);
                ports.Set(inputs, "TableWrite", 1);
                ports.Set(inputs, "TableSlot", other);
                ports.Set(inputs, "TableIndex", index);
                ports.Set(inputs, "TableValue", silu[other].Entries[index]);
            }
            else
            {
                var race = random.Next(20) == 0;
                ports.Set(inputs, "TableWrite", race ? 1 : 0);
                ports.Set(inputs, "TableSlot", slot);
                ports.Set(inputs, "TableIndex", xs[0] + 128);
                ports.Set(inputs, "TableValue", random.Next(-128, 128));
            }
            ports.Set(inputs, "InValid", random.Next(6) > 0 ? 1 : 0);
            ports.Set(inputs, "OutReady", random.Next(5) > 0 ? 1 : 0);
            ports.Set(inputs, "rst", cycle < 2 || random.Next(1500) == 0 ? 1 : 0);
        }
    }

    [Fact]
    public async Task The_activation_table_unit_is_bit_exact_with_SiLU_tables_loaded_while_running()
    {
        var design = HdlFlow.For(() => new ActivationTableUnit(Lanes, Slots)).Run();
        Assert.True(design.Succeeded, string.Join("\n", design.Diagnostics));
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model).WithStimulus(new ActivationTableStimulus(model.Layout)).WithModel(new ActivationTableModel(model.Layout)).WithCycles(20_000).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches.Take(3)));
        Assert.Equal(20_000L * (Lanes + 2), result.ComparedWords);
    }

    private sealed class SoftmaxModel(PortLayout layout) : ICycleModel
    {
        private readonly Ports ports = new(layout);
        private readonly SoftmaxGolden golden = new(Lanes);

        /// <summary>The probabilities that left with OutValid, lane by lane (lanes without a score included).</summary>
        public List<sbyte> Emitted { get; } = [];

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            for (var lane = 0; lane < Lanes; lane++)
                ports.Out(outputs, $"Probabilities_{lane}", golden.Probabilities[lane]);
            ports.Out(outputs, "OutValid", golden.OutValid ? 1 : 0);
            ports.Out(outputs, "InReady", ports.In(inputs, "OutReady"));
            ports.Out(outputs, "Busy", golden.Busy ? 1 : 0);
            ports.Out(outputs, "Divided", golden.Divided ? 1 : 0);
            if (golden.OutValid && ports.InBit(inputs, "OutReady"))
                Emitted.AddRange(golden.Probabilities);
            var scores = new int[Lanes];
            var laneValid = new bool[Lanes];
            for (var lane = 0; lane < Lanes; lane++)
            {
                scores[lane] = (int)ports.In(inputs, $"Scores_{lane}");
                laneValid[lane] = ports.InBit(inputs, $"LaneValid_{lane}");
            }
            golden.Tick(ports.InBit(inputs, "InValid"), scores, laneValid, (int)ports.In(inputs, "Pass"), ports.InBit(inputs, "RowStart"),
                (int)ports.In(inputs, "ExponentMultiplier"), (int)ports.In(inputs, "ExponentShift"), ports.InBit(inputs, "Divide"), ports.InBit(inputs, "OutReady"), ports.InBit(inputs, "rst"),
                ports.InBit(inputs, "Unsigned") ? ProbabilityFormat.Unsigned : ProbabilityFormat.Signed, ports.InBit(inputs, "RowOdd"), ports.InBit(inputs, "DivideOdd"));
        }
    }

    /// <summary>
    /// A controller that follows the unit's protocol: per row, the max pass, the sum pass, a drain, a
    /// Divide pulse and its wait, the output pass, the rows alternating between the unit's two maxima and
    /// reciprocals (the interleaved rows of the vector engine are the system scenarios'); with bubbles, stalls and resets between rows. Rows:
    /// length 1, lengths that leave the last beat partly empty, one of 1,024, all-equal scores, int32 extremes
    /// (the most negative scores), and random scores at score units from 1e-5 to 0.5, in both probability formats.
    /// </summary>
    private sealed class SoftmaxStimulus : IStimulus
    {
        private readonly ControllerScript script;

        public SoftmaxStimulus(PortLayout layout, int cycles)
        {
            // A cycle without a beat: its garbage payload must not matter.
            script = new ControllerScript(layout, (record, random) =>
            {
                script!.Ports.Set(record, "Pass", random.Next(3));
                script.Ports.Set(record, "Unsigned", random.Next(2));
                for (var lane = 0; lane < Lanes; lane++)
                    script.Ports.Set(record, $"Scores_{lane}", random.Next(int.MinValue, int.MaxValue));
            });
            var random = new Random(9);
            var rowIndex = 0;
            while (script.Count < cycles)
                AddRow(random, rowIndex++);
        }

        /// <summary>The rows in order with their scale and format, for the check against IntegerSoftmax.Apply.</summary>
        public List<(int[] Scores, RequantParameters Scale, ProbabilityFormat Format)> Rows { get; } = [];

        public void Fill(long cycle, Span<ulong> inputs) => script.Fill(cycle, inputs);

        private void AddRow(Random random, int index)
        {
            var length = index == 7 ? 1024 : (index % 6) switch { 0 => 1, 1 => Lanes + 1, 2 => 3, _ => random.Next(1, 40) };
            var scores = (index % 5) switch
            {
                0 => Enumerable.Repeat(random.Next(-1000, 1000), length).ToArray(),
                1 => Enumerable.Range(0, length).Select(_ => random.Next(3) switch { 0 => int.MinValue, 1 => int.MaxValue, _ => random.Next() }).ToArray(),
                _ => Enumerable.Range(0, length).Select(_ => random.Next(-200_000, 200_000)).ToArray(),
            };
            var scale = IntegerSoftmax.ExponentScale(Math.Pow(10, -5 + (random.NextDouble() * 4.7)));
            // Both formats over every kind of row (the kinds repeat every 6 and 5 rows, the formats every 2 and 7).
            var format = (index % 2 == 1) ^ (index % 7 == 0) ? ProbabilityFormat.Unsigned : ProbabilityFormat.Signed;
            Rows.Add((scores, scale, format));
            if (index == 0 || random.Next(8) == 0)
                script.Reset();
            var ports = script.Ports;
            for (var pass = 0; pass < 3; pass++)
            {
                if (pass == 2)
                {
                    // Drain the sum pass (the last beat's own advance and the rest), divide, wait for the reciprocal.
                    script.Idle(Vector.SoftmaxUnit.SumDrainAdvances - 1);
                    script.Pulse("Divide", pulse => ports.Set(pulse, "DivideOdd", index % 2));
                    script.Idle(Vector.SoftmaxUnit.DivideCycles);
                }
                for (var start = 0; start < length; start += Lanes)
                {
                    script.Beat(random, beat =>
                    {
                        ports.Set(beat, "Pass", pass);
                        ports.Set(beat, "RowOdd", index % 2);
                        ports.Set(beat, "RowStart", start == 0 ? 1 : 0);
                        ports.Set(beat, "ExponentMultiplier", scale.Multiplier);
                        ports.Set(beat, "ExponentShift", scale.Shift);
                        ports.Set(beat, "Unsigned", format == ProbabilityFormat.Unsigned ? 1 : 0);
                        for (var lane = 0; lane < Lanes; lane++)
                        {
                            var present = start + lane < length;
                            ports.Set(beat, $"Scores_{lane}", present ? scores[start + lane] : random.Next(int.MinValue, int.MaxValue));
                            ports.Set(beat, $"LaneValid_{lane}", present ? 1 : 0);
                        }
                    });
                }
            }
            // Let the output pass leave.
            script.Idle(Vector.SoftmaxUnit.Latency);
        }
    }

    [Fact]
    public async Task The_softmax_unit_is_bit_exact_and_its_rows_equal_the_integer_softmax()
    {
        var design = HdlFlow.For(() => new SoftmaxUnit(Lanes)).Run();
        Assert.True(design.Succeeded, string.Join("\n", design.Diagnostics));
        var model = await VerilatorBuild.For(design).BuildAsync();
        const int cycles = 30_000;
        var stimulus = new SoftmaxStimulus(model.Layout, cycles);
        var golden = new SoftmaxModel(model.Layout);
        var result = await Cosimulation.Of(model).WithStimulus(stimulus).WithModel(golden).WithCycles(cycles).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches.Take(3)));
        Assert.Equal(cycles * (Lanes + 4L), result.ComparedWords);

        // Every completed row, as the unit emitted it, is IntegerSoftmax.Apply of its scores.
        var offset = 0;
        var checkedRows = 0;
        var formats = new HashSet<ProbabilityFormat>();
        foreach (var (scores, scale, format) in stimulus.Rows)
        {
            var beats = (scores.Length + Lanes - 1) / Lanes;
            if (offset + (beats * Lanes) > golden.Emitted.Count)
                break;
            var expected = new sbyte[scores.Length];
            IntegerSoftmax.Apply(scores, scale, expected, format);
            Assert.Equal(expected, golden.Emitted.Skip(offset).Take(scores.Length));
            Assert.All(golden.Emitted.Skip(offset + scores.Length).Take((beats * Lanes) - scores.Length), p => Assert.Equal(IntegerSoftmax.ZeroPoint(format), p));
            offset += beats * Lanes;
            checkedRows++;
            formats.Add(format);
        }
        Assert.True(checkedRows > 100, $"{checkedRows} rows");
        Assert.Equal(2, formats.Count);
    }
}
