using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>A source row on its way to the vector units, with where it stands in the instruction's walk.</summary>
public sealed class VectorRow : Bundle
{
    public VectorRow(BundleFields f, AcceleratorConfig config)
    {
        Data = f.Field(Hw.UInt(VectorReader.DataBits(config)));
        Block = f.Field(Hw.UInt(16));
        First = f.Field(Hw.Bool());
        Pass = f.Field(Hw.UInt(2));
        PassStart = f.Field(Hw.Bool());
        RowOdd = f.Field(Hw.Bool());
    }

    /// <summary>
    /// An activation row in the low Tn bytes (an ADD's second operand above it, its first below), or
    /// Tm int32 accumulator values for SOFTMAX.
    /// </summary>
    public UInt Data { get; }

    /// <summary>The row's block within its pixel (SOFTMAX: its accumulator row within the score row).</summary>
    public UInt Block { get; }

    /// <summary>The row belongs to the first pixel.</summary>
    public Bool First { get; }

    /// <summary>SOFTMAX's pass over the score row: 0 maximum, 1 sum, 2 probabilities.</summary>
    public UInt Pass { get; }

    /// <summary>The first row of a pass (of a pixel, outside SOFTMAX).</summary>
    public Bool PassStart { get; }

    /// <summary>SOFTMAX: the score row is odd (two rows' passes interleave).</summary>
    public Bool RowOdd { get; }

    public static BundleType<VectorRow> Of(AcceleratorConfig config) => new(f => new VectorRow(f, config));
}

/// <summary>
/// The vector engine's reader: from START it walks the instruction's source rows — pixels x blocks of
/// activation rows at <c>Src + pixel x SrcStride + block</c> (an ADD of two operands reads the second
/// at <c>SrcB</c> right after the first), or for SOFTMAX each score row's accumulator rows three times
/// (maximum, sum, probabilities; a row's sum pass after the row before's maximum and sum, its probability
/// pass after the next row's: the sum waits for <see cref="SumAllowed"/>, the probabilities for
/// <see cref="ProbabilitiesAllowed"/>) — and
/// queues them on <see cref="Rows"/>. A read issues only when the queue has room for it and the read
/// still in flight.
/// </summary>
public sealed class VectorReader : Module
{
    private const int QueueDepth = 4;

    public static int DataBits(AcceleratorConfig config) => Math.Max(2 * config.Tn * 8, config.Tm * 32);

    public VectorReader(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int groups = config.Groups, tn = config.Tn, tm = config.Tm;
        int actBits = Hw.BitsFor(config.ActivationRows), accBits = Hw.BitsFor(config.AccumulatorRows);
        var dataBits = DataBits(config);
        Start = Input(Bool());
        Abort = Input(Bool());
        Reads = Input(Bool());
        FromAccumulators = Input(Bool());
        TwoOperands = Input(Bool());
        Group = Input(UInt(Hw.BitsFor(groups)));
        Source = Input(UInt(actBits));
        SourceB = Input(UInt(actBits));
        SourceStride = Input(UInt(actBits));
        AccSource = Input(UInt(accBits));
        AccRowsPerRow = Input(UInt(accBits));
        BlocksLast = Input(UInt(16));
        PixelsLast = Input(UInt(16));
        AccRowsLast = Input(UInt(16));
        SumAllowed = Input(Bool());
        ProbabilitiesAllowed = Input(Bool());
        Read = Output(BufferRead.Of(config));
        ReadData = Input(Vec(groups * tn, SInt(8)));
        AccReadAddress = Output(UInt(accBits));
        AccReadData = Input(Vec(groups * tm, SInt(32)));
        Rows = Output(Stream(VectorRow.Of(config)));
        LastRow = Output(Bool());
        SumPassRead = Output(Bool());
        ProbabilityRowRead = Output(Bool());

        var tagBits = 1 + 16 + 1 + 2 + 1;
        var rows = Instance(new StreamQueue<UInt>(UInt(dataBits + tagBits), QueueDepth, RamStyle.Distributed, config.ClockDomain), "rows");
        var readPixel = Reg(UInt(16), name: "read_pixel");
        var readBlock = Reg(UInt(16), name: "read_block");
        var readPass = Reg(UInt(2), name: "read_pass");
        var readBase = Reg(UInt(actBits), name: "read_base");
        var readBaseB = Reg(UInt(actBits), name: "read_base_b");
        var readSecond = Reg(Bool(), name: "read_second");
        var reading = Reg(Bool(), reset: 0, name: "reading");
        var inFlight = Reg(Bool(), reset: 0, name: "in_flight");
        var heldA = Reg(UInt(tn * 8), name: "held_a");
        var accBase = Reg(UInt(accBits), name: "acc_base");
        // SOFTMAX reads score row k's maximum and sum passes, then row k - 1's probabilities (group k, from 0 to
        // the rows' count: group 0 has no probability pass, the last group only that one), so the unit finds a
        // row's maximum and sum while the row before it is divided.
        var tail = Reg(Bool(), name: "tail");
        var lastBlock = readBlock == BlocksLast;
        var lastPixel = readPixel == PixelsLast;
        var lastAccRow = readBlock == AccRowsLast;
        // Room for this read and the one in flight, whose row is pushed this cycle (a pop this cycle is not
        // counted on): two compares with constants picked by the read in flight, not an addition before a
        // compare. A row a cycle for GN_STATS, which takes each row whole (with one slot more held back, a
        // queue that reached two rows issued three reads in four cycles).
        var room = Mux(inFlight, rows.Count < QueueDepth - 1, rows.Count < QueueDepth);

        var actRead = reading & !FromAccumulators & room;
        Read.Valid.Assign(actRead);
        Read.Group.Assign(Group);
        Read.Address.Assign((Mux(readSecond, readBaseB, readBase) + readBlock.Resize(actBits)).Resize(actBits));
        var actIssued = actRead & Read.Granted;
        var allowed = (readPass == 0) | ((readPass == 1) & SumAllowed) | ((readPass == 2) & ProbabilitiesAllowed);
        var accIssued = reading & FromAccumulators & room & allowed;
        var probabilities = readPass == 2;
        AccReadAddress.Assign((Mux(probabilities, (accBase - AccRowsPerRow).Resize(accBits), accBase) + readBlock.Resize(accBits)).Resize(accBits));
        var rowDone = (actIssued & (readSecond | !TwoOperands)) | accIssued;
        SumPassRead.Assign(!Start & accIssued & lastAccRow & (readPass == 1));
        ProbabilityRowRead.Assign(!Start & accIssued & lastAccRow & probabilities);

        // The data of a read issued last cycle; its tags were registered with it.
        var arrived = RegNext(rowDone, reset: 0, name: "arrived");
        var arrivedSecond = RegNext(actIssued & TwoOperands & !readSecond, reset: 0, name: "arrived_first_operand");
        var arrivedBlock = RegNext(readBlock, name: "arrived_block");
        var arrivedFirst = RegNext(Mux(probabilities, readPixel == 1, readPixel == 0), name: "arrived_first_pixel");
        var arrivedPass = RegNext(readPass, name: "arrived_pass");
        var arrivedPassStart = RegNext(readBlock == 0, name: "arrived_pass_start");
        var arrivedRowOdd = RegNext(readPixel[0] ^ probabilities, name: "arrived_row_odd");
        var readGroup = RegNext(Group, name: "read_group");
        var actRow = Cat([.. Enumerable.Range(0, tn).Reverse().Select(n => SelectGroup(ReadData, readGroup, groups, tn, n).AsUInt())]);
        var accRow = Cat([.. Enumerable.Range(0, tm).Reverse().Select(m => SelectGroup(AccReadData, readGroup, groups, tm, m).AsUInt())]);
        When(arrivedSecond, () => heldA.Assign(actRow));
        var payload = Mux(FromAccumulators, accRow.ZeroExtend(dataBits), Mux(TwoOperands, Cat(actRow, heldA), Cat(Lit(0, tn * 8), actRow)).ZeroExtend(dataBits));
        rows.In.Valid.Assign(arrived);
        rows.In.Payload.Assign(Cat(payload, arrivedRowOdd, arrivedBlock, arrivedFirst, arrivedPass, arrivedPassStart));
        rows.Clear.Assign(Abort);
        inFlight.Assign(rowDone);

        When(Start, () =>
        {
            reading.Assign(Reads);
            readPixel.Assign(0);
            readBlock.Assign(0);
            readPass.Assign(0);
            tail.Assign(false);
            readSecond.Assign(false);
            readBase.Assign(Mux(FromAccumulators, Lit(0, actBits), Source));
            readBaseB.Assign(SourceB);
            accBase.Assign(AccSource);
        }).ElseWhen(actIssued, () =>
        {
            When(TwoOperands & !readSecond, () => readSecond.Assign(true)).Otherwise(() =>
            {
                readSecond.Assign(false);
                When(!lastBlock, () => readBlock.Assign((readBlock + 1).Resize(16))).Otherwise(() =>
                {
                    readBlock.Assign(0);
                    readBase.Assign((readBase + SourceStride).Resize(actBits));
                    readBaseB.Assign((readBaseB + SourceStride).Resize(actBits));
                    readPixel.Assign((readPixel + 1).Resize(16));
                    When(lastPixel, () => reading.Assign(false));
                });
            });
        }).ElseWhen(accIssued, () =>
        {
            When(!lastAccRow, () => readBlock.Assign((readBlock + 1).Resize(16))).Otherwise(() =>
            {
                readBlock.Assign(0);
                // The group's last pass: row k's sum in group 0, else row k - 1's probabilities.
                var groupEnds = probabilities | ((readPass == 1) & (readPixel == 0));
                When(groupEnds & tail, () => reading.Assign(false)).ElseWhen(groupEnds, () =>
                {
                    accBase.Assign((accBase + AccRowsPerRow).Resize(accBits));
                    readPixel.Assign((readPixel + 1).Resize(16));
                    readPass.Assign(Mux(lastPixel, Lit(2, 2), Lit(0, 2)));
                    tail.Assign(lastPixel);
                }).Otherwise(() => readPass.Assign((readPass + 1).Resize(2)));
            });
        });
        When(Abort, () => reading.Assign(false));

        var head = rows.Out.Payload;
        Rows.Valid.Assign(rows.Out.Valid);
        rows.Out.Ready.Assign(Rows.Ready);
        Rows.Payload.PassStart.Assign(head[0]);
        Rows.Payload.Pass.Assign(head[2, 1]);
        Rows.Payload.First.Assign(head[3]);
        Rows.Payload.Block.Assign(head[19, 4]);
        Rows.Payload.RowOdd.Assign(head[20]);
        Rows.Payload.Data.Assign(head[tagBits + dataBits - 1, tagBits]);
        LastRow.Assign(!reading & !inFlight & (rows.Count == 1));
        Unused(rows.In.Ready, "queue_ready");
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"VectorReader{Config.Groups}x{Config.Tn}";

    /// <summary>Pulse: begin the walk the inputs below describe (held until the instruction ends).</summary>
    public Bool Start { get; }

    /// <summary>Pulse: stop reading and empty the queue.</summary>
    public Bool Abort { get; }

    /// <summary>The instruction reads rows at all (GN_FINISH does not).</summary>
    public Bool Reads { get; }

    /// <summary>SOFTMAX: the rows are accumulator rows, read three times each.</summary>
    public Bool FromAccumulators { get; }

    /// <summary>An ADD of two operands: each row pairs the row at Src with the one at SrcB.</summary>
    public Bool TwoOperands { get; }

    public UInt Group { get; }

    public UInt Source { get; }

    public UInt SourceB { get; }

    /// <summary>Rows from one source pixel to the next (its low bits: the buffer's address width).</summary>
    public UInt SourceStride { get; }

    public UInt AccSource { get; }

    /// <summary>Accumulator rows per score row (its low bits: the banks' address width).</summary>
    public UInt AccRowsPerRow { get; }

    /// <summary>Blocks per pixel, less one.</summary>
    public UInt BlocksLast { get; }

    public UInt PixelsLast { get; }

    public UInt AccRowsLast { get; }

    /// <summary>SOFTMAX's sum pass may read: the unit has taken the row before's sum to divide.</summary>
    public Bool SumAllowed { get; }

    /// <summary>SOFTMAX's probability pass may read: the row's reciprocal is held.</summary>
    public Bool ProbabilitiesAllowed { get; }

    public BufferRead Read { get; }

    /// <summary>Every group's row at <see cref="BufferRead.Address"/> of the previous cycle.</summary>
    public Vec<SInt> ReadData { get; }

    public UInt AccReadAddress { get; }

    public Vec<SInt> AccReadData { get; }

    public Stream<VectorRow> Rows { get; }

    /// <summary>The row at the head of <see cref="Rows"/> is the walk's last.</summary>
    public Bool LastRow { get; }

    /// <summary>Pulse: a SOFTMAX row's last accumulator read of its sum pass issued.</summary>
    public Bool SumPassRead { get; }

    /// <summary>Pulse: a SOFTMAX row's last accumulator read of its probability pass issued.</summary>
    public Bool ProbabilityRowRead { get; }

    /// <summary>Element <paramref name="index"/> of the group selected by <paramref name="group"/> in a vector of <paramref name="perGroup"/> elements per group.</summary>
    private static SInt SelectGroup(Vec<SInt> values, UInt group, int groups, int perGroup, int index)
    {
        var result = values[index];
        for (var g = 1; g < groups; g++)
            result = Hw.Mux(group == g, values[(g * perGroup) + index], result);
        return result;
    }
}
