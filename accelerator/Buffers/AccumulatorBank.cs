using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Accelerator.Buffers;

/// <summary>
/// Accumulator banks: int32 partial sums of Tm output channels per row (one row per output pixel of
/// a tile), for layers whose input channels take several passes. <see cref="Add"/> stores the
/// values at <see cref="AddAddress"/> (with <see cref="AddFirst"/>) or adds them to what is there;
/// the read happens one cycle before the write, and a sum still on its way to the same row is
/// forwarded, so back-to-back adds to one row are exact. <see cref="ReadData"/> answers
/// <see cref="ReadAddress"/> one cycle later; a row added this cycle reads as before the add.
/// Sums wrap at 32 bits. The row being written shows on <see cref="Sum"/> the cycle after its add, for a requantizer behind the bank.
/// </summary>
public sealed class AccumulatorBank : Module
{
    public AccumulatorBank(int lanes, int rows, ClockDomain? domain = null)
    {
        Domain = domain ?? ClockDomain.Default;
        Lanes = lanes;
        Rows = rows;
        var addressBits = Hw.BitsFor(rows);
        Add = Input(Bool());
        AddFirst = Input(Bool());
        AddAddress = Input(UInt(addressBits));
        AddValues = Input(Vec(lanes, SInt(32)));
        ReadAddress = Input(UInt(addressBits));
        ReadData = Output(Vec(lanes, SInt(32)));
        SumValid = Output(Bool());
        Sum = Output(Vec(lanes, SInt(32)));

        var bank = Mem(UInt(32 * lanes), rows, RamStyle.Block, name: "bank");
        var old = bank.Read(AddAddress, name: "old_row");
        var pending = RegNext(Add, reset: 0, name: "pending");
        var first = RegNext(AddFirst, name: "pending_first");
        var address = RegNext(AddAddress, name: "pending_address");
        var values = AddValues.Select((v, i) => RegNext(v, name: $"pending_value_{i}")).ToArray();

        // The row written last cycle has not reached the memory's read port yet: forward it.
        var written = Reg(UInt(32 * lanes), name: "written_row");
        // Whether to forward is decided a cycle ahead, when the row now pending meets the address coming in,
        // so the address compare is not in front of the adders.
        var forward = RegNext(pending & (address == AddAddress), reset: 0, name: "forward");
        var current = Mux(forward, written, old);
        var sums = new Signal[lanes];
        for (var lane = 0; lane < lanes; lane++)
        {
            var before = current[(32 * lane) + 31, 32 * lane].AsSInt();
            sums[lanes - 1 - lane] = Mux(first, values[lane], before.AddWrap(values[lane]));
        }
        var row = Cat(sums);
        When(pending, () => bank.Write(address, row));
        SumValid.Assign(pending);
        for (var lane = 0; lane < lanes; lane++)
            Sum[lane].Assign(Mux(pending, (SInt)sums[lanes - 1 - lane], SLit(0, 32)));
        written.Assign(row);

        var read = bank.Read(ReadAddress, name: "read_row");
        for (var lane = 0; lane < lanes; lane++)
            ReadData[lane].Assign(read[(32 * lane) + 31, 32 * lane].AsSInt());
    }

    public int Lanes { get; }

    public int Rows { get; }

    public override string ModuleName => $"AccumulatorBank{Lanes}x{Rows}";

    public Bool Add { get; }

    public Bool AddFirst { get; }

    public UInt AddAddress { get; }

    public Vec<SInt> AddValues { get; }

    public UInt ReadAddress { get; }

    public Vec<SInt> ReadData { get; }

    /// <summary>High the cycle after an <see cref="Add"/>: <see cref="Sum"/> holds the row as it is written (stored or added); 0 otherwise.</summary>
    public Bool SumValid { get; }

    public Vec<SInt> Sum { get; }
}
