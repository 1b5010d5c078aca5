namespace DiffAcc.Hdl.Ir;

/// <summary>What a net is inside its module.</summary>
public enum NetKind
{
    Input,
    Output,
    Wire,
    Register,
    /// <summary>The registered data output of a synchronous memory read port.</summary>
    MemoryReadData,
    /// <summary>The parent-side wire of a child instance's input port; the parent drives it.</summary>
    InstanceInput,
    /// <summary>The parent-side wire of a child instance's output port; the child drives it.</summary>
    InstanceOutput,
}

/// <summary>Clock-domain data of a register.</summary>
public sealed class RegisterInfo(ClockDomain domain, System.Numerics.BigInteger? resetValue)
{
    public ClockDomain Domain { get; } = domain;

    /// <summary>The value taken on reset; <c>null</c> for a register without reset.</summary>
    public System.Numerics.BigInteger? ResetValue { get; } = resetValue;

    /// <summary>
    /// The value at power-up (the FPGA's INIT of the flip-flop, a declaration initializer in the Verilog)
    /// before any reset; <c>null</c>: the register starts at 0 in every simulator, and at whatever the
    /// synthesis tool chooses on the part.
    /// </summary>
    public System.Numerics.BigInteger? InitialValue { get; internal set; }

    /// <summary>The named constant the reset value came from (an enum member), printed by name; <c>null</c> when none.</summary>
    public NamedConst? ResetName { get; internal set; }

    /// <summary>An explicit clock enable, or <c>null</c>.</summary>
    public Expr? Enable { get; internal set; }

    /// <summary>True for the stages of a declared synchronizer; the crossing check accepts them.</summary>
    public bool IsSynchronizerStage { get; internal set; }

    /// <summary>True for the first stage, the one that samples the other domain (its input is a false path).</summary>
    public bool IsSynchronizerInput { get; internal set; }
}

/// <summary>The members of a C# enum used as a hardware type, by value.</summary>
public sealed record EnumMembers(string Name, IReadOnlyList<(string Member, long Value)> Members);

/// <summary>A named ground-typed signal of one module: a port, wire, register or instance port wire.</summary>
public sealed class Net
{
    internal Net(NetKind kind, Shape shape, SourceLocation location)
    {
        Kind = kind;
        Shape = shape;
        Location = location;
    }

    public NetKind Kind { get; internal set; }

    public Shape Shape { get; }

    public SourceLocation Location { get; }

    /// <summary>The emitted name; set from the user's name, the C# member name, or a fallback.</summary>
    public string Name { get; internal set; } = "";

    /// <summary>True when the user chose the name (explicitly or by a member name).</summary>
    internal bool HasName { get; set; }

    public RegisterInfo? Register { get; internal set; }

    /// <summary>The domain a clock or reset input port belongs to, or <c>null</c> for data ports.</summary>
    public ClockDomain? ClockOf { get; internal set; }

    public ClockDomain? ResetOf { get; internal set; }

    /// <summary>Verilog attributes such as <c>keep</c>, <c>use_dsp</c> or <c>ASYNC_REG</c>, sorted by name.</summary>
    public SortedDictionary<string, string> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>A wire that reads values on purpose without using them (<c>Module.Unused</c>), declared where the lint is told so.</summary>
    public bool IsUnusedSink { get; internal set; }

    /// <summary>For a net of a C# enum type: the enum's name and members, so waveform viewers can show state names.</summary>
    public EnumMembers? Enum { get; internal set; }

    /// <summary>A latch the designer asked for (<c>Latch(...)</c>): assigned under conditions, it holds otherwise.</summary>
    public bool IsLatch { get; internal set; }

    /// <summary>For an <see cref="NetKind.InstanceInput"/> or <see cref="NetKind.InstanceOutput"/> wire: the child's port.</summary>
    public Net? ChildPort { get; internal set; }

    /// <summary>For a port of an instantiated module: the parent-side wire that stands for it in the parent.</summary>
    internal Net? ParentView { get; set; }

    internal object? Owner { get; set; }

    /// <summary>The Vec of bits this net is an element of, or <c>null</c>.</summary>
    public NetVector? Vector { get; internal set; }

    /// <summary>The element's index in <see cref="Vector"/>.</summary>
    public int VectorIndex { get; internal set; }

    public int Width => Shape.Width;

    public bool IsPort => Kind is NetKind.Input or NetKind.Output;

    public override string ToString() => Name;
}
