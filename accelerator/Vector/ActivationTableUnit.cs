using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// SiLU (or any int8 → int8 function) by table, <see cref="Lanes"/> values per cycle
/// (docs/numerics.md, "SiLU"): each lane holds <see cref="Slots"/> 256-entry tables, filled at run time
/// per layer and step group through the table port (one write reaches every lane), so the next
/// layer's table loads while this one runs. A write and a read of the same entry in one cycle read
/// the old entry. Latency <see cref="Latency"/> cycles of advance.
/// </summary>
public sealed class ActivationTableUnit : StreamPipeline
{
    public const int Latency = 2;

    private const int BankAddressBits = 6;

    private const int BankEntries = 1 << BankAddressBits;

    public ActivationTableUnit(int lanes, int slots, ClockDomain? domain = null)
    {
        Domain = domain ?? Domain;
        if (lanes < 1 || slots < 1)
            throw new ArgumentOutOfRangeException(nameof(lanes), "at least one lane and one table slot");
        Lanes = lanes;
        Slots = slots;
        var slotBits = Hw.BitsFor(slots);
        InValid = Input(Bool());
        OutReady = Input(Bool());
        X = Input(Vec(lanes, SInt(8)));
        Slot = Input(UInt(slotBits));
        TableWrite = Input(Bool());
        TableSlot = Input(UInt(slotBits));
        TableIndex = Input(UInt(8));
        TableValue = Input(SInt(8));
        InReady = Output(Bool());
        OutValid = Output(Bool());
        Y = Output(Vec(lanes, SInt(8)));

        InReady.Assign(StartPipeline(OutReady));
        OutValid.Assign(ValidChain(InValid, Latency)[^1]);
        // Writes land a cycle after they are offered: the LUT RAM's write decode then starts at flip-flops,
        // not at the table loader's byte selection.
        var write = RegNext(TableWrite, reset: 0, name: "write");
        var writeAddress = RegNext(Cat(TableSlot, TableIndex), name: "write_address");
        var writeValue = RegNext(TableValue, name: "write_value");
        // Each lane's tables are banks of 64 entries (one LUT RAM deep): every bank is read into a register
        // and the bank is chosen after it, in the second stage, so the multiplexer over the banks does not
        // follow the LUT RAMs in the same cycle.
        var addressBits = slotBits + 8;
        var banks = (slots << 8) / BankEntries;
        for (var lane = 0; lane < lanes; lane++)
        {
            // Table index = x + 128: the input's bits with the sign bit flipped.
            var address = Cat(Slot, X[lane].AsUInt() ^ Lit(0x80, 8));
            var reads = new SInt[banks];
            for (var b = 0; b < banks; b++)
            {
                var (bank, here) = (Mem(SInt(8), BankEntries, RamStyle.Distributed, name: $"table_{lane}_{b}"), writeAddress[addressBits - 1, BankAddressBits] == b);
                When(write & here, () => bank.Write(writeAddress[BankAddressBits - 1, 0], writeValue));
                reads[b] = bank.Read(address[BankAddressBits - 1, 0], Advance, name: $"read_{lane}_{b}");
            }
            var chosen = Stage(address[addressBits - 1, BankAddressBits], $"bank_{lane}");
            Y[lane].Assign(Stage(Hw.VecOf(reads).Select(chosen), $"y_{lane}"));
        }
    }

    public int Lanes { get; }

    public int Slots { get; }

    public override string ModuleName => $"ActivationTableUnit{Lanes}x{Slots}";

    public Bool InValid { get; }

    public Bool OutReady { get; }

    public Vec<SInt> X { get; }

    public UInt Slot { get; }

    public Bool TableWrite { get; }

    public UInt TableSlot { get; }

    /// <summary>The entry's input value + 128.</summary>
    public UInt TableIndex { get; }

    public SInt TableValue { get; }

    public Bool InReady { get; }

    public Bool OutValid { get; }

    public Vec<SInt> Y { get; }
}
