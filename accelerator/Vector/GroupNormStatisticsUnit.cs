using DiffAcc.Accelerator.Datapath;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// GroupNorm's first pass, per channel: Σx and Σx² of every value streamed in, <see cref="Lanes"/>
/// values per cycle (the vector engine gives it a whole buffer row, Tn values, a cycle). Lane l of a beat with <c>Index</c> i is channel i·Lanes + l; each lane keeps its
/// channels' sums in a small table (read, add, write back, with the row written last cycle forwarded),
/// so any order of pixels and channels works and a group's sums are its channels' sums. A beat with
/// <c>First</c> stores instead of adding (the first pixel of a new tensor). Σx wraps at
/// <see cref="ReciprocalSqrtUnit.ChannelSumBits"/> bits, Σx² at <see cref="ReciprocalSqrtUnit.ChannelSquaresBits"/>.
/// The second read port (<c>ReadIndex</c>, <c>ReadLane</c>, one cycle) serves GN_FINISH.
/// </summary>
public sealed class GroupNormStatisticsUnit : Module
{
    public GroupNormStatisticsUnit(int lanes, int channels, ClockDomain? domain = null)
    {
        Domain = domain ?? Domain;
        if (lanes < 1 || channels % lanes != 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"{channels} channels do not fill {lanes} lanes evenly");
        Lanes = lanes;
        Channels = channels;
        var depth = channels / lanes;
        var indexBits = Hw.BitsFor(depth);
        const int sumBits = ReciprocalSqrtUnit.ChannelSumBits, squaresBits = ReciprocalSqrtUnit.ChannelSquaresBits;
        InValid = Input(Bool());
        X = Input(Vec(lanes, SInt(8)));
        Index = Input(UInt(indexBits));
        First = Input(Bool());
        ReadIndex = Input(UInt(indexBits));
        ReadLane = Input(UInt(Hw.BitsFor(lanes)));
        ReadSum = Output(SInt(sumBits));
        ReadSquares = Output(UInt(squaresBits));

        var valid0 = RegNext(InValid, reset: 0, name: "valid_0");
        var index0 = RegNext(Index, name: "index_0");
        var first0 = RegNext(First, name: "first_0");
        var x0 = X.Select((v, l) => RegNext(v, name: $"x0_{l}")).ToArray();
        var valid1 = RegNext(valid0, reset: 0, name: "valid_1");
        var index1 = RegNext(index0, name: "index_1");
        var first1 = RegNext(first0, name: "first_1");
        var written = Reg(Bool(), reset: 0, name: "written");
        var writtenIndex = Reg(UInt(indexBits), name: "written_index");
        written.Assign(valid1);
        writtenIndex.Assign(index1);
        var reads = new UInt[lanes];
        for (var l = 0; l < lanes; l++)
        {
            var table = Mem(UInt(sumBits + squaresBits), depth, RamStyle.Distributed, name: $"sums_{l}");
            var old = table.Read(index0, name: $"old_{l}");
            var x1 = RegNext(x0[l], name: $"x1_{l}");
            // x² in fabric logic (radix-4 Booth picks of ±x, ±2x), beside the table's read: a lane per byte of a
            // buffer row would otherwise take a DSP48E2 each.
            var square = RegNext(Square(x0[l]), name: $"square1_{l}");
            var writtenRow = Reg(UInt(sumBits + squaresBits), name: $"written_row_{l}");
            // The row this lane wrote last cycle has not reached the table's read port yet.
            var current = Mux(written & (writtenIndex == index1), writtenRow, old);
            var sum = Mux(first1, x1.SignExtend(sumBits), current[sumBits + squaresBits - 1, squaresBits].AsSInt().AddWrap(x1.SignExtend(sumBits)));
            var squares = Mux(first1, square.ZeroExtend(squaresBits), current[squaresBits - 1, 0].AddWrap(square.ZeroExtend(squaresBits)));
            var row = Cat(sum, squares);
            When(valid1, () => table.Write(index1, row));
            writtenRow.Assign(row);
            reads[l] = table.Read(ReadIndex, name: $"read_{l}");
        }
        var lane = RegNext(ReadLane, name: "read_lane");
        UInt selected = reads[0];
        for (var l = 1; l < lanes; l++)
            selected = Mux(lane == l, reads[l], selected);
        ReadSum.Assign(selected[sumBits + squaresBits - 1, squaresBits].AsSInt());
        ReadSquares.Assign(selected[squaresBits - 1, 0]);
    }

    /// <summary>x² of an int8 (at most 2^14, so 15 bits), as the sum of its radix-4 Booth partial products.</summary>
    private static UInt Square(SInt x)
    {
        var products = BoothProduct.PartialProducts(x, BoothProduct.Of(x));
        return products.Skip(1).Aggregate(products[0], (sum, p) => sum.AddWrap(p)).AsUInt().Truncate(15);
    }

    /// <summary>Cycles from a beat's <see cref="InValid"/> to its sums in the table: its registers, then the table's read, add and write.</summary>
    public const int Stages = 2;

    public int Lanes { get; }

    public int Channels { get; }

    public override string ModuleName => $"GroupNormStatisticsUnit{Lanes}x{Channels}";

    public Bool InValid { get; }

    public Vec<SInt> X { get; }

    /// <summary>The beat's channels are Index·Lanes .. + Lanes − 1.</summary>
    public UInt Index { get; }

    public Bool First { get; }

    public UInt ReadIndex { get; }

    public UInt ReadLane { get; }

    public SInt ReadSum { get; }

    public UInt ReadSquares { get; }
}
