namespace DiffAcc.Hdl.Library;

/// <summary>The widths and channels of an AXI4 memory-mapped interface.</summary>
public sealed record Axi4Shape(int AddressBits, int DataBits, bool Read = true, bool Write = true)
{
    public int DataBytes => DataBits / 8;

    /// <summary>AxSIZE of a full-width beat.</summary>
    public int BeatSize => System.Numerics.BitOperations.Log2((uint)DataBytes);
}

/// <summary>
/// An AXI4 memory-mapped interface seen from the master (requests are fields, ready and responses
/// are flipped), without IDs, locks, QoS or user signals: single-ID, in-order. Fields take AXI's
/// lowercase names, so a bundle named <c>m_axi_data</c> gives the ports <c>m_axi_data_araddr</c> ...
/// that Vivado infers as an interface. A read-only or write-only shape leaves the other channels out
/// (their properties are null).
/// </summary>
public sealed class Axi4 : Bundle
{
    public Axi4(BundleFields f, Axi4Shape shape)
    {
        Shape = shape;
        if (shape.Write)
        {
            AwAddr = f.Field(Hw.UInt(shape.AddressBits));
            AwLen = f.Field(Hw.UInt(8));
            AwSize = f.Field(Hw.UInt(3));
            AwBurst = f.Field(Hw.UInt(2));
            AwCache = f.Field(Hw.UInt(4));
            AwProt = f.Field(Hw.UInt(3));
            AwValid = f.Field(Hw.Bool());
            AwReady = f.Flipped(Hw.Bool());
            WData = f.Field(Hw.UInt(shape.DataBits));
            WStrb = f.Field(Hw.UInt(shape.DataBytes));
            WLast = f.Field(Hw.Bool());
            WValid = f.Field(Hw.Bool());
            WReady = f.Flipped(Hw.Bool());
            BResp = f.Flipped(Hw.UInt(2));
            BValid = f.Flipped(Hw.Bool());
            BReady = f.Field(Hw.Bool());
        }
        if (shape.Read)
        {
            ArAddr = f.Field(Hw.UInt(shape.AddressBits));
            ArLen = f.Field(Hw.UInt(8));
            ArSize = f.Field(Hw.UInt(3));
            ArBurst = f.Field(Hw.UInt(2));
            ArCache = f.Field(Hw.UInt(4));
            ArProt = f.Field(Hw.UInt(3));
            ArValid = f.Field(Hw.Bool());
            ArReady = f.Flipped(Hw.Bool());
            RData = f.Flipped(Hw.UInt(shape.DataBits));
            RResp = f.Flipped(Hw.UInt(2));
            RLast = f.Flipped(Hw.Bool());
            RValid = f.Flipped(Hw.Bool());
            RReady = f.Field(Hw.Bool());
        }
    }

    public Axi4Shape Shape { get; }

    public UInt? AwAddr { get; }

    public UInt? AwLen { get; }

    public UInt? AwSize { get; }

    public UInt? AwBurst { get; }

    public UInt? AwCache { get; }

    public UInt? AwProt { get; }

    public Bool? AwValid { get; }

    public Bool? AwReady { get; }

    public UInt? WData { get; }

    public UInt? WStrb { get; }

    public Bool? WLast { get; }

    public Bool? WValid { get; }

    public Bool? WReady { get; }

    public UInt? BResp { get; }

    public Bool? BValid { get; }

    public Bool? BReady { get; }

    public UInt? ArAddr { get; }

    public UInt? ArLen { get; }

    public UInt? ArSize { get; }

    public UInt? ArBurst { get; }

    public UInt? ArCache { get; }

    public UInt? ArProt { get; }

    public Bool? ArValid { get; }

    public Bool? ArReady { get; }

    public UInt? RData { get; }

    public UInt? RResp { get; }

    public Bool? RLast { get; }

    public Bool? RValid { get; }

    public Bool? RReady { get; }

    public static BundleType<Axi4> Of(Axi4Shape shape) => new(f => new Axi4(f, shape));

    protected internal override string FieldName(string property) => property.ToLowerInvariant();
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

    protected internal override string FieldName(string property) => property.ToLowerInvariant();
}
