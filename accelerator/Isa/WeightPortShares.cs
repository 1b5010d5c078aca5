using DiffAcc.Accelerator.Configuration;

namespace DiffAcc.Accelerator.Isa;

/// <summary>
/// How the rows one LOAD_WEIGHTS reads lie in DDR when P weights ports share them: port p's share of
/// every row (bytes p·S to p·S + S − 1 of a Tm × Tn row, S = Tm·Tn / P) lies in one run, the P runs one
/// after another. Each port then reads one long stream in full-length bursts; with the shares
/// interleaved row by row a port would ask for a short burst per row, and its few outstanding bursts
/// would not cover the DDR's latency. With one port this is plain row order.
/// </summary>
public static class WeightPortShares
{
    /// <summary>The DDR bytes of <paramref name="rows"/> (whole weight rows in row order) for <paramref name="config"/>'s weights ports.</summary>
    public static byte[] Arrange(AcceleratorConfig config, ReadOnlySpan<byte> rows)
    {
        int rowBytes = config.Tm * config.Tn, ports = config.WeightPorts, share = rowBytes / ports;
        if (rows.Length % rowBytes != 0)
            throw new ArgumentException($"weights of {rows.Length} bytes are not whole rows of {rowBytes} bytes", nameof(rows));
        var count = rows.Length / rowBytes;
        var arranged = new byte[rows.Length];
        for (var r = 0; r < count; r++)
        {
            for (var p = 0; p < ports; p++)
                rows.Slice((r * rowBytes) + (p * share), share).CopyTo(arranged.AsSpan(OffsetOf(config, count, r, p * share), share));
        }
        return arranged;
    }

    /// <summary>Where byte <paramref name="byteInRow"/> of row <paramref name="row"/> lies, from the start of a LOAD_WEIGHTS of <paramref name="rows"/> rows.</summary>
    public static int OffsetOf(AcceleratorConfig config, int rows, int row, int byteInRow)
    {
        int rowBytes = config.Tm * config.Tn, share = rowBytes / config.WeightPorts;
        var port = byteInRow / share;
        return (port * rows * share) + (row * share) + (byteInRow % share);
    }
}
