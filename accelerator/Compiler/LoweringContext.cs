using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// What the lowering of every operator shares: the configuration and batch, the model and its scales,
/// the image's regions, the work region, the instruction stream with its per-layer record, and the
/// tensors layers left in the buffers. A layer owns the tables and parameter slots until the SYNC that
/// ends it; buffer rows it leaves a tensor in stay readable until an instruction writes over them.
/// </summary>
internal sealed class LoweringContext
{
    private readonly List<Instruction> instructions = [];
    private readonly List<CompiledLayer> layers = [];
    private (string Name, string Operation, int First)? open;
    private readonly Dictionary<byte, (long Offset, int Bytes)> filled = [];
    private readonly Dictionary<string, (long Offset, int Bytes)> padRows = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Tensor> timeEmbeddings = [];
    private readonly Dictionary<string, (string A, string B, int ChannelsA, int BlocksA)> splitConcats = new(StringComparer.Ordinal);
    // Tensors left in the buffers, each with the first instruction not yet checked for writing over it.
    private readonly List<(ResidentTensor Tensor, int Checked)> residents = [];
    // STOREs put off to the end of the next layer, each with the layer that emitted it, its DDR lines and its buffer rows.
    private readonly List<(Store Store, int Layer, IReadOnlyList<MemoryAccess> Ddr, long First, long End)> deferred = [];

    // The vector instructions that wrote each tensor of one sample (index, first channel block), for a GroupNorm to take its statistics from.
    private readonly Dictionary<(string Point, int? Sample), List<(int Index, int ChannelBlock)>> writers = [];
    // Every activation point's tensor, all samples' copies; and each sample's view of one, by the view.
    private readonly Dictionary<string, DdrTensor> tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Point, int Sample), DdrTensor> views = [];
    private readonly Dictionary<DdrTensor, DdrTensor> wholeOfView = new(ReferenceEqualityComparer.Instance);

    public LoweringContext(AcceleratorConfig config, QuantizedUNet model, IReadOnlyList<int> timesteps, int batch)
    {
        Config = config;
        Model = model;
        Timesteps = timesteps;
        Samples = batch;
        StepGroupTables = new ReplicatedRegion(model.Quantization.StepGroups.Count);
        StepTables = new ReplicatedRegion(timesteps.Count);
    }

    public AcceleratorConfig Config { get; }

    public QuantizedUNet Model { get; }

    /// <summary>The timestep of each denoising step (the STEP register is the index).</summary>
    public IReadOnlyList<int> Timesteps { get; }

    /// <summary>The samples of the program (its batch).</summary>
    public int Samples { get; }

    /// <summary>The one sample the layers being lowered compute on every group, or null when they compute all side by side.</summary>
    public int? Sample { get; private set; }

    /// <summary>Samples the layers being lowered compute: sample b's vector work runs on its first PE group; all share each weight fetch.</summary>
    public int Batch => Sample is null ? Samples : 1;

    /// <summary>
    /// PE groups a convolution gives each sample (G / B, at least 1): sample b's rows are split over
    /// groups b x GroupsPerSample ... , so a batch smaller than the groups leaves none idle.
    /// </summary>
    public int GroupsPerSample => Math.Max(1, Config.Groups / Batch);

    public int Tm => Config.Tm;

    public int Tn => Config.Tn;

    public ByteRegion Constants { get; } = new();

    private int nextParameterSlot;
    private int nextActivationTableSlot;

    /// <summary>
    /// The first of <paramref name="count"/> consecutive parameter slots for a layer, taken round the slots in
    /// turn: a layer's LOAD_TABLE writes slots the layers just before it do not read, so it waits for none of
    /// their vector work and loads under it.
    /// </summary>
    public int ParameterSlots(int count)
    {
        if (nextParameterSlot + count > ProgramValidation.ParameterSlots)
            nextParameterSlot = 0;
        var first = nextParameterSlot;
        nextParameterSlot += count;
        return first;
    }

    /// <summary>An activation table slot for a layer, taken round the configuration's slots in turn (as <see cref="ParameterSlots"/>).</summary>
    public int ActivationTableSlot()
    {
        var slot = nextActivationTableSlot;
        nextActivationTableSlot = (slot + 1) % Config.ActivationTableSlots;
        return slot;
    }

    public ReplicatedRegion StepGroupTables { get; }

    public ReplicatedRegion StepTables { get; }

    public WorkRegion Work { get; } = new();

    public IReadOnlyList<Instruction> Instructions => instructions;

    public IReadOnlyList<CompiledLayer> Layers => layers;

    /// <summary>The scale of an activation point in a step group; of a concatenation with split scales, its unit.</summary>
    public double Scale(string point, int stepGroup) => Split(point, stepGroup)?.Unit ?? Model.Quantization.Scale(point, stepGroup);

    /// <summary>Records that <paramref name="point"/> concatenates <paramref name="a"/> and <paramref name="b"/> with split scales.</summary>
    public void RecordSplitConcat(string point, DdrTensor a, DdrTensor b) => splitConcats[point] = (a.Point, b.Point, a.Channels, a.Blocks);

    /// <summary>A concatenation's split scales in a step group (from the file's scale for it and its parts' own), or null for any other point.</summary>
    public SplitConcat? Split(string point, int stepGroup)
        => splitConcats.TryGetValue(point, out var parts) ? SplitConcat.FromScales(Model.Quantization.Scale(point, stepGroup), Scale(parts.A, stepGroup), Scale(parts.B, stepGroup)) : null;

    /// <summary>The channel blocks of a split concatenation's first part, or null for any other point.</summary>
    public int? SplitBlocks(string point) => splitConcats.TryGetValue(point, out var parts) ? parts.BlocksA : null;

    /// <summary>e of logical channel <paramref name="channel"/>'s values q x 2^e (0 but in a split concatenation).</summary>
    public int Exponent(string point, int channel, int stepGroup)
        => Split(point, stepGroup) is { } split ? (channel < splitConcats[point].ChannelsA ? split.ExponentA : split.ExponentB) : 0;

    /// <summary>The zero point of an activation point in a step group (0 unless the point is asymmetric).</summary>
    public int ZeroPoint(string point, int stepGroup) => Model.Quantization.ZeroPoint(point, stepGroup);

    /// <summary>The SiLU table of a step group from its input point to its output point, with their zero points.</summary>
    public ActivationTable SiluTable(string input, string output, int stepGroup)
        => ActivationTable.Silu(Scale(input, stepGroup), Scale(output, stepGroup), ZeroPoint(input, stepGroup), ZeroPoint(output, stepGroup));

    /// <summary>The point has a zero point (a SiLU output calibrated with one).</summary>
    public bool Asymmetric(string point) => Model.Quantization.ZeroPoints.ContainsKey(point);

    public int StepGroupOf(int step) => Model.Quantization.GroupOf(Timesteps[step]);

    /// <summary>The activated time embedding of a step, computed once for every layer that folds it into its bias.</summary>
    public Tensor TimeEmbedding(int step)
    {
        if (!timeEmbeddings.TryGetValue(step, out var embedding))
            timeEmbeddings[step] = embedding = Model.TimeEmbedding(Timesteps[step]);
        return embedding;
    }

    /// <summary>
    /// A run of layers for <paramref name="sample"/> alone on every group, or for all samples side by side (null),
    /// begins: the tensors in the buffers are another sample's or laid out for another split, forgotten.
    /// </summary>
    public void BeginRun(int? sample)
    {
        Sample = sample;
        residents.Clear();
    }

    /// <summary>
    /// The tensor of <paramref name="point"/> in the work region, one copy per sample of the program, allocated
    /// by the first sample that writes it; seen as <see cref="ForSamples"/> does.
    /// </summary>
    public DdrTensor NewTensor(string point, int channels, int height, int width, int? blocks = null, IReadOnlyList<int>? channelMap = null)
    {
        if (!tensors.TryGetValue(point, out var tensor))
        {
            var b = blocks ?? Math.Max(1, TensorLayout.Padded(channels, Tn) / Tn);
            var bytes = (long)height * width * b * Tn;
            var stride = (bytes + ByteRegion.Alignment - 1) / ByteRegion.Alignment * ByteRegion.Alignment;
            var offset = Work.Allocate(stride * Samples);
            tensors[point] = tensor = new DdrTensor(point, channels, height, width, b, Tn, channelMap ?? DdrTensor.Identity(channels), offset, stride);
        }
        else if (Sample is null)
        {
            throw new InvalidOperationException($"activation point {point} is written twice");
        }
        return ForSamples(tensor);
    }

    /// <summary>A whole-batch tensor as the layers being lowered see it: itself, or the one sample's copy (its sample 0).</summary>
    public DdrTensor ForSamples(DdrTensor tensor)
    {
        tensor = WholeBatch(tensor);
        if (Sample is not int sample)
            return tensor;
        if (!views.TryGetValue((tensor.Point, sample), out var view))
        {
            views[(tensor.Point, sample)] = view = tensor with { Offset = tensor.At(sample) };
            wholeOfView[view] = tensor;
        }
        return view;
    }

    /// <summary>The tensor with every sample's copy that <paramref name="tensor"/> is one sample's view of, or itself.</summary>
    public DdrTensor WholeBatch(DdrTensor tensor) => wholeOfView.TryGetValue(tensor, out var whole) ? whole : tensor;

    /// <summary>
    /// Where a LOAD finds <paramref name="bytes"/> bytes that stand for padding of <paramref name="point"/>:
    /// its zero point in every byte, the step group's copy (the zero point changes with the step group), or zeros.
    /// </summary>
    public (int Base, long Offset, StepMode Mode) PadRows(string point, int bytes)
    {
        if (!Asymmetric(point))
            return (BaseRegister.Constants, Zeros(bytes), StepMode.None);
        if (!padRows.TryGetValue(point, out var region) || bytes > region.Bytes)
            padRows[point] = region = (StepGroupTables.Put(g => Enumerable.Repeat((byte)ZeroPoint(point, g), bytes).ToArray()), bytes);
        return (BaseRegister.StepGroupTables, region.Offset, StepMode.StepGroup);
    }

    /// <summary>A region of zeros in the constants at least <paramref name="bytes"/> long (buffer rows a LOAD clears).</summary>
    public long Zeros(int bytes) => Filled(0, bytes);

    /// <summary>A region of the constants at least <paramref name="bytes"/> long with <paramref name="value"/> in every byte, shared by all who ask.</summary>
    public long Filled(byte value, int bytes)
    {
        if (!filled.TryGetValue(value, out var region) || bytes > region.Bytes)
            filled[value] = region = (Constants.Put(Enumerable.Repeat(value, bytes).ToArray()), bytes);
        return region.Offset;
    }

    public void Emit(Instruction instruction)
    {
        if (deferred.Count > 0 && Conflicts(instruction))
            FlushDeferred();
        instructions.Add(instruction);
    }

    /// <summary>
    /// Emits a vector instruction that writes channel blocks <paramref name="channelBlock"/> onwards of
    /// <paramref name="output"/>'s rows, so that the GroupNorm reading it may gather its statistics there
    /// (<see cref="GatherStatistics"/>). Only one sample's writers are kept: the table is one for all.
    /// </summary>
    public void EmitWriting(VectorMap instruction, DdrTensor output, int channelBlock)
    {
        Emit(instruction);
        if (Batch != 1)
            return;
        var key = (output.Point, Sample);
        if (!writers.TryGetValue(key, out var list))
            writers[key] = list = [];
        list.Add((instructions.Count - 1, channelBlock));
    }

    /// <summary>
    /// Sets Statistics on every ADD that wrote <paramref name="x"/>, each channel block's first one clearing the
    /// table, when they all are ADDs and no other instruction has added into the statistics table since the
    /// first: the table then holds what a GN_STATS pass over x would give, and the GroupNorm needs none.
    /// </summary>
    public bool GatherStatistics(DdrTensor x)
    {
        if (Batch != 1 || !writers.TryGetValue((x.Point, Sample), out var list) || list.Count == 0)
            return false;
        var indices = list.Select(w => w.Index).ToHashSet();
        if (list.Any(w => instructions[w.Index] is not Isa.Add))
            return false;
        for (var i = list.Min(w => w.Index); i < instructions.Count; i++)
        {
            if (instructions[i] is GroupNormStatistics || (instructions[i] is Isa.Add { Statistics: true } && !indices.Contains(i)))
                return false;
        }
        var cleared = new HashSet<int>();
        foreach (var (index, channelBlock) in list.OrderBy(w => w.Index))
            instructions[index] = ((Isa.Add)instructions[index]) with { Statistics = true, StatisticsBase = channelBlock, StatisticsClear = cleared.Add(channelBlock) };
        return true;
    }

    /// <summary>
    /// A STORE nothing waits for soon (the DDR copy of a tensor that stays in the buffers, read again layers
    /// later): it goes at the end of the next layer, so the one data port's write channel first moves that
    /// layer's own stores (the halo rows the convolution after it loads). It goes earlier, just before, when an
    /// instruction would read its DDR lines or write its buffer rows.
    /// </summary>
    public void EmitLater(Store store)
    {
        var ddr = Footprint(store).Where(a => a.Ddr).ToList();
        deferred.Add((store, layers.Count, ddr, store.ActRow, store.ActRow + ((long)(store.Chunks - 1) * store.ActStride) + store.Rows));
    }

    /// <summary>Every STORE still deferred, in the order it was deferred, before the last layer's SYNC (the end of the program).</summary>
    public void FlushDeferredBeforeLastSync()
    {
        if (deferred.Count == 0)
            return;
        if (instructions.Count == 0 || instructions[^1] is not Sync || layers.Count == 0)
            throw new InvalidOperationException("deferred stores are flushed before the last layer's SYNC");
        var stores = deferred.Select(d => (Instruction)d.Store).ToList();
        deferred.Clear();
        instructions.InsertRange(instructions.Count - 1, stores);
        layers[^1] = layers[^1] with { InstructionCount = layers[^1].InstructionCount + stores.Count };
    }

    private void FlushDeferred(int beforeLayer = int.MaxValue)
    {
        var due = deferred.Where(d => d.Layer < beforeLayer).ToList();
        deferred.RemoveAll(d => d.Layer < beforeLayer);
        foreach (var d in due)
            instructions.Add(d.Store);
    }

    /// <summary>Whether <paramref name="instruction"/> must follow a deferred STORE: it reads or writes the store's DDR lines or writes its buffer rows.</summary>
    private bool Conflicts(Instruction instruction)
    {
        foreach (var access in Footprint(instruction))
        {
            foreach (var d in deferred)
            {
                if (access.Ddr && d.Ddr.Any(line => line.Space == access.Space && line.First < access.First + access.Count && access.First < line.First + line.Count))
                    return true;
                if (!access.Ddr && access.Write && access.Space == InstructionFootprint.ActivationRows(d.Store.Group) && access.First < d.End && d.First < access.First + access.Count)
                    return true;
            }
        }
        return false;
    }

    public void Begin(string name, string operation)
    {
        if (open is not null)
            throw new InvalidOperationException($"layer {open.Value.Name} is still open");
        open = (name, operation, instructions.Count);
    }

    /// <summary>Closes the layer with a SYNC: the next one may reuse every buffer, table and slot.</summary>
    public void End(string shape, string tiling, long macs)
    {
        var (name, operation, first) = open ?? throw new InvalidOperationException("no layer is open");
        FlushDeferred(beforeLayer: layers.Count);
        Emit(new Sync());
        layers.Add(new CompiledLayer(name, operation, shape, tiling, first, instructions.Count - first, macs) { Sample = Sample });
        open = null;
    }

    /// <summary>Records that the layer just ended left <paramref name="tensor"/> in the buffers as <paramref name="parts"/>.</summary>
    public void KeepResident(DdrTensor tensor, IReadOnlyList<ResidentPart> parts, IReadOnlyList<BlockRange>? written = null, bool leadRowsFirst = false)
    {
        residents.RemoveAll(r => ReferenceEquals(r.Tensor.Tensor, tensor));
        residents.Add((new ResidentTensor(tensor, parts, written) { LeadRowsFirst = leadRowsFirst }, instructions.Count));
    }

    /// <summary>No later layer reads <paramref name="tensor"/>: its rows in the buffers are free for others.</summary>
    public void Forget(DdrTensor tensor) => residents.RemoveAll(r => ReferenceEquals(r.Tensor.Tensor, tensor));

    /// <summary>The copy of <paramref name="tensor"/> in the buffers, if a layer left it there and no instruction since wrote over any of its rows.</summary>
    public ResidentTensor? ResidentCopy(DdrTensor tensor)
    {
        var i = residents.FindIndex(r => ReferenceEquals(r.Tensor.Tensor, tensor));
        if (i < 0)
            return null;
        var (resident, from) = residents[i];
        foreach (var access in BufferAccesses(from).Where(a => a.Write))
        {
            if (resident.Parts.Any(p => access.Space == InstructionFootprint.ActivationRows(p.Group) && access.First < resident.Rows(p).End && access.First + access.Count > resident.Rows(p).First))
            {
                residents.RemoveAt(i);
                return null;
            }
        }
        residents[i] = (resident, instructions.Count);
        return resident;
    }

    /// <summary>Every tensor still in the buffers: what a layer that places new rows would rather keep.</summary>
    public IEnumerable<ResidentTensor> Residents()
        => [.. residents.Select(r => r.Tensor.Tensor).ToList().Select(ResidentCopy).OfType<ResidentTensor>()];

    /// <summary>The buffer rows, in any group, of the tensors still in the buffers but <paramref name="except"/>.</summary>
    public IReadOnlyList<(int First, int End)> HeldRows(params DdrTensor[] except)
        => [.. Residents().Where(r => !except.Any(e => ReferenceEquals(r.Tensor, e))).SelectMany(r => r.Parts.Select(r.Rows)).Distinct()];

    /// <summary>
    /// One past the last activation buffer row, in any group, that the last layer's instructions touch or a tensor
    /// still in the buffers holds: a layer that places its rows from there can load while the last one computes.
    /// </summary>
    public int RowsInUse()
    {
        var activationRows = Enumerable.Range(0, Config.Groups).Select(InstructionFootprint.ActivationRows).ToHashSet(StringComparer.Ordinal);
        var end = BufferAccesses(layers.Count == 0 ? 0 : layers[^1].FirstInstruction).Where(a => activationRows.Contains(a.Space)).Select(a => (int)(a.First + a.Count)).DefaultIfEmpty(0).Max();
        foreach (var resident in Residents())
            end = Math.Max(end, resident.Parts.Max(p => resident.Rows(p).End));
        return end;
    }

    /// <summary>Whether the last layer's instructions read <paramref name="tensor"/> where it lies, in every part, and wrote none of it (the layer being lowered is its sibling).</summary>
    public bool LastLayerRead(ResidentTensor tensor)
    {
        if (layers.Count == 0)
            return false;
        var accesses = BufferAccesses(layers[^1].FirstInstruction).ToList();
        bool Touches(MemoryAccess a, ResidentPart p) => a.Space == InstructionFootprint.ActivationRows(p.Group) && a.First < tensor.Rows(p).End && a.First + a.Count > tensor.Rows(p).First;
        return tensor.Parts.All(p => accesses.Any(a => !a.Write && Touches(a, p)) && !accesses.Any(a => a.Write && Touches(a, p)));
    }

    /// <summary>The activation buffer rows, in any group, that the last <paramref name="layersBack"/> layers' instructions read or write, as runs.</summary>
    public IReadOnlyList<(int First, int End)> LastLayerRows(int layersBack = 1)
    {
        var activationRows = Enumerable.Range(0, Config.Groups).Select(InstructionFootprint.ActivationRows).ToHashSet(StringComparer.Ordinal);
        var runs = new List<(int First, int End)>();
        foreach (var a in BufferAccesses(layers.Count == 0 ? 0 : layers[Math.Max(0, layers.Count - layersBack)].FirstInstruction).Where(a => activationRows.Contains(a.Space)).OrderBy(a => a.First))
        {
            var (first, end) = ((int)a.First, (int)(a.First + a.Count));
            if (runs.Count > 0 && first <= runs[^1].End)
                runs[^1] = (runs[^1].First, Math.Max(runs[^1].End, end));
            else
                runs.Add((first, end));
        }
        return runs;
    }

    /// <summary>What the instructions from <paramref name="from"/> on read and write on chip (their footprints but DDR).</summary>
    private IEnumerable<MemoryAccess> BufferAccesses(int from)
        => Enumerable.Range(from, instructions.Count - from).SelectMany(k => Footprint(instructions[k], k)).Where(a => !a.Ddr);

    /// <summary>What <paramref name="instruction"/> reads and writes, DDR lines by base register (the program's <paramref name="index"/>th).</summary>
    private IEnumerable<MemoryAccess> Footprint(Instruction instruction, int index = 0)
        => InstructionFootprint.Of(Config, new ScheduledInstruction(index, instruction, InstructionSet.Format(instruction).Engine, 0, []), DdrSpaces.PerBase);

    /// <summary>LOAD_TABLE of a table that depends on the step group: each group's copy at the same offset.</summary>
    public LoadTable StepGroupTable(TableKind kind, int first, Func<int, IReadOnlyList<DataWord>> words)
    {
        var count = words(0).Count;
        var offset = StepGroupTables.Put(g => [.. words(g).SelectMany(w => w.Encode())]);
        return new LoadTable { Base = BaseRegister.StepGroupTables, Offset = offset, StepMode = StepMode.StepGroup, Kind = kind, First = first, Count = count };
    }

    /// <summary>LOAD_TABLE of activation tables (256 bytes each) that depend on the step group.</summary>
    public LoadTable StepGroupActivationTables(int firstSlot, Func<int, IReadOnlyList<sbyte[]>> tables)
    {
        var count = tables(0).Count;
        var offset = StepGroupTables.Put(g => [.. tables(g).SelectMany(t => t.Select(v => (byte)v))]);
        return new LoadTable { Base = BaseRegister.StepGroupTables, Offset = offset, StepMode = StepMode.StepGroup, Kind = TableKind.Activation, First = firstSlot, Count = count };
    }

    /// <summary>LOAD_TABLE of a table that depends on the denoising step (the folded time embedding).</summary>
    public LoadTable StepTable(TableKind kind, int first, Func<int, IReadOnlyList<DataWord>> words)
    {
        var count = words(0).Count;
        var offset = StepTables.Put(s => [.. words(s).SelectMany(w => w.Encode())]);
        return new LoadTable { Base = BaseRegister.StepTables, Offset = offset, StepMode = StepMode.Step, Kind = kind, First = first, Count = count };
    }
}

/// <summary>One layer of a compiled program: what it computes, how it was tiled, and its instructions.</summary>
public sealed record CompiledLayer(string Name, string Operation, string Shape, string Tiling, int FirstInstruction, int InstructionCount, long Macs)
{
    /// <summary>The one sample of the batch this copy of the layer computes on every group, or null: every sample, side by side.</summary>
    public int? Sample { get; init; }
}
