using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Configuration;

/// <summary>One problem with a configuration: the field and what is wrong with it.</summary>
public sealed record ConfigProblem(string Field, string Problem)
{
    /// <summary>The field as a configuration file spells it (groupPblocks, not GroupPblocks).</summary>
    public override string ToString() => $"{System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(Field)}: {Problem}";
}

/// <summary>A configuration that cannot be built; the message lists every problem, each with its field.</summary>
public sealed class ConfigException(string source, IReadOnlyList<ConfigProblem> problems)
    : Exception($"{source}: {problems.Count} problem(s) in the accelerator configuration:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Select(p => $"  {p}"))}")
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}

/// <summary>
/// The generator parameters of the Diff-Acc datapath. Immutable; <see cref="Validate"/> reports
/// every impossible or over-budget combination by field.
/// </summary>
public sealed record AcceleratorConfig
{
    /// <summary>Preset name or "custom".</summary>
    public string Name { get; init; } = "custom";

    /// <summary>PE groups G: each works on its own image (or tile) with the same broadcast weights.</summary>
    public int Groups { get; init; } = 1;

    /// <summary>Output channels per group per cycle (Tm).</summary>
    public int Tm { get; init; } = 4;

    /// <summary>Input channels per group per cycle (Tn).</summary>
    public int Tn { get; init; } = 4;

    /// <summary>Two int8 MACs that share the activation in one DSP48E2.</summary>
    public bool DspPacking { get; init; } = true;

    /// <summary>Bits of the PE groups' sums: 32, what the accumulator banks, requantizers and numerics are built for (validated).</summary>
    public int AccumulatorWidth { get; init; } = 32;

    /// <summary>
    /// Requantizer table slots: the step groups whose tables the chip holds at once (the table RAM rounds it up
    /// to a power of two, <see cref="StepGroupSlotBits"/>). A program may use any of the 2^16 step groups
    /// (<see cref="StepGroupBits"/>): step group g's tables come from its own DDR copy into slot g mod 2^StepGroupSlotBits.
    /// </summary>
    public int StepGroups { get; init; } = 8;

    /// <summary>Bits of a step group number: the STEP_GROUP register, SET_STEP's field, the stamp on every instruction.</summary>
    public const int StepGroupBits = 16;

    /// <summary>Bits of the requantizer table slot: the low bits of the step group.</summary>
    public int StepGroupSlotBits => Hdl.Hw.BitsFor(StepGroups);

    /// <summary>Bits of the requantizer table's address above the channel block: the bank (LOAD_TABLE's and CONV's TableBank), then the step group's slot.</summary>
    public int RequantizerSlotBits => StepGroupSlotBits + 1;

    /// <summary>The requantizer table slot of a step group's bank: the bank above the step group's low <see cref="StepGroupSlotBits"/> bits.</summary>
    public int RequantizerSlot(int stepGroup, bool bank) => ((bank ? 1 : 0) << StepGroupSlotBits) | StepGroupSlot(stepGroup);

    /// <summary>The requantizer table slot of a step group (its low <see cref="StepGroupSlotBits"/> bits).</summary>
    public int StepGroupSlot(int stepGroup) => stepGroup & ((1 << StepGroupSlotBits) - 1);

    /// <summary>Most output channels of a layer the requantization tables hold.</summary>
    public int MaxChannels { get; init; } = 512;

    /// <summary>Activation buffer per group, in KiB.</summary>
    public int ActivationBufferKiB { get; init; } = 128;

    /// <summary>Each of the two ping-pong weight buffers, in KiB.</summary>
    public int WeightBufferKiB { get; init; } = 64;

    /// <summary>Rows of each group's accumulator banks: int32 partial sums of Tm channels per output pixel.</summary>
    public int AccumulatorRows { get; init; } = 256;

    /// <summary>Adder-tree levels between pipeline registers: fewer levels, shorter paths, more latency.</summary>
    public int AdderLevelsPerStage { get; init; } = 2;

    /// <summary>Lanes of each vector-unit block (GroupNorm, SiLU table, softmax, residual add): values per cycle.</summary>
    public int VectorLanes { get; init; } = 4;

    /// <summary>SiLU tables each lane holds, so the next layer's or step group's table loads while one runs.</summary>
    public int ActivationTableSlots { get; init; } = 2;

    /// <summary>
    /// AXI4 masters that load weights (<c>m_axi_weights</c>, <c>m_axi_weights1</c>, ...), each on its own
    /// high-performance port: port p reads its share of every weight row (bytes p x Tm Tn / P onwards),
    /// so a row arrives P beats a cycle; the shares of a LOAD_WEIGHTS lie in DDR one run per port
    /// (<see cref="Isa.WeightPortShares"/>), so each port streams long bursts.
    /// </summary>
    public int WeightPorts { get; init; } = 1;

    public double ClockMHz { get; init; } = 300;

    /// <summary>
    /// Optional floorplan: the Vivado site ranges of each PE group's pblock (one entry per group, e.g.
    /// <c>CLOCKREGION_X0Y0:CLOCKREGION_X1Y2</c>), written to the XDC; null for none.
    /// </summary>
    public IReadOnlyList<string>? GroupPblocks { get; init; }

    public PartInfo Part { get; init; } = PartInfo.Xczu9eg;

    /// <summary>The most weight masters: one per high-performance port beside the data port's (S_AXI_HP1 to HP3, then S_AXI_HPC0 used without coherency).</summary>
    public const int MaxWeightPorts = 4;

    public int Macs => Groups * Tm * Tn;

    /// <summary>The one clock of the datapath: ports clk and rst, synchronous active-high reset.</summary>
    public ClockDomain ClockDomain => new("sys", ClockMHz, ResetKind.SyncActiveHigh, "clk", "rst");

    /// <summary>DSP48E2 for the MAC arrays: one per MAC, or one per two with packing.</summary>
    public int MacDsps => DspPacking ? Groups * Tn * ((Tm + 1) / 2) : Macs;

    /// <summary>DSP48E2 of the requantizers: a 33 x 16-bit product per lane takes two.</summary>
    public int RequantizerDsps => Groups * Tm * 2;

    /// <summary>
    /// DSP48E2 of the vector unit, as Yosys 0.23 maps it (measured at 1 and 4 lanes): per lane 10 —
    /// GroupNorm 7 (n·x, c·Root 31 x 33 bits four, z·Gain 40 x 16 two), softmax 3 ((max − a)·M
    /// 33 x 16 two, e·R 16 x 17 one); plus 8 for the GroupNorm variance (n·Σx² and (Σx)²). The residual
    /// add's two 8 x 17 products per lane and the statistics' x² (Tn of them, a buffer row a cycle) are
    /// fabric logic (<see cref="Datapath.BoothProduct"/>).
    /// </summary>
    public int VectorDsps => (VectorLanes * 10) + 8;

    /// <summary>
    /// DSP48E2 of the machine around the datapath, as Yosys 0.23 maps it: the compute engine's address
    /// products 3, the three DMA address units 1 each (step x stride), the load engine's transfer sizes 2,
    /// the weight engine's 2 and the store engine's 1.
    /// </summary>
    public const int ControllerDsps = 11;

    public int TotalDsps => MacDsps + RequantizerDsps + VectorDsps + ControllerDsps;

    /// <summary>Channels of one requantizer lane: lane m holds channels m, m + Tm, m + 2 Tm, ...</summary>
    public int ChannelsPerLane => (MaxChannels + Tm - 1) / Tm;

    /// <summary>Rows of each activation buffer (one row holds Tn int8 activations).</summary>
    public int ActivationRows => Math.Max(1, ActivationBufferKiB * 1024 / Tn);

    /// <summary>Rows of each weight bank (one row holds Tm x Tn int8 weights).</summary>
    public int WeightRows => Math.Max(1, WeightBufferKiB * 1024 / (Tm * Tn));

    /// <summary>RAMB36E2 of the G activation buffers and accumulator banks and the weight buffer's two banks, by their geometry.</summary>
    /// <remarks>The accumulator banks count twice: a read for the add, a read for requantization and a write are three ports, one more than a block RAM has.</remarks>
    public int BufferRamb36 => (Groups * (Ramb36For(ActivationRows, 8 * Tn) + (2 * Ramb36For(AccumulatorRows, AccumulatorWidth * Tm)))) + (WeightColumns * Ramb36For(2 << Hw.BitsFor(WeightRows), 8 * WeightColumnBytes));

    /// <summary>Bytes of a weight row each of a bank's memories holds (see <see cref="Buffers.WeightBuffer"/>).</summary>
    public int WeightColumnBytes => Math.Min(Tm * Tn, Buffers.WeightBuffer.MaxColumnBytes);

    /// <summary>Memories of the weight buffer, each holding one column of both banks: the row split so each memory has few byte enables.</summary>
    public int WeightColumns => Tm * Tn / WeightColumnBytes;

    /// <summary>RAMB36E2 for a depth x width memory: the best of the block's aspect ratios (512 x 72 ... 32K x 1).</summary>
    public static int Ramb36For(int depth, int width)
    {
        (int Depth, int Width)[] aspects = [(512, 72), (1024, 36), (2048, 18), (4096, 9), (8192, 4), (16384, 2), (32768, 1)];
        return aspects.Min(a => ((depth + a.Depth - 1) / a.Depth) * ((width + a.Width - 1) / a.Width));
    }

    public IReadOnlyList<ConfigProblem> Validate()
    {
        var problems = new List<ConfigProblem>();
        void Need(bool ok, string field, string problem)
        {
            if (!ok)
                problems.Add(new ConfigProblem(field, problem));
        }
        Need(Groups >= 1, nameof(Groups), $"must be at least 1, not {Groups}");
        Need(Tm >= 1, nameof(Tm), $"must be at least 1, not {Tm}");
        Need(Tn >= 1, nameof(Tn), $"must be at least 1, not {Tn}");
        Need(!DspPacking || Tm % 2 == 0, nameof(Tm), $"must be even with DspPacking (two output channels share a DSP48E2), not {Tm}");
        Need(AccumulatorWidth == 32, nameof(AccumulatorWidth), $"must be 32: the accumulator banks, requantizers, table ports and the numerics (int32 sums with wraparound) are built for it, not {AccumulatorWidth}");
        Need(StepGroups is >= 1 and <= 1000, nameof(StepGroups), $"must be 1 to 1000 requantizer table slots, not {StepGroups}");
        Need(MaxChannels >= 1, nameof(MaxChannels), $"must be at least 1, not {MaxChannels}");
        Need(ActivationBufferKiB >= 1, nameof(ActivationBufferKiB), $"must be at least 1, not {ActivationBufferKiB}");
        Need(WeightBufferKiB >= 1, nameof(WeightBufferKiB), $"must be at least 1, not {WeightBufferKiB}");
        Need(AccumulatorRows >= 1, nameof(AccumulatorRows), $"must be at least 1, not {AccumulatorRows}");
        Need(AdderLevelsPerStage >= 1, nameof(AdderLevelsPerStage), $"must be at least 1, not {AdderLevelsPerStage}");
        Need(VectorLanes is >= 1 and <= 256, nameof(VectorLanes), $"must be 1 to 256, not {VectorLanes}");
        Need(ActivationTableSlots is >= 1 and <= 64, nameof(ActivationTableSlots), $"must be 1 to 64, not {ActivationTableSlots}");
        Need(WeightPorts is >= 1 and <= MaxWeightPorts, nameof(WeightPorts), $"must be 1 to {MaxWeightPorts} (the ZCU102's S_AXI_HP1 to HP3 and HPC0; HP0 is the data port's), not {WeightPorts}");
        Need(ClockMHz is > 0 and <= 800, nameof(ClockMHz), $"must be above 0 and at most 800 MHz, not {ClockMHz}");
        var groupMaskBits = FieldOf<Conv>.Bits(c => c.GroupMask);
        Need(Groups <= groupMaskBits && Groups <= FieldOf<Load>.Max(l => l.Group) + 1, nameof(Groups), $"must be at most {groupMaskBits} (the CONV group mask has {groupMaskBits} bits), not {Groups}");
        if (GroupPblocks is { } pblocks)
        {
            Need(pblocks.Count == Groups, nameof(GroupPblocks), $"needs one site range per PE group ({Groups}), not {pblocks.Count}");
            Need(pblocks.All(r => r.Length > 0 && !r.Any(char.IsWhiteSpace)), nameof(GroupPblocks), "each entry is one site range without spaces, such as CLOCKREGION_X0Y0:CLOCKREGION_X1Y2; give several ranges of a group separated by '+'");
        }
        if (problems.Count > 0)
            return problems;
        // The machine's data movement assumes power-of-two lanes that nest: a buffer row (Tn bytes) holds whole output blocks (Tm) and whole vector beats.
        Need(IsPowerOfTwo(Tn), nameof(Tn), $"must be a power of two, not {Tn}");
        Need(IsPowerOfTwo(Tm), nameof(Tm), $"must be a power of two, not {Tm}");
        Need(IsPowerOfTwo(VectorLanes), nameof(VectorLanes), $"must be a power of two, not {VectorLanes}");
        Need(Tn % Tm == 0, nameof(Tm), $"must divide Tn {Tn} (a buffer row holds whole output blocks), not {Tm}");
        Need(Tm % VectorLanes == 0, nameof(VectorLanes), $"must divide Tm {Tm} and Tn {Tn} (rows split into whole vector beats), not {VectorLanes}");
        Need(Tm * Tn % 16 == 0, nameof(Tn), $"Tm x Tn = {Tm * Tn} bytes must be whole 16-byte AXI beats (a weight row)");
        Need(Tm * Tn % (16 * WeightPorts) == 0, nameof(WeightPorts), $"must split a weight row of Tm x Tn = {Tm * Tn} bytes into whole 16-byte beats per port, not {WeightPorts}");
        Need(MaxChannels % Tn == 0, nameof(MaxChannels), $"must be a multiple of Tn {Tn}, not {MaxChannels}");
        var activationRows = FieldOf<Load>.Max(l => l.ActRow) + 1;
        Need(ActivationRows <= activationRows, nameof(ActivationBufferKiB), $"gives {ActivationRows} activation rows; the instructions address {activationRows}");
        var weightRowBits = FieldOf<LoadWeights>.Bits(l => l.FirstRow);
        var accumulatorRowBits = FieldOf<Conv>.Bits(c => c.AccRow);
        Need(WeightRows <= 1L << weightRowBits && AccumulatorRows <= 1L << accumulatorRowBits, nameof(WeightBufferKiB), $"weight and accumulator rows are addressed with {weightRowBits} and {accumulatorRowBits} bits");
        if (problems.Count > 0)
            return problems;
        Need(TotalDsps <= Part.Dsp48E2, nameof(Groups),
            $"{Groups} groups of {Tm} x {Tn} MACs need {TotalDsps} DSP48E2 ({MacDsps} for MACs{(DspPacking ? " at 2 per DSP" : "")}, {RequantizerDsps} for requantizers, {VectorDsps} for {VectorLanes} vector lanes, {ControllerDsps} for the controller) but {Part.Name} has {Part.Dsp48E2}");
        Need(BufferRamb36 <= Part.Ramb36, nameof(ActivationBufferKiB),
            $"the buffers need {BufferRamb36} RAMB36E2 but {Part.Name} has {Part.Ramb36}");
        return problems;
    }

    private static bool IsPowerOfTwo(int value) => value > 0 && (value & (value - 1)) == 0;

    /// <summary>This configuration if it is valid; otherwise a <see cref="ConfigException"/> naming every problem.</summary>
    public AcceleratorConfig Validated(string source = "configuration")
    {
        var problems = Validate();
        return problems.Count == 0 ? this : throw new ConfigException(source, problems);
    }
}
