namespace DiffAcc.Accelerator.Configuration;

/// <summary>The named configurations; <see cref="Default"/> is the XCZU9EG build.</summary>
public static class Presets
{
    /// <summary>
    /// XCZU9EG: 4 groups of 32 x 32 int8 MACs with DSP packing = 4,096 MACs on 2,048 DSP48E2 (81 % of
    /// 2,520), plus 256 DSP48E2 for 128 requantizer lanes: 1.23 TMAC/s at 300 MHz; a 16-lane vector
    /// unit takes 168 more and the controller 11 (2,483 in all, 98.5 %).
    /// </summary>
    public static AcceleratorConfig Xczu9eg { get; } = new()
    {
        Name = "xczu9eg",
        Groups = 4,
        Tm = 32,
        Tn = 32,
        DspPacking = true,
        StepGroups = 8,
        MaxChannels = 512,
        ActivationBufferKiB = 256,
        WeightBufferKiB = 128,
        AccumulatorRows = 512,
        VectorLanes = 16,
        WeightPorts = 4,
    };

    /// <summary>A small build for tests and quick synthesis: 2 groups of 4 x 8 MACs, packed.</summary>
    public static AcceleratorConfig Small { get; } = new()
    {
        Name = "small",
        Groups = 2,
        Tm = 4,
        Tn = 8,
        DspPacking = true,
        StepGroups = 8,
        MaxChannels = 128,
        ActivationBufferKiB = 32,
        WeightBufferKiB = 8,
    };

    /// <summary>
    /// A small build with the default preset's shape where the data paths differ, small enough to simulate
    /// a whole model: 4 PE groups of 16 x 32 (a buffer row spans two AXI beats), 16 vector lanes and four
    /// weights ports, each reading a quarter of every weight row. The system scenarios and a whole-model RTL
    /// run of the tests use it beside <see cref="Small"/>.
    /// </summary>
    public static AcceleratorConfig SmallWide { get; } = Small with { Name = "small-wide", Groups = 4, Tm = 16, Tn = 32, VectorLanes = 16, MaxChannels = 128, ActivationBufferKiB = 32, WeightBufferKiB = 64, AccumulatorRows = 512, WeightPorts = 4 };

    /// <summary>The small build without DSP packing, for comparing DSP counts.</summary>
    public static AcceleratorConfig SmallUnpacked { get; } = Small with { Name = "small-unpacked", DspPacking = false };

    public static AcceleratorConfig Default => Xczu9eg;

    public static IReadOnlyDictionary<string, AcceleratorConfig> All { get; } = new SortedDictionary<string, AcceleratorConfig>(StringComparer.OrdinalIgnoreCase)
    {
        [Xczu9eg.Name] = Xczu9eg,
        [Small.Name] = Small,
        [SmallUnpacked.Name] = SmallUnpacked,
        [SmallWide.Name] = SmallWide,
    };

    public static AcceleratorConfig Get(string name)
        => All.TryGetValue(name, out var config) ? config : throw new ConfigException("--preset", [new ConfigProblem("preset", $"'{name}' is not a preset; known: {string.Join(", ", All.Keys)}")]);
}
