using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Accelerator.Buffers;

/// <summary>
/// Ping-pong weight buffers: the producer (DMA) fills one bank while the PE array reads the other.
/// Handshake: the producer writes while <see cref="CanFill"/> and pulses <see cref="FillDone"/>; the
/// consumer reads while <see cref="ComputeValid"/> and pulses <see cref="ComputeDone"/>. The banks
/// swap roles on the cycle after the fill bank is full and the compute bank is free, so the DMA of
/// the next tile overlaps compute. A row holds every weight one PE-group cycle needs; a write changes
/// the bytes its byte enables select.
/// </summary>
public sealed class WeightBuffer : Module
{
    /// <summary>The most bytes of a row one of a bank's memories holds: one DMA beat.</summary>
    public const int MaxColumnBytes = 16;

    public WeightBuffer(int rowBytes, int depth)
    {
        ColumnBytes = Math.Min(rowBytes, MaxColumnBytes);
        if (rowBytes < 1 || rowBytes % ColumnBytes != 0)
            throw new ArgumentOutOfRangeException(nameof(rowBytes), $"a weight row of {rowBytes} bytes is not a whole number of {MaxColumnBytes}-byte columns");
        RowBytes = rowBytes;
        Depth = depth;
        var addressBits = Hw.BitsFor(depth);
        Write = Input(Bool());
        WriteAddress = Input(UInt(addressBits));
        WriteBytes = Input(UInt(rowBytes));
        WriteData = Input(Vec(rowBytes, SInt(8)));
        FillDone = Input(Bool());
        CanFill = Output(Bool());
        ReadAddress = Input(UInt(addressBits));
        ReadData = Output(Vec(rowBytes, SInt(8)));
        ComputeValid = Output(Bool());
        ComputeDone = Input(Bool());

        var fillBank = Reg(Bool(), reset: 0, name: "fill_bank");
        var full0 = Reg(Bool(), reset: 0, name: "full_0");
        var full1 = Reg(Bool(), reset: 0, name: "full_1");
        var computeBank = !fillBank;
        var next0 = (full0 | (FillDone & !fillBank)) & !(ComputeDone & !computeBank);
        var next1 = (full1 | (FillDone & fillBank)) & !(ComputeDone & computeBank);
        full0.Assign(next0);
        full1.Assign(next1);
        var fillFull = Mux(fillBank, next1, next0);
        var computeFull = Mux(fillBank, next0, next1);
        When(fillFull & !computeFull, () => fillBank.Assign(!fillBank));

        // Both banks share each memory (the bank is the top address bit): filling writes one bank while
        // compute reads the other, one write and one read port, and no multiplexer between the banks.
        // One memory per column of ColumnBytes bytes, so synthesis sees a few byte enables per RAM (a
        // RAMB36E2 has eight), not one memory with a write enable for each of the row's bytes.
        var columns = rowBytes / ColumnBytes;
        var writeAt = Cat(fillBank, WriteAddress);
        var readAt = Cat(computeBank, ReadAddress);
        for (var c = 0; c < columns; c++)
        {
            var column = Enumerable.Range(c * ColumnBytes, ColumnBytes).ToArray();
            var data = Cat([.. column.Reverse().Select(b => WriteData[b])]);
            var enables = WriteBytes[((c + 1) * ColumnBytes) - 1, c * ColumnBytes];
            var banks = Mem(UInt(8 * ColumnBytes), 2 << addressBits, RamStyle.Block, byteWidth: 8, name: $"banks_{c}");
            When(Write, () => banks.Write(writeAt, data, byteEnable: enables));
            var word = banks.Read(readAt, name: $"read_{c}");
            for (var i = 0; i < ColumnBytes; i++)
                ReadData[column[i]].Assign(word[(8 * i) + 7, 8 * i].AsSInt());
        }

        CanFill.Assign(!Mux(fillBank, full1, full0));
        ComputeValid.Assign(Mux(fillBank, full0, full1));
    }

    public int RowBytes { get; }

    public int Depth { get; }

    /// <summary>The bytes of a row each memory of a bank holds.</summary>
    public int ColumnBytes { get; }

    public override string ModuleName => $"WeightBuffer{RowBytes}x{Depth}";

    public Bool Write { get; }

    public UInt WriteAddress { get; }

    /// <summary>One bit per byte of the row: the bytes this write changes (a beat of a DMA, a gathered column).</summary>
    public UInt WriteBytes { get; }

    public Vec<SInt> WriteData { get; }

    /// <summary>Pulse: the fill bank is complete.</summary>
    public Bool FillDone { get; }

    /// <summary>The fill bank may be written.</summary>
    public Bool CanFill { get; }

    public UInt ReadAddress { get; }

    /// <summary>The row at <see cref="ReadAddress"/> of the compute bank, one cycle later.</summary>
    public Vec<SInt> ReadData { get; }

    /// <summary>The compute bank holds a complete set of weights.</summary>
    public Bool ComputeValid { get; }

    /// <summary>Pulse: the consumer is finished with the compute bank.</summary>
    public Bool ComputeDone { get; }
}
