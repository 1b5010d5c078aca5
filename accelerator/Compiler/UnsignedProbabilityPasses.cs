using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// P x V with unsigned probabilities on the signed PE array: SOFTMAX stores <c>q = p − 128</c>, so
/// <c>Σ_j p_j v_j = Σ_j q_j v_j + 128 Σ_j v_j</c>. The second term is two more passes of the same
/// product into the accumulator banks over rows that hold 64 in every byte (128 is no int8 value), read
/// by every pixel (input pixel stride 0): three passes where signed probabilities take one.
/// </summary>
public static class UnsignedProbabilityPasses
{
    /// <summary>The byte of the rows the correction passes read: two passes of 64 add 128 x the sum of V.</summary>
    public const int RowValue = 64;

    /// <summary>P x V over the probabilities, then twice over the rows of <see cref="RowValue"/>.</summary>
    public const int Passes = 3;

    /// <summary>
    /// The passes of one P x V: <paramref name="product"/> over the probabilities, then over the rows of 64 at
    /// <paramref name="rowsOf64"/>. The first pass keeps the product's Wait, the last its Release and Signal.
    /// </summary>
    public static IEnumerable<Conv> Of(Conv product, int rowsOf64)
        => Enumerable.Range(0, Passes).Select(pass => product with
        {
            InRow = pass == 0 ? product.InRow : rowsOf64,
            InPixelStride = pass == 0 ? product.InPixelStride : 0,
            Output = Output(pass),
            Release = pass == Passes - 1 && product.Release,
            Wait = pass == 0 ? product.Wait : Engines.None,
            Signal = pass == Passes - 1 ? product.Signal : Engines.None,
        });

    /// <summary>Where pass <paramref name="pass"/>'s sums go: stored, added, then added and requantized.</summary>
    private static ConvOutput Output(int pass) => pass switch
    {
        0 => ConvOutput.AccumulatorStore,
        Passes - 1 => ConvOutput.AccumulatorAddRequantize,
        _ => ConvOutput.AccumulatorAdd,
    };
}
