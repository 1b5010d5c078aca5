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
    public WeightBuffer(int rowBytes, int depth)
    {
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

        var row = Cat([.. WriteData.Reverse()]);
        var bank0 = Mem(UInt(8 * rowBytes), depth, RamStyle.Block, byteWidth: 8, name: "bank_0");
        var bank1 = Mem(UInt(8 * rowBytes), depth, RamStyle.Block, byteWidth: 8, name: "bank_1");
        When(Write & !fillBank, () => bank0.Write(WriteAddress, row, byteEnable: WriteBytes));
        When(Write & fillBank, () => bank1.Write(WriteAddress, row, byteEnable: WriteBytes));
        var word0 = bank0.Read(ReadAddress, name: "read_0");
        var word1 = bank1.Read(ReadAddress, name: "read_1");
        var readBank = RegNext(computeBank, name: "read_bank");
        var word = Mux(readBank, word1, word0);
        for (var i = 0; i < rowBytes; i++)
            ReadData[i].Assign(word[(8 * i) + 7, 8 * i].AsSInt());
        CanFill.Assign(!Mux(fillBank, full1, full0));
        ComputeValid.Assign(Mux(fillBank, full0, full1));
    }

    public int RowBytes { get; }

    public int Depth { get; }

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
