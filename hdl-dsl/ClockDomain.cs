namespace DiffAcc.Hdl;

/// <summary>How a domain's reset acts on its registers.</summary>
public enum ResetKind
{
    None,
    SyncActiveHigh,
    SyncActiveLow,
    AsyncActiveHigh,
    AsyncActiveLow,
}

/// <summary>The clock edge a domain's registers and memory ports act on.</summary>
public enum ClockEdge
{
    Rising,
    Falling,
}

/// <summary>
/// A named clock with a declared frequency and a reset style. Registers and memories belong to one
/// domain; modules get the clock and reset ports of every domain they (or their children) use.
/// A falling-edge domain may name the clock (and reset) port of a rising-edge one: the two then share
/// that port, and a path between them is a half-cycle path, not a clock-domain crossing.
/// </summary>
public sealed record ClockDomain
{
    public ClockDomain(string name, double frequencyMHz, ResetKind reset = ResetKind.SyncActiveHigh, string? clockPort = null, string? resetPort = null, ClockEdge edge = ClockEdge.Rising)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("a clock domain needs a name", nameof(name));
        if (!(frequencyMHz > 0))
            throw new ArgumentOutOfRangeException(nameof(frequencyMHz), frequencyMHz, $"clock domain '{name}' needs a positive frequency");
        Name = name;
        FrequencyMHz = frequencyMHz;
        Reset = reset;
        ClockPort = clockPort ?? $"{name}_clk";
        ResetPort = reset == ResetKind.None ? null : resetPort ?? (IsActiveLow(reset) ? $"{name}_rst_n" : $"{name}_rst");
        Edge = edge;
    }

    /// <summary>The default domain: 300 MHz (the Diff-Acc target), ports <c>clk</c> and <c>rst</c>, synchronous active-high reset.</summary>
    public static ClockDomain Default { get; } = new("sys", 300, ResetKind.SyncActiveHigh, "clk", "rst");

    public string Name { get; }

    public double FrequencyMHz { get; }

    public ResetKind Reset { get; }

    public string ClockPort { get; }

    public string? ResetPort { get; }

    public ClockEdge Edge { get; }

    /// <summary>Whether both domains are clocked by the same port at the same frequency (possibly on opposite edges).</summary>
    public bool SharesClockWith(ClockDomain other) => ClockPort == other.ClockPort && FrequencyMHz == other.FrequencyMHz;

    public double PeriodNs => 1000.0 / FrequencyMHz;

    public bool IsAsyncReset => Reset is ResetKind.AsyncActiveHigh or ResetKind.AsyncActiveLow;

    public bool IsResetActiveLow => IsActiveLow(Reset);

    private static bool IsActiveLow(ResetKind kind) => kind is ResetKind.SyncActiveLow or ResetKind.AsyncActiveLow;
}
