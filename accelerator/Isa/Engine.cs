namespace DiffAcc.Accelerator.Isa;

/// <summary>
/// The units that execute instructions. Each of the first five has its own instruction queue and runs
/// its instructions in order; the dispatcher executes the control instructions itself.
/// </summary>
public enum Engine
{
    /// <summary>DDR to activation buffers and tables (the data AXI port's read side).</summary>
    Load = 0,

    /// <summary>Fills the ping-pong weight buffer from DDR (the weights AXI port) or from an activation buffer.</summary>
    Weight = 1,

    /// <summary>Convolutions and matrix products on the PE groups, with requantization.</summary>
    Compute = 2,

    /// <summary>GroupNorm, activation tables, residual add and rescale, softmax.</summary>
    Vector = 3,

    /// <summary>Activation buffers to DDR (the data AXI port's write side).</summary>
    Store = 4,

    /// <summary>SET_STEP, SYNC and FINISH, executed by the dispatcher in program order.</summary>
    Control = 5,
}

/// <summary>A set of engines: the wait and signal masks of an instruction (bit i is <see cref="Engine"/> i).</summary>
[Flags]
public enum Engines
{
    None = 0,
    Load = 1 << Engine.Load,
    Weight = 1 << Engine.Weight,
    Compute = 1 << Engine.Compute,
    Vector = 1 << Engine.Vector,
    Store = 1 << Engine.Store,
}

/// <summary>Conversions between one engine and engine sets.</summary>
public static class EngineSets
{
    /// <summary>The engines that have queues and take part in dependency tokens.</summary>
    public static IReadOnlyList<Engine> Queued { get; } = [Engine.Load, Engine.Weight, Engine.Compute, Engine.Vector, Engine.Store];

    public static Engines Of(Engine engine) => engine == Engine.Control ? Engines.None : (Engines)(1 << (int)engine);

    public static IEnumerable<Engine> Members(this Engines set) => Queued.Where(e => (set & Of(e)) != 0);
}

/// <summary>What a DMA address adds to the base register and offset.</summary>
public enum StepMode
{
    /// <summary>Nothing: a fixed address.</summary>
    None = 0,

    /// <summary>STEP x StepStride: a table per denoising step (the folded time-embedding biases).</summary>
    Step = 1,

    /// <summary>STEP_GROUP x StepStride: a table per step group (the step-wise quantization scales).</summary>
    StepGroup = 2,
}

/// <summary>The on-chip table a LOAD_TABLE writes.</summary>
public enum TableKind
{
    /// <summary>Requantizer entries {bias, multiplier, shift} of channels First .. First+Count-1, in the current step group's slot.</summary>
    Requantization = 0,

    /// <summary>Count 256-entry int8 tables (SiLU) into slots First .. First+Count-1 of the vector unit.</summary>
    Activation = 1,

    /// <summary>GroupNorm channel entries {gain, offset, shift} of channels First .. First+Count-1.</summary>
    GroupNorm = 2,

    /// <summary>Count 128-bit parameter words into the vector unit's parameter slots First ...</summary>
    Parameters = 3,

    /// <summary>
    /// The compute engine's pad value (First 0, Count 1): what a CONV with <c>PadWithZeroPoint</c> reads at
    /// its padding taps, the zero point of an asymmetric input (SiLU outputs), loaded per step group.
    /// </summary>
    Padding = 4,

    /// <summary>
    /// The compute engine's two input exponents (First 0, Count 1): a CONV with <c>Exponent</c> 1 or 2 shifts its
    /// sums left by A or B, one part of a concatenation with split scales; loaded per step group.
    /// </summary>
    InputExponents = 5,
}

/// <summary>Where a CONV's sums go.</summary>
public enum ConvOutput
{
    /// <summary>Requantized to int8 and written into the activation buffer.</summary>
    Requantize = 0,

    /// <summary>Stored as int32 into the accumulator banks (attention scores, first pass of several).</summary>
    AccumulatorStore = 1,

    /// <summary>Added to the int32 rows already in the accumulator banks (a middle pass).</summary>
    AccumulatorAdd = 2,

    /// <summary>Added to the accumulator banks, and the sums requantized into the activation buffer (the last pass).</summary>
    AccumulatorAddRequantize = 3,
}
