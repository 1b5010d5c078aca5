namespace DiffAcc.Hdl.Examples;

/// <summary>
/// A rows x cols output-stationary array of int8 MACs: activations enter on the left and move right
/// one PE per cycle, weights enter at the top and move down, each PE keeps its own int32 sum.
/// The demonstration design of <c>diffacc generate</c> until the accelerator exists.
/// </summary>
public sealed class MacArray : Module
{
    public MacArray(int rows = 16, int cols = 16, int dataWidth = 8, int accWidth = 32)
    {
        Rows = rows;
        Cols = cols;
        Acts = Input(Vec(rows, SInt(dataWidth)));
        Weights = Input(Vec(cols, SInt(dataWidth)));
        Clear = Input(Bool());
        Accs = Output(Vec(rows * cols, SInt(accWidth)));
        ActsOut = Output(Vec(rows, SInt(dataWidth)));
        WeightsOut = Output(Vec(cols, SInt(dataWidth)));

        var pes = new MacPe[rows, cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                var pe = pes[r, c] = Instance(new MacPe(dataWidth, accWidth), $"pe_{r}_{c}");
                pe.ActIn.Assign(c == 0 ? Acts[r] : pes[r, c - 1].ActOut);
                pe.WeightIn.Assign(r == 0 ? Weights[c] : pes[r - 1, c].WeightOut);
                pe.Clear.Assign(Clear);
                Accs[(r * cols) + c].Assign(pe.Acc);
            }
        }

        // Operands leave the far edges so arrays can be chained into larger ones.
        for (var r = 0; r < rows; r++)
            ActsOut[r].Assign(pes[r, cols - 1].ActOut);
        for (var c = 0; c < cols; c++)
            WeightsOut[c].Assign(pes[rows - 1, c].WeightOut);
    }

    public int Rows { get; }

    public int Cols { get; }

    public override string ModuleName => $"MacArray{Rows}x{Cols}";

    public Vec<SInt> Acts { get; }

    public Vec<SInt> Weights { get; }

    public Bool Clear { get; }

    public Vec<SInt> Accs { get; }

    public Vec<SInt> ActsOut { get; }

    public Vec<SInt> WeightsOut { get; }
}
