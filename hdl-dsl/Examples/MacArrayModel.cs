using DiffAcc.Sim;

namespace DiffAcc.Hdl.Examples;

/// <summary>
/// A hand-written, cycle-accurate C# golden of <c>DiffAcc.Hdl.Examples.MacArray</c>, independent of
/// the IR: activations move right, weights move down, each PE multiplies its registered operands
/// and accumulates into a wrapping 32-bit sum that restarts two cycles after Clear.
/// </summary>
public sealed class MacArrayModel(int rows, int cols) : ICycleModel
{
    private readonly sbyte[] act = new sbyte[rows * cols];
    private readonly sbyte[] weight = new sbyte[rows * cols];
    private readonly bool[] clear = new bool[rows * cols];
    private readonly short[] product = new short[rows * cols];
    private readonly bool[] clearProduct = new bool[rows * cols];
    private readonly int[] acc = new int[rows * cols];

    public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
    {
        // Outputs before the edge: inputs Acts_r, Weights_c, Clear; outputs Accs, ActsOut, WeightsOut.
        for (var i = 0; i < rows * cols; i++)
            outputs[i] = (uint)acc[i];
        for (var r = 0; r < rows; r++)
            outputs[(rows * cols) + r] = (byte)act[(r * cols) + cols - 1];
        for (var c = 0; c < cols; c++)
            outputs[(rows * cols) + rows + c] = (byte)weight[((rows - 1) * cols) + c];

        var clearIn = (inputs[rows + cols] & 1) != 0;
        for (var r = rows - 1; r >= 0; r--)
        {
            for (var c = cols - 1; c >= 0; c--)
            {
                var i = (r * cols) + c;
                acc[i] = clearProduct[i] ? product[i] : unchecked(acc[i] + product[i]);
                clearProduct[i] = clear[i];
                product[i] = (short)(act[i] * weight[i]);
                clear[i] = clearIn;
                act[i] = c == 0 ? (sbyte)inputs[r] : act[i - 1];
                weight[i] = r == 0 ? (sbyte)inputs[rows + c] : weight[i - cols];
            }
        }
    }
}
