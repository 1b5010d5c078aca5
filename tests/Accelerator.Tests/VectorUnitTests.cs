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
}
