namespace DiffAcc.Accelerator.Configuration;

/// <summary>The resources of an FPGA part that a configuration must fit.</summary>
public sealed record PartInfo(string Name, int Luts, int FlipFlops, int Ramb36, int Dsp48E2)
{
    /// <summary>Zynq UltraScale+ XCZU9EG (ZCU102), -2 speed grade: no URAM.</summary>
    public static PartInfo Xczu9eg { get; } = new("xczu9eg-ffvb1156-2-e", 274_080, 548_160, 912, 2_520);

    public static IReadOnlyDictionary<string, PartInfo> Known { get; } = new Dictionary<string, PartInfo>(StringComparer.OrdinalIgnoreCase)
    {
        [Xczu9eg.Name] = Xczu9eg,
        ["xczu9eg"] = Xczu9eg,
    };
}
