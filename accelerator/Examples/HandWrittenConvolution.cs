using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Accelerator.Examples;

/// <summary>
/// A program written by hand, end to end (docs/isa.md, "Programming the machine by hand", walks through it):
/// a 3x3 convolution, padding 1, of a Tn-channel 8x8 int8 image into Tn channels (Tn / Tm output blocks)
/// with per-channel requantization, on PE group 0. <see cref="Place"/> lays out DDR and writes the program;
/// <see cref="Expected"/> is the same layer through the int8 model (model/), which the functional
/// simulator and the RTL must match byte for byte.
/// </summary>
public static class HandWrittenConvolution
{
    public const int Height = 8;
    public const int Width = 8;

    /// <summary>The layer's data: input [Tn, 8, 8], weights [Tn, Tn, 3, 3] (CHW / OIHW order), one requantizer per output channel.</summary>
    public sealed record Layer(sbyte[] Input, sbyte[] Weights, RequantParameters[] Requantization);

    /// <summary>Random data with a few extremes, so saturation and rounding are exercised.</summary>
    public static Layer Random(AcceleratorConfig config, int seed)
    {
        var random = new Random(seed);
        sbyte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => (sbyte)(i % 17 == 0 ? (i % 2 == 0 ? -128 : 127) : random.Next(-128, 128)))];
        var requantization = Enumerable.Range(0, config.Tn).Select(_ => RequantParameters.FromScale(random.Next(40, 160) / (64.0 * 64 * Math.Sqrt(config.Tn * 9)), random.Next(-20000, 20000))).ToArray();
        return new Layer(Bytes(config.Tn * Height * Width), Bytes(config.Tn * config.Tn * 9), requantization);
    }

    /// <summary>The DDR image and the program: the regions "input", "weights", "requantization" and "output".</summary>
    public static PlacedProgram Place(AcceleratorConfig config, Layer layer)
    {
        int tm = config.Tm, tn = config.Tn, blocks = tn / tm;
        // Tensors are HWC in DDR (one Tn-byte block per pixel here); weight rows are Tm x Tn bytes,
        // row (o x 9 + tap) x CinBlocks + i for output block o, taps in row-major order (ky x 3 + kx).
        var ddr = new DdrImageBuilder()
            .With("input", TensorLayout.ToHwc(layer.Input, tn, Height, Width, tn))
            .With("weights", WeightPortShares.Arrange(config, TensorLayout.ConvWeightRows(layer.Weights, tn, tn, 3, tm, tn, 0, blocks)))
            .With("requantization", layer.Requantization.Select(RequantizerEntry.Of))
            .WithOutput("output", Height * Width * tn);
        const int inRow = 0, outRow = 100;
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = ddr.Offset("requantization"), Count = tn })
            .Add(new LoadWeights { Offset = ddr.Offset("weights"), Rows = blocks * 9, Complete = true })
            // One buffer row per pixel (Tn channels); the load tells the compute engine when the rows are in.
            .Add(new Load { Group = 0, Offset = ddr.Offset("input"), ActRow = inRow, Rows = Height * Width, Chunks = 1, Signal = Engines.Compute })
            .Add(new Conv
            {
                GroupMask = 1,
                InRow = inRow,
                InPixelStride = 1,
                CinBlocks = 1,
                InRows = Height,
                InCols = Width,
                RowOffset = -1,
                ColOffset = -1,
                Kernel3x3 = true,
                OutRows = Height,
                OutCols = Width,
                CoutBlocks = blocks,
                OutRow = outRow,
                OutPixelStride = 1,
                Release = true,
                Wait = Engines.Load,
                Signal = Engines.Store,
            })
            .Add(new Store { Group = 0, Offset = ddr.Offset("output"), ActRow = outRow, Rows = Height * Width, Chunks = 1, Wait = Engines.Compute })
            .Add(new Finish())
            .Build();
        return ddr.Build(program);
    }

    /// <summary>The output [Tn, 8, 8] as the int8 model computes it.</summary>
    public static sbyte[] Expected(AcceleratorConfig config, Layer layer)
    {
        var weights = QuantizedWeights.FromInt8([config.Tn, config.Tn, 3, 3], layer.Weights, [.. Enumerable.Repeat(1.0, config.Tn)]);
        var sums = Int8Ops.Conv2dAccumulate(new Int8Tensor([1, config.Tn, Height, Width], 1, layer.Input), weights, 1, (1, 1, 1, 1), out var shape);
        return Int8Ops.Requantize(sums, shape, layer.Requantization, 1).Data;
    }

    /// <summary>The program's output read back from the DDR after a run, in CHW order.</summary>
    public static sbyte[] Output(AcceleratorConfig config, PlacedProgram placed, DdrImage after)
        => TensorLayout.FromHwc(placed.Read(after, "output"), config.Tn, Height, Width, config.Tn);
}
