namespace DiffAcc.Hdl.Ir;

/// <summary>How a memory should be implemented; emitted as the <c>ram_style</c> attribute.</summary>
public enum RamStyle
{
    Auto,
    Block,
    Distributed,
    Registers,
}

/// <summary>A synchronous write port; <see cref="Enable"/> already includes the enclosing When conditions.</summary>
public sealed record MemoryWritePort(Expr Address, Expr Data, Expr Enable, Expr? ByteEnable, ClockDomain Domain, SourceLocation Location);

/// <summary>A synchronous read port: <see cref="Data"/> is registered in <see cref="Domain"/>.</summary>
public sealed record MemoryReadPort(Expr Address, Expr Enable, Net Data, ClockDomain Domain, SourceLocation Location);

/// <summary>An array of words with synchronous ports, emitted in the shape block-RAM inference recognises.</summary>
public sealed class MemoryDef(string name, Shape word, int depth, SourceLocation location)
{
    public string Name { get; internal set; } = name;

    public Shape Word { get; } = word;

    public int Depth { get; } = depth;

    public SourceLocation Location { get; } = location;

    public RamStyle Style { get; internal set; }

    /// <summary>Initial contents (a ROM, or a RAM with an initial image); <c>null</c> when none.</summary>
    public IReadOnlyList<System.Numerics.BigInteger>? Init { get; internal set; }

    /// <summary>The initial contents came from a hex file: the emitter loads them with <c>$readmemh</c> from a file beside the Verilog.</summary>
    public bool InitFromFile { get; internal set; }

    /// <summary>Set by <c>ClearOnReset</c>: every word becomes 0 while this domain's reset is asserted (register-style memories only).</summary>
    public ClockDomain? ClearDomain { get; internal set; }

    /// <summary>The value every word takes on that reset (0 unless <c>ClearOnReset(value: ...)</c> says otherwise).</summary>
    public System.Numerics.BigInteger ClearValue { get; internal set; }

    /// <summary>Where <c>ClearOnReset</c> was called.</summary>
    public SourceLocation ClearLocation { get; internal set; }

    /// <summary>Bits per byte-enable lane, 0 when the memory has no byte enables.</summary>
    public int ByteWidth { get; internal set; }

    public List<MemoryWritePort> WritePorts { get; } = [];

    public List<MemoryReadPort> ReadPorts { get; } = [];

    public int AddressWidth => Math.Max(1, (int)Math.Ceiling(Math.Log2(Depth)));

    public long Bits => (long)Word.Width * Depth;

    internal bool HasName { get; set; }
}
