using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Goldens;
using DiffAcc.Hdl;
using DiffAcc.Sim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Accelerator.Tests;

/// <summary>The buffers under Verilator against their goldens, with random traffic and handshakes.</summary>
public sealed class BufferTests
{
    private sealed class WeightModel(int rowBytes, int depth, PortLayout ports) : ICycleModel
    {
        private readonly WeightBufferGolden golden = new(rowBytes, depth);
        private readonly sbyte[] row = new sbyte[rowBytes];
        private readonly bool[] bytes = new bool[rowBytes];

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            for (var i = 0; i < rowBytes; i++)
                outputs[ports.Output($"DrainPort_Data_{i}").Offset] = (byte)golden.ReadData[i];
            outputs[ports.Output("FillPort_CanFill").Offset] = golden.CanFill ? 1UL : 0UL;
            outputs[ports.Output("DrainPort_Valid").Offset] = golden.ComputeValid ? 1UL : 0UL;
            var enables = inputs[ports.Input("FillPort_Bytes").Offset];
            for (var i = 0; i < rowBytes; i++)
            {
                row[i] = (sbyte)inputs[ports.Input($"FillPort_Data_{i}").Offset];
                bytes[i] = ((enables >> i) & 1) != 0;
            }
            ulong In(string name, ReadOnlySpan<ulong> record) => record[ports.Input(name).Offset];
            golden.Tick(In("FillPort_Write", inputs) != 0, (int)In("FillPort_Address", inputs), bytes, row, In("FillPort_Done", inputs) != 0, (int)In("DrainPort_Address", inputs), In("DrainPort_Done", inputs) != 0, In("rst", inputs) != 0, In("FillPort_Clear", inputs) != 0);
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(48)] // three 16-byte column memories per bank
    public async Task The_ping_pong_weight_buffer_swaps_banks_by_its_handshake_and_reads_the_compute_bank(int rowBytes)
    {
        const int depth = 16;
        var design = HdlFlow.For(() => new WeightBuffer(rowBytes, depth)).Run();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var stimulus = new RandomStimulus(design.Design, 77);
        var result = await Cosimulation.Of(model).WithStimulus(new Sparse(stimulus, model.Layout)).WithModel(new WeightModel(rowBytes, depth, model.Layout)).WithCycles(30_000).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches.Take(3)));
    }

    /// <summary>Random traffic with the handshake pulses made rare, so banks fill, swap and drain in realistic runs.</summary>
    private sealed class Sparse(RandomStimulus inner, PortLayout ports) : IStimulus
    {
        private readonly Random random = new(5);

        public void Fill(long cycle, Span<ulong> inputs)
        {
            inner.Fill(cycle, inputs);
            inputs[ports.Input("FillPort_Done").Offset] = random.Next(20) == 0 ? 1UL : 0UL;
            inputs[ports.Input("DrainPort_Done").Offset] = random.Next(25) == 0 ? 1UL : 0UL;
            inputs[ports.Input("FillPort_Clear").Offset] = random.Next(400) == 0 ? 1UL : 0UL;
            inputs[ports.Input("rst").Offset] = cycle < 2 || random.Next(3000) == 0 ? 1UL : 0UL;
        }
    }

    private sealed class ActivationModel(ActivationBuffer dut, PortLayout ports) : ICycleModel
    {
        private readonly sbyte[][] banks = [.. Enumerable.Range(0, dut.Depth).Select(_ => new sbyte[dut.Lanes])];
        private sbyte[] read = new sbyte[dut.Lanes];

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            var input = ports.ReadInputs(inputs);
            var output = ports.OutputRecord(outputs);
            for (var lane = 0; lane < dut.Lanes; lane++)
                output.Set(dut.ReadData[lane], read[lane]);
            if (input.Get(dut.ReadEnable))
                read = (sbyte[])banks[(int)input.Get(dut.ReadAddress)].Clone();
            if (input.Get(dut.WriteEnable))
            {
                var mask = input.Get(dut.WriteLanes);
                for (var lane = 0; lane < dut.Lanes; lane++)
                {
                    if (((mask >> lane) & 1) != 0)
                        banks[(int)input.Get(dut.WriteAddress)][lane] = (sbyte)input.GetSigned(dut.WriteData[lane]);
                }
            }
        }
    }

    [Fact]
    public async Task The_activation_buffer_writes_only_the_selected_banks_and_reads_all_lanes()
    {
        var dut = new ActivationBuffer(8, 256);
        var design = HdlFlow.For(() => dut).Run();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model).WithStimulus(new RandomStimulus(design.Design, 3)).WithModel(new ActivationModel(dut, model.Layout)).WithCycles(30_000).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches.Take(3)));
    }
}

/// <summary>Accumulator banks with adds to the same rows back to back, under Verilator.</summary>
public sealed class AccumulatorBankTests
{
    private sealed class Model(AccumulatorBank dut, PortLayout ports) : ICycleModel
    {
        private readonly AccumulatorBankGolden golden = new(dut.Lanes, dut.Rows);
        private readonly int[] values = new int[dut.Lanes];

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            var input = ports.ReadInputs(inputs);
            var output = ports.OutputRecord(outputs);
            var sum = golden.Sum;
            for (var lane = 0; lane < dut.Lanes; lane++)
            {
                output.Set(dut.ReadData[lane], golden.ReadData[lane]);
                output.Set(dut.Sum[lane], sum[lane]);
            }
            output.Set(dut.SumValid, golden.SumValid);
            for (var lane = 0; lane < dut.Lanes; lane++)
                values[lane] = (int)input.GetSigned(dut.AddValues[lane]);
            golden.Tick(input.Get(dut.Add), input.Get(dut.AddFirst), (int)input.Get(dut.AddAddress), values, (int)input.Get(dut.ReadAddress), inputs[ports.Input("rst").Offset] != 0);
        }
    }

    /// <summary>Few rows, so adds hit the row just added; extreme values so sums wrap.</summary>
    private sealed class Stimulus(RandomStimulus inner, AccumulatorBank dut, PortLayout ports) : IStimulus
    {
        private readonly Random random = new(11);

        public void Fill(long cycle, Span<ulong> inputs)
        {
            inner.Fill(cycle, inputs);
            var record = ports.InputRecord(inputs);
            record.Set(dut.AddAddress, (ulong)random.Next(4));
            record.Set(dut.ReadAddress, (ulong)random.Next(4));
            record.Set(dut.AddFirst, random.Next(10) == 0);
        }
    }

    [Fact]
    public async Task Back_to_back_adds_to_one_row_are_exact()
    {
        var dut = new AccumulatorBank(4, 64);
        var design = HdlFlow.For(() => dut).Run();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model).WithStimulus(new Stimulus(new RandomStimulus(design.Design, 8), dut, model.Layout)).WithModel(new Model(dut, model.Layout)).WithCycles(40_000).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches.Take(3)));
    }
}
