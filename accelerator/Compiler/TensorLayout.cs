namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// How tensors sit in DDR and in the buffers. Activations in DDR are HWC: pixel (y, x)'s channels
/// lie together, padded to a multiple of Tn, so a band of rows is one contiguous transfer and a
/// buffer row (Tn bytes) is one pixel's channel block. Weights are the rows of a weight bank.
/// </summary>
public static class TensorLayout
{
    /// <summary>A multiple of <paramref name="block"/> at least <paramref name="channels"/>.</summary>
    public static int Padded(int channels, int block) => (channels + block - 1) / block * block;

    /// <summary>A [C, H, W] tensor as HWC bytes with <paramref name="paddedChannels"/> channels per pixel (padding is 0).</summary>
    public static byte[] ToHwc(ReadOnlySpan<sbyte> chw, int channels, int height, int width, int paddedChannels)
    {
        var bytes = new byte[height * width * paddedChannels];
        for (var c = 0; c < channels; c++)
        {
            for (var p = 0; p < height * width; p++)
                bytes[(p * paddedChannels) + c] = (byte)chw[(c * height * width) + p];
        }
        return bytes;
    }

    /// <summary>The first <paramref name="channels"/> channels of HWC bytes as a [C, H, W] tensor.</summary>
    public static sbyte[] FromHwc(ReadOnlySpan<byte> hwc, int channels, int height, int width, int paddedChannels)
    {
        var chw = new sbyte[channels * height * width];
        for (var c = 0; c < channels; c++)
        {
            for (var p = 0; p < height * width; p++)
                chw[(c * height * width) + p] = (sbyte)hwc[(p * paddedChannels) + c];
        }
        return chw;
    }

    /// <summary>
    /// Convolution weights [C_out, C_in, k, k] as weight-bank rows for output blocks
    /// <paramref name="firstBlock"/> .. + <paramref name="blocks"/>: row (o x taps + tap) x CinBlocks + i
    /// holds <c>w[(firstBlock + o) Tm + m][i Tn + n][tap]</c> at byte m x Tn + n; channels beyond the tensor are 0.
    /// </summary>
    /// <remarks>With <paramref name="firstInBlock"/> and <paramref name="inBlocks"/>, only those input blocks: one pass of a layer whose input channels take several.</remarks>
    public static byte[] ConvWeightRows(ReadOnlySpan<sbyte> weights, int outputs, int inputs, int kernel, int tm, int tn, int firstBlock, int blocks, int firstInBlock = 0, int? inBlocks = null)
        => ConvWeightRows(weights, outputs, [.. Enumerable.Range(0, Padded(inputs, tn)).Select(i => i < inputs ? i : -1)], kernel, tm, tn, firstBlock, blocks, firstInBlock, inBlocks);

    /// <summary>
    /// The same rows for an input whose channels are placed by <paramref name="logicalOfPhysical"/>: byte j of a
    /// pixel holds input channel <c>logicalOfPhysical[j]</c>, or nothing (-1, weight 0).
    /// </summary>
    public static byte[] ConvWeightRows(ReadOnlySpan<sbyte> weights, int outputs, IReadOnlyList<int> logicalOfPhysical, int kernel, int tm, int tn, int firstBlock, int blocks, int firstInBlock = 0, int? inBlocks = null)
    {
        var taps = kernel * kernel;
        var inputs = logicalOfPhysical.Count(c => c >= 0);
        var cinBlocks = inBlocks ?? (Padded(logicalOfPhysical.Count, tn) / tn);
        var rows = new byte[blocks * taps * cinBlocks * tm * tn];
        for (var o = 0; o < blocks; o++)
        {
            for (var tap = 0; tap < taps; tap++)
            {
                for (var i = 0; i < cinBlocks; i++)
                {
                    var row = (((o * taps) + tap) * cinBlocks) + i;
                    for (var m = 0; m < tm; m++)
                    {
                        var output = ((firstBlock + o) * tm) + m;
                        for (var n = 0; n < tn; n++)
                        {
                            var physical = ((firstInBlock + i) * tn) + n;
                            var input = physical < logicalOfPhysical.Count ? logicalOfPhysical[physical] : -1;
                            if (output < outputs && input >= 0)
                                rows[(row * tm * tn) + (m * tn) + n] = (byte)weights[(((output * inputs) + input) * taps) + tap];
                        }
                    }
                }
            }
        }
        return rows;
    }
}
