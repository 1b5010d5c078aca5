using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Goldens;

/// <summary>A convolution layer as <see cref="Datapath.ConvTile"/> computes it.</summary>
public sealed record ConvLayer(int Height, int Width, int InChannels, int OutChannels, bool Kernel3x3, bool Stride2)
{
    public int Kernel => Kernel3x3 ? 3 : 1;

    public int Stride => Stride2 ? 2 : 1;

    public int OutHeight => (Height + Stride - 1) / Stride;

    public int OutWidth => (Width + Stride - 1) / Stride;
}

/// <summary>
/// The golden convolution: int32 sums of int8 products with zero padding (1 for 3x3), then
/// <see cref="Requantization.Apply"/> per output channel. Output pixels come in the tile's order:
/// output channel block, row, column; each holds Tm channels.
/// </summary>
public static class ConvolutionGolden
{
    /// <param name="layer">the layer's shape</param>
    /// <param name="input">[channel, y, x]</param>
    /// <param name="weights">[out channel, in channel, ky, kx]</param>
    /// <param name="requant">per output channel</param>
    /// <param name="tm">output channels per pixel record (the PE group's Tm)</param>
    public static List<sbyte[]> Run(ConvLayer layer, sbyte[,,] input, sbyte[,,,] weights, RequantParameters[] requant, int tm)
    {
        var outputs = new List<sbyte[]>();
        var pad = layer.Kernel3x3 ? 1 : 0;
        for (var block = 0; block < layer.OutChannels / tm; block++)
        {
            for (var oy = 0; oy < layer.OutHeight; oy++)
            {
                for (var ox = 0; ox < layer.OutWidth; ox++)
                {
                    var pixel = new sbyte[tm];
                    for (var m = 0; m < tm; m++)
                    {
                        var co = (block * tm) + m;
                        var sum = 0;
                        for (var ky = 0; ky < layer.Kernel; ky++)
                        {
                            for (var kx = 0; kx < layer.Kernel; kx++)
                            {
                                int iy = (oy * layer.Stride) + ky - pad, ix = (ox * layer.Stride) + kx - pad;
                                if (iy < 0 || iy >= layer.Height || ix < 0 || ix >= layer.Width)
                                    continue;
                                for (var ci = 0; ci < layer.InChannels; ci++)
                                    sum = unchecked(sum + (weights[co, ci, ky, kx] * input[ci, iy, ix]));
                            }
                        }
                        pixel[m] = Requantization.Apply(sum, requant[co]);
                    }
                    outputs.Add(pixel);
                }
            }
        }
        return outputs;
    }
}
