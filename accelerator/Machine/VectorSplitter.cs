using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The vector engine's splitter: the head row of <see cref="Rows"/> goes to the units
/// <see cref="AcceleratorConfig.VectorLanes"/> values a beat — Tn / lanes beats of bytes (both ADD
/// operands side by side), or Tm / lanes beats of int32 scores for SOFTMAX, or for GN_STATS the whole
/// row in one beat — one beat each cycle the unit takes it; the row leaves the queue with its last beat.
/// </summary>
public sealed class VectorSplitter : Module
{
    public VectorSplitter(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int tn = config.Tn, tm = config.Tm, lanes = config.VectorLanes;
        int rowBeats = tn / lanes, accBeats = tm / lanes;
        var beatBits = BeatBits(config);
        Rows = Input(Stream(VectorRow.Of(config)));
        Running = Input(Bool());
        Scores = Input(Bool());
        WholeRow = Input(Bool());
        Restart = Input(Bool());
        UnitReady = Input(Bool());
        Valid = Output(Bool());
        Taken = Output(Bool());
        Beat = Output(UInt(beatBits));
        LastBeat = Output(Bool());
        A = Output(Vec(lanes, SInt(8)));
        B = Output(Vec(lanes, SInt(8)));
        Score = Output(Vec(lanes, SInt(32)));
        Row = Output(Vec(tn, SInt(8)));

        var beat = Reg(UInt(beatBits), reset: 0, name: "beat");
        var data = Rows.Payload.Data;
        var beatsPerRow = Mux(Scores, Lit(accBeats, beatBits), Mux(WholeRow, Lit(1, beatBits), Lit(rowBeats, beatBits)));
        var lastBeat = beat == (beatsPerRow - 1).Resize(beatBits);
        for (var l = 0; l < lanes; l++)
        {
            A[l].Assign(SelectLane(data, beat, lanes, l, 8, 0, rowBeats).AsSInt());
            B[l].Assign(SelectLane(data, beat, lanes, l, 8, tn * 8, rowBeats).AsSInt());
            Score[l].Assign(SelectLane(data, beat, lanes, l, 32, 0, accBeats).AsSInt());
        }
        for (var n = 0; n < tn; n++)
            Row[n].Assign(data[(n * 8) + 7, n * 8].AsSInt());
        var valid = Rows.Valid & Running;
        var taken = valid & UnitReady;
        When(taken, () => beat.Assign(Mux(lastBeat, Lit(0, beatBits), (beat + 1).Resize(beatBits))));
        When(Restart, () => beat.Assign(0));
        Rows.Ready.Assign(taken & lastBeat);
        Valid.Assign(valid);
        Taken.Assign(taken);
        Beat.Assign(beat);
        LastBeat.Assign(lastBeat);
        Unused(Cat(Rows.Payload.Block, Rows.Payload.First, Rows.Payload.Pass, Rows.Payload.PassStart, Rows.Payload.RowOdd), "tags");
    }

    /// <summary>The beat counter's width: enough for the longer of a row's byte beats and its score beats.</summary>
    public static int BeatBits(AcceleratorConfig config) => Hw.BitsFor(Math.Max(config.Tn, config.Tm) / config.VectorLanes + 1);

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"VectorSplitter{Config.VectorLanes}";

    public Stream<VectorRow> Rows { get; }

    /// <summary>The instruction runs (past its setup cycle): beats may leave.</summary>
    public Bool Running { get; }

    /// <summary>SOFTMAX: the rows hold int32 scores.</summary>
    public Bool Scores { get; }

    /// <summary>GN_STATS: the unit takes the whole row (<see cref="Row"/>) in one beat.</summary>
    public Bool WholeRow { get; }

    /// <summary>Pulse: an instruction starts or is aborted; the next row starts at beat 0.</summary>
    public Bool Restart { get; }

    /// <summary>The instruction's unit takes a beat this cycle.</summary>
    public Bool UnitReady { get; }

    /// <summary>A beat is offered.</summary>
    public Bool Valid { get; }

    /// <summary>The unit takes it.</summary>
    public Bool Taken { get; }

    /// <summary>The beat's number within its row.</summary>
    public UInt Beat { get; }

    /// <summary>It is the row's last beat.</summary>
    public Bool LastBeat { get; }

    /// <summary>Bytes beat x lanes .. of the row (ADD: the first operand).</summary>
    public Vec<SInt> A { get; }

    /// <summary>The second ADD operand's bytes at the same place.</summary>
    public Vec<SInt> B { get; }

    /// <summary>The head row's Tn bytes, for a unit that takes it whole.</summary>
    public Vec<SInt> Row { get; }

    /// <summary>SOFTMAX: scores beat x lanes .. of the accumulator row.</summary>
    public Vec<SInt> Score { get; }

    /// <summary>Lane <paramref name="lane"/> of beat <paramref name="beat"/>: element beat·lanes + lane of <paramref name="bits"/>-bit elements from bit <paramref name="offset"/>.</summary>
    private static UInt SelectLane(UInt data, UInt beat, int lanes, int lane, int bits, int offset, int beats)
    {
        UInt result = data[offset + (lane * bits) + bits - 1, offset + (lane * bits)];
        for (var k = 1; k < beats; k++)
        {
            var position = offset + (((k * lanes) + lane) * bits);
            result = Hw.Mux(beat == k, data[position + bits - 1, position], result);
        }
        return result;
    }
}
