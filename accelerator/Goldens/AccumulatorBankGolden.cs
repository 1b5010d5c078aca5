namespace DiffAcc.Accelerator.Goldens;

/// <summary>The cycle-level golden of <see cref="Buffers.AccumulatorBank"/>: a row store whose adds take effect one cycle after they are issued.</summary>
public sealed class AccumulatorBankGolden(int lanes, int rows)
{
    private readonly int[][] bank = [.. Enumerable.Range(0, rows).Select(_ => new int[lanes])];
    private (bool Valid, bool First, int Address, int[] Values) pending;

    public int[] ReadData { get; private set; } = new int[lanes];

    /// <summary>The row being written this cycle (the add issued last cycle), or 0s.</summary>
    public bool SumValid => pending.Valid;

    public int[] Sum => pending.Valid
        ? [.. Enumerable.Range(0, lanes).Select(lane => pending.First ? pending.Values[lane] : unchecked(bank[pending.Address][lane] + pending.Values[lane]))]
        : new int[lanes];

    public void Tick(bool add, bool first, int address, ReadOnlySpan<int> values, int readAddress, bool reset)
    {
        ReadData = (int[])bank[readAddress % rows].Clone();
        if (pending.Valid)
        {
            var row = bank[pending.Address];
            for (var lane = 0; lane < lanes; lane++)
                row[lane] = pending.First ? pending.Values[lane] : unchecked(row[lane] + pending.Values[lane]);
        }
        pending = (add && !reset, first, address % rows, values.ToArray());
    }
}
