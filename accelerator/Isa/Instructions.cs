namespace DiffAcc.Accelerator.Isa;

/// <summary>Marks an instruction record with its opcode, the engine that executes it and a one-line summary.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class InstructionAttribute(int opcode, string mnemonic, Engine engine, string summary) : Attribute
{
    public int Opcode { get; } = opcode;

    public string Mnemonic { get; } = mnemonic;

    public Engine Engine { get; } = engine;

    public string Summary { get; } = summary;
}

/// <summary>
/// One 256-bit Diff-Acc instruction. The header (bits 15:0) holds the opcode, the engines whose
/// tokens this instruction waits for before it starts, and the engines it signals when it has
/// finished (its writes have landed). The fields of each record, in declaration order, follow
/// from bit 16; <see cref="InstructionSet"/> lays them out and encodes them.
/// </summary>
public abstract record Instruction
{
    /// <summary>Wait for one token from each of these engines (a counting semaphore per ordered pair of engines).</summary>
    public Engines Wait { get; init; }

    /// <summary>Give one token to each of these engines when this instruction has finished.</summary>
    public Engines Signal { get; init; }
}

/// <summary>The DDR address of a DMA instruction: <c>BASE[Base] + Offset + (STEP or STEP_GROUP) x StepStride</c>.</summary>
public abstract record DmaInstruction : Instruction
{
    [Field(2, "DDR base register (BASE0 .. BASE3) the address is relative to")]
    public int Base { get; init; }

    [Field(32, "byte offset from the base register")]
    public long Offset { get; init; }

    [Field(2, "adds STEP x StepStride (1) or STEP_GROUP x StepStride (2) to the address")]
    public StepMode StepMode { get; init; }

    [Field(24, "bytes per step or step group (up to 16 MB)")]
    public long StepStride { get; init; }
}

/// <summary>
/// A 2-D transfer between DDR and one group's activation buffer: <c>Chunks</c> chunks of <c>Rows</c>
/// buffer rows (Tn bytes each), chunk k at DDR <c>address + k x DdrStride</c> and buffer row
/// <c>ActRow + k x ActStride</c>. A chunk's DDR address is aligned to min(Tn, 16) bytes.
/// </summary>
public abstract record ActivationTransfer : DmaInstruction
{
    [Field(3, "PE group whose activation buffer is read or written")]
    public int Group { get; init; }

    [Field(16, "activation buffer row of the first chunk")]
    public int ActRow { get; init; }

    [Field(16, "buffer rows per chunk (Tn bytes each)")]
    public int Rows { get; init; }

    [Field(16, "chunks")]
    public int Chunks { get; init; }

    [Field(32, "DDR bytes from one chunk to the next")]
    public long DdrStride { get; init; }

    [Field(16, "buffer rows from one chunk to the next")]
    public int ActStride { get; init; }
}

[Instruction(1, "LOAD", Engine.Load, "DDR to an activation buffer, 2-D (a tile of a tensor, or one part of a concatenation)")]
public sealed record Load : ActivationTransfer;

[Instruction(2, "STORE", Engine.Store, "an activation buffer to DDR, 2-D")]
public sealed record Store : ActivationTransfer;

[Instruction(3, "LOAD_TABLE", Engine.Load, "DDR to an on-chip table: requantizer entries, activation tables, GroupNorm channels, vector parameters, the CONV pad value or input exponents")]
public sealed record LoadTable : DmaInstruction
{
    [Field(3, "which table")]
    public TableKind Kind { get; init; }

    [Field(16, "first channel (requantizer, GroupNorm) or slot (activation tables, parameters)")]
    public int First { get; init; }

    [Field(16, "channels, tables or parameter words")]
    public int Count { get; init; }

    [Field(1, "requantizer tables: the bank written (each step group's slot has two; a CONV reads the one its TableBank names, so a layer's table loads while the convolutions before read the other)")]
    public bool TableBank { get; init; }
}

[Instruction(4, "LOAD_WEIGHTS", Engine.Weight, "DDR (the weights ports) to the fill bank of the ping-pong weight buffer")]
public sealed record LoadWeights : DmaInstruction
{
    [Field(16, "first row of the fill bank")]
    public int FirstRow { get; init; }

    [Field(16, "weight rows (Tm x Tn bytes each)")]
    public int Rows { get; init; }

    [Field(1, "the bank is complete: hand it to the compute engine")]
    public bool Complete { get; init; }
}

[Instruction(5, "MOVE_WEIGHTS", Engine.Weight, "an activation buffer to the fill bank: the second operand of a matrix product (K, or V transposed)")]
public sealed record MoveWeights : Instruction
{
    [Field(3, "PE group whose activation buffer is read")]
    public int Group { get; init; }

    [Field(1, "0: row (o, i) takes pixel o x Tm + m's block i as its m-th Tn bytes (K); 1: it takes pixel i x Tn + n's channels o x Tm .. + Tm as column n (V transposed)")]
    public bool Transpose { get; init; }

    [Field(16, "buffer row of pixel 0, channel block 0")]
    public int ActRow { get; init; }

    [Field(16, "buffer rows per pixel")]
    public int PixelStride { get; init; }

    [Field(16, "output-channel blocks (Tm) of the weights")]
    public int OutBlocks { get; init; }

    [Field(16, "input-channel blocks (Tn) of the weights")]
    public int InBlocks { get; init; }

    [Field(16, "first row of the fill bank; row (o, i) is FirstRow + o x InBlocks + i")]
    public int FirstRow { get; init; }

    [Field(1, "the bank is complete: hand it to the compute engine")]
    public bool Complete { get; init; }
}

[Instruction(6, "CONV", Engine.Compute, "a convolution (1x1 or 3x3, stride 1 or 2, padding with 0 or the zero point, nearest 2x upsampling) or matrix product on the PE groups")]
public sealed record Conv : Instruction
{
    [Field(8, "PE groups that compute (bit g = group g); all use the same weights")]
    public int GroupMask { get; init; }

    [Field(16, "activation buffer row of input pixel 0, channel block 0")]
    public int InRow { get; init; }

    [Field(16, "buffer rows per input pixel (0: every pixel reads the same CinBlocks rows)")]
    public int InPixelStride { get; init; }

    [Field(16, "input-channel blocks (Tn) summed, from InRow's block on")]
    public int CinBlocks { get; init; }

    [Field(12, "input rows held in the buffer")]
    public int InRows { get; init; }

    [Field(12, "input columns held in the buffer")]
    public int InCols { get; init; }

    [Field(1, "read the input as if nearest-2x upsampled (a 2 InRows x 2 InCols grid)")]
    public bool Upsample { get; init; }

    [Field(3, "grid row of output row 0, kernel row 0 (-1: zero padding above)", Signed = true)]
    public int RowOffset { get; init; }

    [Field(3, "grid column of output column 0, kernel column 0 (-1: zero padding left)", Signed = true)]
    public int ColOffset { get; init; }

    [Field(1, "3x3 kernel (else 1x1)")]
    public bool Kernel3x3 { get; init; }

    [Field(1, "stride 2 (else 1)")]
    public bool Stride2 { get; init; }

    [Field(12, "output rows")]
    public int OutRows { get; init; }

    [Field(12, "output columns")]
    public int OutCols { get; init; }

    [Field(16, "output-channel blocks (Tm) computed: weight rows (o x taps + tap) x CinBlocks + i")]
    public int CoutBlocks { get; init; }

    [Field(16, "output-channel block of the first: its requantizer table block and its place in the output rows")]
    public int CoutBase { get; init; }

    [Field(2, "where the sums go")]
    public ConvOutput Output { get; init; }

    [Field(16, "activation buffer row of output pixel 0 (requantized outputs)")]
    public int OutRow { get; init; }

    [Field(16, "buffer rows per output pixel; block b's Tm channels land in row b x Tm / Tn at byte b x Tm mod Tn")]
    public int OutPixelStride { get; init; }

    [Field(16, "accumulator row of output pixel 0; pixel p, block o uses row AccRow + p x CoutBlocks + o")]
    public int AccRow { get; init; }

    [Field(1, "the weights are no longer needed: free the compute bank")]
    public bool Release { get; init; }

    [Field(1, "padding taps read the pad value (LOAD_TABLE kind 4: the input's zero point) instead of 0")]
    public bool PadWithZeroPoint { get; init; }

    [Field(2, "0: the sums as they are; 1, 2: shifted left by input exponent A, B (LOAD_TABLE kind 5), for one part of a concatenation with split scales")]
    public int Exponent { get; init; }

    [Field(1, "the requantizer table bank read (LOAD_TABLE's TableBank)")]
    public bool TableBank { get; init; }

    [Field(4, "0: grid rows outside the InRows held are padding; H: the mask's groups are runs of H holding one image's row bands in order, and a grid row above (below) the held rows reads the group before's last (after's first) rows, padding at a run's first (last) group")]
    public int HaloGroups { get; init; }
}

/// <summary>A vector instruction that streams rows of one group's buffer: <c>Pixels</c> x <c>Blocks</c> rows, pixel p's block b at <c>Src + p x SrcStride + b</c>.</summary>
public abstract record VectorStream : Instruction
{
    [Field(3, "PE group whose buffers are read and written")]
    public int Group { get; init; }

    [Field(16, "activation buffer row of pixel 0, block 0")]
    public int Src { get; init; }

    [Field(16, "pixels")]
    public int Pixels { get; init; }

    [Field(16, "channel blocks (Tn) per pixel")]
    public int Blocks { get; init; }

    [Field(16, "buffer rows from one source pixel to the next")]
    public int SrcStride { get; init; }
}

/// <summary>A vector instruction that also writes rows: pixel p's block b to <c>Dst + p x DstStride + b</c>.</summary>
public abstract record VectorMap : VectorStream
{
    [Field(16, "activation buffer row of output pixel 0, block 0")]
    public int Dst { get; init; }

    [Field(16, "buffer rows from one output pixel to the next")]
    public int DstStride { get; init; }
}

[Instruction(7, "ACTIVATE", Engine.Vector, "an int8 -> int8 table (SiLU) on every value")]
public sealed record Activate : VectorMap
{
    [Field(4, "activation table slot")]
    public int Slot { get; init; }
}

[Instruction(8, "ADD", Engine.Vector, "residual add sat8(rshift(a Ma + b Mb, k)), or rescale with b = 0 (concatenation); optionally an activation table after")]
public sealed record Add : VectorMap
{
    [Field(16, "activation buffer row of the second operand's pixel 0, block 0 (same SrcStride)")]
    public int SrcB { get; init; }

    [Field(4, "parameter slot holding {Ma, Mb, k}")]
    public int Param { get; init; }

    [Field(1, "no second operand: b = 0")]
    public bool SingleOperand { get; init; }

    [Field(1, "also add each written value and its square into the GroupNorm statistics, as GN_STATS would reading the output")]
    public bool Statistics { get; init; }

    [Field(16, "with Statistics: channel block (Tn) of block 0 in the statistics table")]
    public int StatisticsBase { get; init; }

    [Field(1, "with Statistics: the first pixel stores instead of adding (a new tensor)")]
    public bool StatisticsClear { get; init; }

    [Field(1, "apply activation table Slot to each sum before it is written (a residual add written straight into a concatenation's part: the table is the part's rescale)")]
    public bool ApplyTable { get; init; }

    [Field(4, "with ApplyTable: activation table slot")]
    public int Slot { get; init; }
}

[Instruction(9, "GN_STATS", Engine.Vector, "GroupNorm statistics: per channel, add x and x squared of the streamed values")]
public sealed record GroupNormStatistics : VectorStream
{
    [Field(16, "channel block (Tn) of block 0, in the statistics table")]
    public int ChannelBase { get; init; }

    [Field(1, "the first pixel stores instead of adding (a new tensor)")]
    public bool Clear { get; init; }
}

[Instruction(10, "GN_FINISH", Engine.Vector, "GroupNorm: from each group's sums, its mean term and reciprocal square root")]
public sealed record GroupNormFinish : Instruction
{
    [Field(16, "one past the last channel finished")]
    public int Channels { get; init; }

    [Field(16, "channels per group")]
    public int ChannelsPerGroup { get; init; }

    [Field(4, "parameter slot holding {count, eps term}")]
    public int Param { get; init; }

    [Field(16, "first channel finished, on a group boundary: a tensor's channels can be finished in parts")]
    public int FirstChannel { get; init; }
}

[Instruction(11, "GN_APPLY", Engine.Vector, "GroupNorm: normalize, per-channel gain and offset, saturate; optionally an activation table after")]
public sealed record GroupNormApply : VectorMap
{
    [Field(16, "channel block (Tn) of block 0, in the GroupNorm tables")]
    public int ChannelBase { get; init; }

    [Field(4, "parameter slot holding {count, eps term}")]
    public int Param { get; init; }

    [Field(1, "apply activation table Slot to the normalized values (GroupNorm + SiLU in one pass)")]
    public bool ApplyTable { get; init; }

    [Field(4, "activation table slot")]
    public int Slot { get; init; }
}

[Instruction(12, "SOFTMAX", Engine.Vector, "softmax of int32 score rows in the accumulator banks into int8 probabilities in the activation buffer")]
public sealed record Softmax : Instruction
{
    [Field(3, "PE group whose buffers are read and written")]
    public int Group { get; init; }

    [Field(16, "accumulator row of row 0's first scores; a row takes RowLength / Tm accumulator rows")]
    public int Src { get; init; }

    [Field(16, "activation buffer row of row 0's first probabilities; a row takes RowLength / Tn buffer rows")]
    public int Dst { get; init; }

    [Field(16, "rows (queries)")]
    public int Rows { get; init; }

    [Field(16, "scores per row (keys)")]
    public int RowLength { get; init; }

    [Field(16, "buffer rows from one output row to the next")]
    public int DstStride { get; init; }

    [Field(4, "parameter slot holding the exponent multiplier and shift")]
    public int Param { get; init; }

    [Field(16, "scores of a row that take part, from the first (the keys); the rest, up to RowLength, get probability 0")]
    public int Keys { get; init; }

    [Field(1, "probabilities in steps of 1/255 with zero point -128 (code q means (q + 128) / 255), else 1/127")]
    public bool Unsigned { get; init; }
}

[Instruction(13, "SET_STEP", Engine.Control, "sets STEP_GROUP for the instructions after it (step-group DDR addresses; its low bits pick the requantizer table slot)")]
public sealed record SetStep : Instruction
{
    [Field(16, "step group")]
    public int StepGroup { get; init; }
}

[Instruction(14, "SYNC", Engine.Control, "waits until every engine is idle and every queue empty")]
public sealed record Sync : Instruction;

[Instruction(15, "FINISH", Engine.Control, "waits until every engine is idle, then ends the program: STATUS.done and the interrupt")]
public sealed record Finish : Instruction;
