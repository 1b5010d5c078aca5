using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Datapath;

/// <summary>
/// The compute datapath of a configuration: G PE groups that receive the same weights (broadcast)
/// and their own activations, each followed by its quantizer pipeline. Table writes go to every
/// group's tables at once, so all groups requantize with the same step-wise parameters.
/// </summary>
public sealed class DiffAccDatapath : Module
{
    public DiffAccDatapath(AcceleratorConfig config)
    {
        Config = config.Validated(config.Name);
        Domain = config.ClockDomain;
        int tm = config.Tm, tn = config.Tn;
        Weights = Input(Vec(tm * tn, SInt(8)));
        Acts = Input(Vec(config.Groups * tn, SInt(8)));
        InValid = Input(Bool());
        Clear = Input(Bool());
        Drain = Input(Bool());
        ChannelBlock = Input(UInt(Hw.BitsFor(config.ChannelsPerLane)));
        StepGroup = Input(UInt(Hw.BitsFor(config.StepGroups)));
        TableWrite = Input(Bool());
        TableLane = Input(UInt(Hw.BitsFor(tm)));
        TableStepGroup = Input(UInt(Hw.BitsFor(config.StepGroups)));
        TableChannelBlock = Input(UInt(Hw.BitsFor(config.ChannelsPerLane)));
        TableBias = Input(SInt(32));
        TableMultiplier = Input(UInt(Model.Numerics.RequantParameters.MultiplierBits));
        TableShift = Input(UInt(Model.Numerics.RequantParameters.ShiftBits));
        Accumulated = Output(Vec(config.Groups, Bool()));
        OutValid = Output(Vec(config.Groups, Bool()));
        Quantized = Output(Vec(config.Groups * tm, SInt(8)));

        for (var g = 0; g < config.Groups; g++)
        {
            var group = Instance(new PeGroup(config), $"group_{g}");
            for (var i = 0; i < tm * tn; i++)
                group.Weights[i].Assign(Weights[i]);
            for (var n = 0; n < tn; n++)
                group.Acts[n].Assign(Acts[(g * tn) + n]);
            group.InValid.Assign(InValid);
            group.Clear.Assign(Clear);
            Accumulated[g].Assign(group.OutValid);

            // A finished sum leaves for requantization when the controller says Drain.
            var requantizer = Instance(new Requantizer(config), $"requantizer_{g}");
            requantizer.InValid.Assign(Drain);
            for (var m = 0; m < tm; m++)
                requantizer.Accumulators[m].Assign(group.Acc[m]);
            requantizer.ChannelBlock.Assign(ChannelBlock);
            requantizer.StepGroup.Assign(StepGroup);
            requantizer.TableWrite.Assign(TableWrite);
            requantizer.TableLane.Assign(TableLane);
            requantizer.TableStepGroup.Assign(TableStepGroup);
            requantizer.TableChannelBlock.Assign(TableChannelBlock);
            requantizer.TableBias.Assign(TableBias);
            requantizer.TableMultiplier.Assign(TableMultiplier);
            requantizer.TableShift.Assign(TableShift);
            OutValid[g].Assign(requantizer.OutValid);
            for (var m = 0; m < tm; m++)
                Quantized[(g * tm) + m].Assign(requantizer.Quantized[m]);
        }
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => "DiffAccDatapath";

    public Vec<SInt> Weights { get; }

    public Vec<SInt> Acts { get; }

    public Bool InValid { get; }

    public Bool Clear { get; }

    public Bool Drain { get; }

    public UInt ChannelBlock { get; }

    public UInt StepGroup { get; }

    public Bool TableWrite { get; }

    public UInt TableLane { get; }

    public UInt TableStepGroup { get; }

    public UInt TableChannelBlock { get; }

    public SInt TableBias { get; }

    public UInt TableMultiplier { get; }

    public UInt TableShift { get; }

    /// <summary>Per group: an input reached the accumulators this cycle (the controller's cue to Drain after the last).</summary>
    public Vec<Bool> Accumulated { get; }

    /// <summary>Per group: the quantized outputs are valid.</summary>
    public Vec<Bool> OutValid { get; }

    public Vec<SInt> Quantized { get; }
}
