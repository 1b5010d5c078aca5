namespace DiffAcc.Hdl.Library;

/// <summary>The widths and channels of an AXI4 memory-mapped interface.</summary>
public sealed record Axi4Shape(int AddressBits, int DataBits, bool Read = true, bool Write = true)
{
    public int DataBytes => DataBits / 8;

    /// <summary>AxSIZE of a full-width beat.</summary>
    public int BeatSize => System.Numerics.BitOperations.Log2((uint)DataBytes);
}

/// <summary>A bundle whose fields take AXI's lowercase names joined to the prefix (<c>aw</c> + <c>addr</c>).</summary>
public abstract class AxiNamedBundle : Bundle
{
    protected internal override string FieldPath(string prefix, string property) => prefix + property.ToLowerInvariant();
}

/// <summary>The payload of an AW or AR channel: a burst's address and its attributes.</summary>
public sealed class AxiAddress : AxiNamedBundle
{
    public AxiAddress(BundleFields f, int addressBits)
    {
        Addr = f.Field(Hw.UInt(addressBits));
        Len = f.Field(Hw.UInt(8));
        Size = f.Field(Hw.UInt(3));
        Burst = f.Field(Hw.UInt(2));
        Cache = f.Field(Hw.UInt(4));
        Prot = f.Field(Hw.UInt(3));
    }

    public UInt Addr { get; }

    /// <summary>Beats in the burst minus one.</summary>
    public UInt Len { get; }

    public UInt Size { get; }

    public UInt Burst { get; }

    public UInt Cache { get; }

    public UInt Prot { get; }

    /// <summary>
    /// Drives an incrementing burst of full-width beats at <paramref name="address"/> with
    /// <paramref name="len"/> + 1 beats, modifiable and bufferable (AxCACHE 0b0011), unprivileged and secure.
    /// </summary>
    public void AssignIncrementingBurst(UInt address, UInt len, Axi4Shape shape)
    {
        Addr.Assign(address);
        Len.Assign(len);
        Size.Assign(shape.BeatSize);
        Burst.Assign(1);
        Cache.Assign(3);
        Prot.Assign(0);
    }

    public static BundleType<AxiAddress> Of(int addressBits) => new(f => new AxiAddress(f, addressBits));
}

/// <summary>The payload of the W channel.</summary>
public sealed class AxiWriteData : AxiNamedBundle
{
    public AxiWriteData(BundleFields f, Axi4Shape shape)
    {
        Data = f.Field(Hw.UInt(shape.DataBits));
        Strb = f.Field(Hw.UInt(shape.DataBytes));
        Last = f.Field(Hw.Bool());
    }

    public UInt Data { get; }

    public UInt Strb { get; }

    public Bool Last { get; }

    public static BundleType<AxiWriteData> Of(Axi4Shape shape) => new(f => new AxiWriteData(f, shape));
}

/// <summary>The payload of the B channel: OKAY (0), EXOKAY, SLVERR or DECERR.</summary>
public sealed class AxiWriteResponse : AxiNamedBundle
{
    public AxiWriteResponse(BundleFields f) => Resp = f.Field(Hw.UInt(2));

    public UInt Resp { get; }

    public static BundleType<AxiWriteResponse> Of() => new(f => new AxiWriteResponse(f));
}

/// <summary>The payload of the R channel.</summary>
public sealed class AxiReadData : AxiNamedBundle
{
    public AxiReadData(BundleFields f, Axi4Shape shape)
    {
        Data = f.Field(Hw.UInt(shape.DataBits));
        Resp = f.Field(Hw.UInt(2));
        Last = f.Field(Hw.Bool());
    }

    public UInt Data { get; }

    public UInt Resp { get; }

    public Bool Last { get; }

    public static BundleType<AxiReadData> Of(Axi4Shape shape) => new(f => new AxiReadData(f, shape));
}

/// <summary>The three write channels of an AXI4 master: AW and W out, B back.</summary>
public sealed class Axi4Write : Bundle
{
    public Axi4Write(BundleFields f, Axi4Shape shape)
    {
        Aw = f.Field(Channel(AxiAddress.Of(shape.AddressBits)));
        W = f.Field(Channel(AxiWriteData.Of(shape)));
        B = f.Flipped(Channel(AxiWriteResponse.Of()));
    }

    public Stream<AxiAddress> Aw { get; }

    public Stream<AxiWriteData> W { get; }

    /// <summary>The write response, flipped: the slave drives valid and payload, the master ready.</summary>
    public Stream<AxiWriteResponse> B { get; }

    public static BundleType<Axi4Write> Of(Axi4Shape shape) => new(f => new Axi4Write(f, shape));

    internal static BundleType<Stream<T>> Channel<T>(HdlType<T> payload) where T : class => new(f => new Stream<T>(f, payload, StreamNaming.Axi));

    protected internal override string FieldPath(string prefix, string property) => $"{prefix}_{property.ToLowerInvariant()}";
}

/// <summary>The two read channels of an AXI4 master: AR out, R back.</summary>
public sealed class Axi4Read : Bundle
{
    public Axi4Read(BundleFields f, Axi4Shape shape)
    {
        Ar = f.Field(Axi4Write.Channel(AxiAddress.Of(shape.AddressBits)));
        R = f.Flipped(Axi4Write.Channel(AxiReadData.Of(shape)));
    }

    public Stream<AxiAddress> Ar { get; }

    /// <summary>The read data, flipped: the slave drives valid and payload, the master ready.</summary>
    public Stream<AxiReadData> R { get; }

    public static BundleType<Axi4Read> Of(Axi4Shape shape) => new(f => new Axi4Read(f, shape));

    protected internal override string FieldPath(string prefix, string property) => $"{prefix}_{property.ToLowerInvariant()}";
}

/// <summary>
/// An AXI4 memory-mapped interface seen from the master, without IDs, locks, QoS or user signals:
/// single-ID, in-order. Its five channels are valid/ready streams (<see cref="Axi4Write.Aw"/>,
/// <see cref="Axi4Write.W"/>, <see cref="Axi4Write.B"/>, <see cref="Axi4Read.Ar"/>,
/// <see cref="Axi4Read.R"/>) that connect in bulk, and every net takes AXI's lowercase name, so a
/// bundle named <c>m_axi_data</c> gives the ports <c>m_axi_data_araddr</c> ... that Vivado infers as an
/// interface. A read-only or write-only shape leaves the other half out (null); connecting an
/// interface that lacks a half to one that has it is a located error.
/// </summary>
public sealed class Axi4 : Bundle
{
    public Axi4(BundleFields f, Axi4Shape shape)
    {
        Shape = shape;
        if (shape.Write)
            Write = f.Field(Axi4Write.Of(shape));
        if (shape.Read)
            Read = f.Field(Axi4Read.Of(shape));
    }

    public Axi4Shape Shape { get; }

    /// <summary>AW, W and B; null on a read-only shape.</summary>
    public Axi4Write? Write { get; }

    /// <summary>AR and R; null on a write-only shape.</summary>
    public Axi4Read? Read { get; }

    public static BundleType<Axi4> Of(Axi4Shape shape) => new(f => new Axi4(f, shape));

    // The halves are a grouping in C# only: their channels sit directly under the interface's name.
    protected internal override string FieldPath(string prefix, string property) => prefix;
}

/// <summary>An AXI4-Lite interface seen from the master, 32-bit data, lowercase AXI names (<c>s_axi_control_awaddr</c> ...).</summary>
public sealed class AxiLite : Bundle
{
    public AxiLite(BundleFields f, int addressBits)
    {
        AwAddr = f.Field(Hw.UInt(addressBits));
        AwValid = f.Field(Hw.Bool());
        AwReady = f.Flipped(Hw.Bool());
        WData = f.Field(Hw.UInt(32));
        WStrb = f.Field(Hw.UInt(4));
        WValid = f.Field(Hw.Bool());
        WReady = f.Flipped(Hw.Bool());
        BResp = f.Flipped(Hw.UInt(2));
        BValid = f.Flipped(Hw.Bool());
        BReady = f.Field(Hw.Bool());
        ArAddr = f.Field(Hw.UInt(addressBits));
        ArValid = f.Field(Hw.Bool());
        ArReady = f.Flipped(Hw.Bool());
        RData = f.Flipped(Hw.UInt(32));
        RResp = f.Flipped(Hw.UInt(2));
        RValid = f.Flipped(Hw.Bool());
        RReady = f.Field(Hw.Bool());
    }

    public UInt AwAddr { get; }

    public Bool AwValid { get; }

    public Bool AwReady { get; }

    public UInt WData { get; }

    public UInt WStrb { get; }

    public Bool WValid { get; }

    public Bool WReady { get; }

    public UInt BResp { get; }

    public Bool BValid { get; }

    public Bool BReady { get; }

    public UInt ArAddr { get; }

    public Bool ArValid { get; }

    public Bool ArReady { get; }

    public UInt RData { get; }

    public UInt RResp { get; }

    public Bool RValid { get; }

    public Bool RReady { get; }

    public static BundleType<AxiLite> Of(int addressBits) => new(f => new AxiLite(f, addressBits));

    protected internal override string FieldPath(string prefix, string property) => $"{prefix}_{property.ToLowerInvariant()}";
}
