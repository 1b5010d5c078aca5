namespace DiffAcc.Accelerator.Goldens;

/// <summary>The cycle-level golden of <see cref="Buffers.WeightBuffer"/>: two banks and the ping-pong handshake.</summary>
public sealed class WeightBufferGolden(int rowBytes, int depth)
{
    private readonly sbyte[][][] banks = [[.. Enumerable.Range(0, depth).Select(_ => new sbyte[rowBytes])], [.. Enumerable.Range(0, depth).Select(_ => new sbyte[rowBytes])]];
    private readonly bool[] full = new bool[2];
    private int fillBank;

    /// <summary>The row read in the previous cycle.</summary>
    public sbyte[] ReadData { get; private set; } = new sbyte[rowBytes];

    public bool CanFill => !full[fillBank];

    public bool ComputeValid => full[1 - fillBank];

    public void Tick(bool write, int writeAddress, ReadOnlySpan<bool> writeBytes, ReadOnlySpan<sbyte> writeData, bool fillDone, int readAddress, bool computeDone, bool reset, bool clear = false)
    {
        var computeBank = 1 - fillBank;
        ReadData = (sbyte[])banks[computeBank][readAddress % depth].Clone();
        if (write)
        {
            var target = banks[fillBank][writeAddress % depth];
            for (var i = 0; i < rowBytes; i++)
            {
                if (writeBytes[i])
                    target[i] = writeData[i];
            }
        }
        if (reset || clear)
        {
            full[0] = full[1] = false;
            fillBank = 0;
            return;
        }
        var next = new bool[2];
        for (var bank = 0; bank < 2; bank++)
            next[bank] = (full[bank] || (fillDone && bank == fillBank)) && !(computeDone && bank == computeBank);
        (full[0], full[1]) = (next[0], next[1]);
        if (next[fillBank] && !next[computeBank])
            fillBank = computeBank;
    }
}
