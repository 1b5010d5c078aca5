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
}
