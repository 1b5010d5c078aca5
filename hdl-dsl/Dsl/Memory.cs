using System.Numerics;
using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>
/// A memory of <typeparamref name="T"/> words with synchronous write ports and synchronous
/// (<see cref="Read"/>) or asynchronous (<see cref="ReadAsync"/>) read ports, emitted in the shape
/// Vivado and Yosys infer as block or distributed RAM (choose with <see cref="RamStyle"/>).
/// </summary>
public sealed class Memory<T> : IMemoryHandle where T : Signal
{
    private readonly Module module;
    private readonly GroundType<T> word;

    internal Memory(Module module, GroundType<T> word, MemoryDef definition)
    {
        this.module = module;
        this.word = word;
        Definition = definition;
    }

    MemoryDef IMemoryHandle.Definition => Definition;

    internal MemoryDef Definition { get; }

    public int Depth => Definition.Depth;

    public int AddressWidth => Definition.AddressWidth;

    /// <summary>
    /// A read port: the word at <paramref name="address"/> appears on the returned signal one cycle
    /// later (registered, as block RAM reads). Inside a When, the read is enabled only there.
    /// </summary>
    public T Read(UInt address, Bool? enable = null, string? name = null, ClockDomain? domain = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        var clock = domain ?? module.Domain;
        var data = module.AddNet(NetKind.MemoryReadData, word.Shape, location);
        module.UseDomain(clock);
        var en = module.PathCondition(enable, location);
        Definition.ReadPorts.Add(new MemoryReadPort(address.Expr, en, data, clock, location));
        var result = (T)module.WrapNet(word.Shape, data);
        if (name is not null)
            module.NameValue(result, name);
        else
            module.RememberLocalName(result, location);
        return result;
    }

    /// <summary>
    /// An asynchronous read port: the word at <paramref name="address"/> in the same cycle
    /// (combinational, as distributed RAM and register files read; a write shows from the next
    /// cycle). Beyond the last word it reads 0. Unconditional, even inside a When.
    /// </summary>
    public T ReadAsync(UInt address, string? name = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        if (address.Width > Definition.AddressWidth)
            throw new HdlException($"the asynchronous read address of memory '{Definition.Name}' ({Definition.Depth} words, {Definition.AddressWidth} address bits) is {address.Width} bits wide; truncate it on purpose", location);
        var data = module.AddNet(NetKind.Wire, word.Shape, location);
        module.RecordUnconditional(new Connect(data, new MemoryReadExpr(Definition, address.Expr), location));
        var result = (T)module.WrapNet(word.Shape, data);
        if (name is not null)
        {
            module.NameValue(result, name);
        }
        else
        {
            module.RememberLocalName(result, location);
            module.NameLater(result, () => $"{Definition.Name}_read");
        }
        return result;
    }

    /// <summary>
    /// Sets every word to <paramref name="value"/> (default 0; e.g. 1 for a table of 2-bit saturating
    /// counters that start weakly not-taken) while the reset of <paramref name="domain"/> (default: the
    /// module's) is asserted, synchronously or asynchronously as the domain's reset is. Only flip-flops
    /// can do this: block RAM and LUT RAM contents have no reset on UltraScale+, so the memory becomes
    /// register-style (a memory made as Block or Distributed is refused); keep it small. For a large
    /// RAM, clear it with writes instead.
    /// </summary>
    public Memory<T> ClearOnReset(ClockDomain? domain = null, long value = 0, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        var width = Definition.Word.Width;
        var fits = Definition.Word.Signed
            ? value >= -(BigInteger.One << (width - 1)) && value < BigInteger.One << (width - 1)
            : value >= 0 && value < BigInteger.One << width;
        if (!fits)
            throw new HdlException($"memory '{Definition.Name}' cannot clear to {value}: it does not fit in a word of {Definition.Word}", location);
        var clock = domain ?? module.Domain;
        if (Definition.Style is RamStyle.Block or RamStyle.Distributed)
            throw new HdlException($"memory '{Definition.Name}' is {(Definition.Style == RamStyle.Block ? "block RAM" : "LUT RAM")}, whose contents cannot be reset on UltraScale+; make it RamStyle.Registers (small memories) or clear it with writes", location);
        if (clock.Reset == ResetKind.None)
            throw new HdlException($"memory '{Definition.Name}' cannot clear on reset: clock domain '{clock.Name}' has no reset", location);
        module.UseReset(clock);
        Definition.Style = RamStyle.Registers;
        Definition.ClearDomain = clock;
        Definition.ClearValue = Hw.Pattern(value, width);
        Definition.ClearLocation = location;
        return this;
    }

    /// <summary>A write port; inside a When, it writes only there. <paramref name="byteEnable"/> needs a memory made with byte lanes.</summary>
    public void Write(UInt address, T data, Bool? enable = null, UInt? byteEnable = null, ClockDomain? domain = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        if (byteEnable is not null && Definition.ByteWidth == 0)
            throw new HdlException($"memory '{Definition.Name}' has no byte lanes; make it with byteWidth to use byte enables", location);
        if (byteEnable is not null && byteEnable.Width != Definition.Word.Width / Definition.ByteWidth)
            throw new HdlException($"memory '{Definition.Name}' has {Definition.Word.Width / Definition.ByteWidth} byte lanes but the byte enable is {byteEnable.Width} bits", location);
        var clock = domain ?? module.Domain;
        module.UseDomain(clock);
        var en = module.PathCondition(enable, location);
        // Narrower data is widened here by its own signedness, so every reader of the IR sees full words.
        var word = data.Width < Definition.Word.Width ? new ExtendExpr(data.Expr, Definition.Word.Width) : data.Expr;
        Definition.WritePorts.Add(new MemoryWritePort(address.Expr, word, en, byteEnable?.Expr, clock, location));
    }
}

/// <summary>Lets module naming reach the definition behind any <see cref="Memory{T}"/>.</summary>
internal interface IMemoryHandle
{
    MemoryDef Definition { get; }
}
