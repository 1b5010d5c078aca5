using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Accelerator.Buffers;

/// <summary>
/// Ping-pong weight buffers: the producer (DMA) fills one bank while the PE array reads the other.
/// Handshake: the producer writes while <see cref="WeightFill.CanFill"/> and pulses <see cref="WeightFill.Done"/>;
/// the consumer reads while <see cref="WeightDrain.Valid"/> and pulses <see cref="WeightDrain.Done"/>. The banks
/// swap roles on the cycle after the fill bank is full and the compute bank is free, so the DMA of
/// the next tile overlaps compute. A row holds every weight one PE-group cycle needs; a write changes
/// the bytes its byte enables select.
/// </summary>
public sealed class WeightBuffer : Module
{
    /// <summary>The most bytes of a row one of a bank's memories holds: one DMA beat.</summary>
    public const int MaxColumnBytes = 16;

    public WeightBuffer(int rowBytes, int depth, ClockDomain? domain = null)
    {
        Domain = domain ?? ClockDomain.Default;
        ColumnBytes = Math.Min(rowBytes, MaxColumnBytes);
        if (rowBytes < 1 || rowBytes % ColumnBytes != 0)
            throw new ArgumentOutOfRangeException(nameof(rowBytes), $"a weight row of {rowBytes} bytes is not a whole number of {MaxColumnBytes}-byte columns");
        RowBytes = rowBytes;
        Depth = depth;
        var addressBits = Hw.BitsFor(depth);
        FillPort = Input(WeightFill.Of(rowBytes, depth));
        DrainPort = Input(WeightDrain.Of(rowBytes, depth));

        var fillBank = Reg(Bool(), reset: 0, name: "fill_bank");
        var full0 = Reg(Bool(), reset: 0, name: "full_0");
        var full1 = Reg(Bool(), reset: 0, name: "full_1");
        var computeBank = !fillBank;
        var next0 = (full0 | (FillPort.Done & !fillBank)) & !(DrainPort.Done & !computeBank);
        var next1 = (full1 | (FillPort.Done & fillBank)) & !(DrainPort.Done & computeBank);
        full0.Assign(next0);
        full1.Assign(next1);
        var fillFull = Mux(fillBank, next1, next0);
        var computeFull = Mux(fillBank, next0, next1);
        When(fillFull & !computeFull, () => fillBank.Assign(!fillBank));
        // A program stopped midway may leave a bank full that no one will drain: the next one starts empty.
        When(FillPort.Clear, () =>
        {
            full0.Assign(false);
            full1.Assign(false);
            fillBank.Assign(false);
        });

        // Both banks share each memory (the bank is the top address bit): filling writes one bank while
        // compute reads the other, one write and one read port, and no multiplexer between the banks.
        // One memory per column of ColumnBytes bytes, so synthesis sees a few byte enables per RAM (a
        // RAMB36E2 has eight), not one memory with a write enable for each of the row's bytes.
        var columns = rowBytes / ColumnBytes;
        var writeAt = Cat(fillBank, FillPort.Address);
        var readAt = Cat(computeBank, DrainPort.Address);
        for (var c = 0; c < columns; c++)
        {
            var column = Enumerable.Range(c * ColumnBytes, ColumnBytes).ToArray();
            var data = Cat([.. column.Reverse().Select(b => FillPort.Data[b])]);
            var enables = FillPort.Bytes[((c + 1) * ColumnBytes) - 1, c * ColumnBytes];
            var banks = Mem(UInt(8 * ColumnBytes), 2 << addressBits, RamStyle.Block, byteWidth: 8, name: $"banks_{c}");
            When(FillPort.Write, () => banks.Write(writeAt, data, byteEnable: enables));
            var word = banks.Read(readAt, name: $"read_{c}");
            for (var i = 0; i < ColumnBytes; i++)
                DrainPort.Data[column[i]].Assign(word[(8 * i) + 7, 8 * i].AsSInt());
        }

        FillPort.CanFill.Assign(!Mux(fillBank, full1, full0));
        DrainPort.Valid.Assign(Mux(fillBank, full0, full1));
    }

    public int RowBytes { get; }

    public int Depth { get; }

    /// <summary>The bytes of a row each memory of a bank holds.</summary>
    public int ColumnBytes { get; }

    public override string ModuleName => $"WeightBuffer{RowBytes}x{Depth}";

    /// <summary>The producer's side: rows into the fill bank.</summary>
    public WeightFill FillPort { get; }

    /// <summary>The consumer's side: rows of the compute bank.</summary>
    public WeightDrain DrainPort { get; }
}

/// <summary>The producer's port of the <see cref="WeightBuffer"/>: rows into the fill bank while it may be filled.</summary>
public sealed class WeightFill : Bundle
{
    public WeightFill(BundleFields f, int rowBytes, int depth)
    {
        Write = f.Field(Hw.Bool());
        Address = f.Field(Hw.UInt(Hw.BitsFor(depth)));
        Bytes = f.Field(Hw.UInt(rowBytes));
        Data = f.Field(Hw.Vec(rowBytes, Hw.SInt(8)));
        Done = f.Field(Hw.Bool());
        Clear = f.Field(Hw.Bool());
        CanFill = f.Flipped(Hw.Bool());
    }

    public Bool Write { get; }

    public UInt Address { get; }

    /// <summary>One bit per byte of the row: the bytes this write changes (a beat of a DMA, a gathered column).</summary>
    public UInt Bytes { get; }

    public Vec<SInt> Data { get; }

    /// <summary>Pulse: the fill bank is complete.</summary>
    public Bool Done { get; }

    /// <summary>Pulse: empty both banks (a new program, or one stopped midway); the rows keep their bytes.</summary>
    public Bool Clear { get; }

    /// <summary>The fill bank may be written.</summary>
    public Bool CanFill { get; }

    public static BundleType<WeightFill> Of(int rowBytes, int depth) => new(f => new WeightFill(f, rowBytes, depth));
}

/// <summary>The consumer's port of the <see cref="WeightBuffer"/>: rows of the compute bank.</summary>
public sealed class WeightDrain : Bundle
{
    public WeightDrain(BundleFields f, int rowBytes, int depth)
    {
        Address = f.Field(Hw.UInt(Hw.BitsFor(depth)));
        Data = f.Flipped(Hw.Vec(rowBytes, Hw.SInt(8)));
        Valid = f.Flipped(Hw.Bool());
        Done = f.Field(Hw.Bool());
    }

    public UInt Address { get; }

    /// <summary>The row at <see cref="Address"/> of the compute bank, one cycle later.</summary>
    public Vec<SInt> Data { get; }

    /// <summary>The compute bank holds a complete set of weights.</summary>
    public Bool Valid { get; }

    /// <summary>Pulse: the consumer is finished with the compute bank.</summary>
    public Bool Done { get; }

    public static BundleType<WeightDrain> Of(int rowBytes, int depth) => new(f => new WeightDrain(f, rowBytes, depth));
}
