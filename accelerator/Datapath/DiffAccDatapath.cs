using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Datapath;

/// <summary>
/// The compute datapath of a configuration: one ping-pong weight buffer whose rows are broadcast
/// to G PE groups, each group with its own banked activation buffer (its own image of the batch,
/// or its own tile) and its own quantizer pipeline. A controller (not yet part of the datapath)
/// issues one term per cycle as buffer read addresses with <see cref="TermValid"/> and
/// <see cref="TermFirst"/>; the buffers answer a cycle later and the groups take the term. Table
/// writes go to every group's tables at once.
/// </summary>
public sealed class DiffAccDatapath : Module
{
    public DiffAccDatapath(AcceleratorConfig config)
    {
        Config = config.Validated(config.Name);
        Domain = config.ClockDomain;
        int tm = config.Tm, tn = config.Tn;
        var actDepth = config.ActivationRows;
        var weightDepth = config.WeightRows;
        ActWriteGroup = Input(UInt(Hw.BitsFor(config.Groups)));
        ActWrite = Input(Bool());
        ActWriteLanes = Input(UInt(tn));
        ActWriteAddress = Input(UInt(Hw.BitsFor(actDepth)));
        ActWriteData = Input(Vec(tn, SInt(8)));
        ActReadAddress = Input(UInt(Hw.BitsFor(actDepth)));
        WeightWrite = Input(Bool());
        WeightWriteAddress = Input(UInt(Hw.BitsFor(weightDepth)));
        WeightWriteData = Input(Vec(tm * tn, SInt(8)));
        WeightFillDone = Input(Bool());
        WeightCanFill = Output(Bool());
        WeightReadAddress = Input(UInt(Hw.BitsFor(weightDepth)));
        WeightComputeValid = Output(Bool());
        WeightComputeDone = Input(Bool());
        TermValid = Input(Bool());
        TermFirst = Input(Bool());
        Drain = Input(Bool());
        DrainFirst = Input(Bool());
        DrainRow = Input(UInt(Hw.BitsFor(config.AccumulatorRows)));
        Requantize = Input(Bool());
        RequantizeRow = Input(UInt(Hw.BitsFor(config.AccumulatorRows)));
        ChannelBlock = Input(UInt(Hw.BitsFor(config.ChannelsPerLane)));
        StepGroup = Input(UInt(Hw.BitsFor(config.StepGroups)));
        Table = Input(TableWritePort.Of(config));
        Accumulated = Output(Vec(config.Groups, Bool()));
        OutValid = Output(Vec(config.Groups, Bool()));
        Quantized = Output(Vec(config.Groups * tm, SInt(8)));

        var weights = Instance(new WeightBuffer(tm * tn, weightDepth), "weights");
        weights.Write.Assign(WeightWrite);
        weights.WriteAddress.Assign(WeightWriteAddress);
        for (var i = 0; i < tm * tn; i++)
            weights.WriteData[i].Assign(WeightWriteData[i]);
        weights.FillDone.Assign(WeightFillDone);
        weights.ReadAddress.Assign(WeightReadAddress);
        weights.ComputeDone.Assign(WeightComputeDone);
        WeightCanFill.Assign(weights.CanFill);
        WeightComputeValid.Assign(weights.ComputeValid);

        // The buffers answer one cycle after the address: the term's flags wait one cycle too.
        var termValid = RegNext(TermValid, reset: 0, name: "term_valid");
        var termFirst = RegNext(TermFirst, name: "term_first");
        for (var g = 0; g < config.Groups; g++)
        {
            var activations = Instance(new ActivationBuffer(tn, actDepth), $"activations_{g}");
            activations.WriteEnable.Assign(ActWrite & (ActWriteGroup == g));
            activations.WriteLanes.Assign(ActWriteLanes);
            activations.WriteAddress.Assign(ActWriteAddress);
            for (var n = 0; n < tn; n++)
                activations.WriteData[n].Assign(ActWriteData[n]);
            activations.ReadEnable.Assign(TermValid);
            activations.ReadAddress.Assign(ActReadAddress);

            var group = Instance(new PeGroup(config), $"group_{g}");
            for (var i = 0; i < tm * tn; i++)
                group.Weights[i].Assign(weights.ReadData[i]);
            for (var n = 0; n < tn; n++)
                group.Acts[n].Assign(activations.ReadData[n]);
            group.InValid.Assign(termValid);
            group.Clear.Assign(termFirst);
            Accumulated[g].Assign(group.OutValid);

            // A finished PE sum is drained into a row of the accumulator banks (stored or added, for
            // layers that take several passes over their input channels); a finished row is requantized.
            var partials = Instance(new AccumulatorBank(tm, config.AccumulatorRows), $"partials_{g}");
            partials.Add.Assign(Drain);
            partials.AddFirst.Assign(DrainFirst);
            partials.AddAddress.Assign(DrainRow);
            for (var m = 0; m < tm; m++)
                partials.AddValues[m].Assign(group.Acc[m]);
            partials.ReadAddress.Assign(RequantizeRow);

            var requantizer = Instance(new Requantizer(config), $"requantizer_{g}");
            requantizer.InValid.Assign(RegNext(Requantize, reset: 0, name: $"requantize_{g}"));
            for (var m = 0; m < tm; m++)
                requantizer.Accumulators[m].Assign(partials.ReadData[m]);
            // The bank answers a cycle after Requantize: the table index must wait with it.
            requantizer.ChannelBlock.Assign(RegNext(ChannelBlock, name: $"requantize_block_{g}"));
            requantizer.StepGroup.Assign(RegNext(StepGroup, name: $"requantize_step_group_{g}"));
            requantizer.Table.ConnectFrom(Table);
            OutValid[g].Assign(requantizer.OutValid);
            for (var m = 0; m < tm; m++)
                Quantized[(g * tm) + m].Assign(requantizer.Quantized[m]);
        }

        // The non-linear operators, driven by the controller from the activation buffers.
        ExposePorts(Instance(new Vector.VectorUnit(config), "vector"), "Vector_");
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => "DiffAccDatapath";

    /// <summary>Which group's activation buffer a write goes to.</summary>
    public UInt ActWriteGroup { get; }

    public Bool ActWrite { get; }

    public UInt ActWriteLanes { get; }

    public UInt ActWriteAddress { get; }

    public Vec<SInt> ActWriteData { get; }

    /// <summary>The row every group reads from its own activation buffer for the issued term.</summary>
    public UInt ActReadAddress { get; }

    public Bool WeightWrite { get; }

    public UInt WeightWriteAddress { get; }

    public Vec<SInt> WeightWriteData { get; }

    public Bool WeightFillDone { get; }

    public Bool WeightCanFill { get; }

    public UInt WeightReadAddress { get; }

    public Bool WeightComputeValid { get; }

    public Bool WeightComputeDone { get; }

    /// <summary>A term is issued this cycle at the read addresses.</summary>
    public Bool TermValid { get; }

    /// <summary>The issued term starts a new sum.</summary>
    public Bool TermFirst { get; }

    /// <summary>The PE groups' sums are complete: add them into the accumulator banks at <see cref="DrainRow"/>.</summary>
    public Bool Drain { get; }

    /// <summary>With <see cref="Drain"/>: the first pass of this row, store instead of add.</summary>
    public Bool DrainFirst { get; }

    public UInt DrainRow { get; }

    /// <summary>Requantize the row at <see cref="RequantizeRow"/> (read one cycle, then the quantizer pipeline).</summary>
    public Bool Requantize { get; }

    public UInt RequantizeRow { get; }

    public UInt ChannelBlock { get; }

    public UInt StepGroup { get; }

    /// <summary>Run-time writes of the requantization tables.</summary>
    public TableWritePort Table { get; }

    /// <summary>Per group: an input reached the accumulators this cycle (the controller's cue to Drain after the last).</summary>
    public Vec<Bool> Accumulated { get; }

    /// <summary>Per group: the quantized outputs are valid.</summary>
    public Vec<Bool> OutValid { get; }

    public Vec<SInt> Quantized { get; }
}
