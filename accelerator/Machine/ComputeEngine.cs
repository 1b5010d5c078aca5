using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Datapath;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// CONV on the PE groups of its mask: the <see cref="ConvWalker"/> issues one term per cycle when
/// every group's activation read is granted (padding taps need no read and give zeros, or the
/// input's zero point). The G groups take the same broadcast weight row; each
/// pixel's sum goes to its group's requantizer (and back into the activation buffer at the output block's bytes), or into its
/// accumulator bank (stored or added), or both (added, then the sum requantized).
/// </summary>
public sealed class ComputeEngine : Module
{
    /// <summary>Stages a term passes after the PE group and beside the requantizer: the accumulator bank's read, add and write.</summary>
    public const int AccumulateStages = 3;

    /// <summary>The last term's issue to done: the last-issue register, then the PE group, the accumulator bank and the requantizer drain.</summary>
    public static int DrainCycles(int peLatency) => 1 + peLatency + Requantizer.Latency + AccumulateStages;

    public ComputeEngine(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int groups = config.Groups, tm = config.Tm, tn = config.Tn;
        var accBits = Hw.BitsFor(config.AccumulatorRows);
        Control = Input(EngineControl.Of(config));
        ActRead = Output(ComputeBufferRead.Of(config));
        ActData = Input(Vec(groups * tn, SInt(8)));
        ActWrite = Output(ComputeBufferWrite.Of(config));
        Weights = Output(WeightDrain.Of(tm * tn, config.WeightRows));
        Table = Input(TableWritePort.Of(config));
        PadWrite = Input(Bool());
        PadValue = Input(SInt(8));
        ExponentWrite = Input(Bool());
        ExponentA = Input(UInt(SplitConcat.ExponentBits));
        ExponentB = Input(UInt(SplitConcat.ExponentBits));
        AccReadAddress = Input(UInt(accBits));
        AccReadData = Output(Vec(groups * tm, SInt(32)));
        Issued = Output(Bool());

        var v = new WordFields<Conv>(Control.Instruction);
        var mask = v.Fit(f => f.GroupMask, groups);
        var output = v[f => f.Output];
        var requantizeDirect = output == (int)ConvOutput.Requantize;
        var requantizeSum = output == (int)ConvOutput.AccumulatorAddRequantize;
        var draining = Reg(UInt(6), reset: 0, name: "draining");
        var busy = Reg(Bool(), reset: 0, name: "busy");

        // ---- the walk: one term a cycle, issued when its activation reads are granted ----
        var walker = Instance(new ConvWalker(config), "walker");
        walker.Instruction.Assign(Control.Instruction);
        walker.Start.Assign(Control.Start);
        walker.Abort.Assign(Control.Abort);
        walker.WeightValid.Assign(Weights.Valid);
        walker.ReadGranted.Assign(ActRead.Granted);
        ActRead.Valid.Assign(walker.ReadValid);
        ActRead.Mask.Assign(mask);
        ActRead.Address.Assign(walker.ReadAddress);
        Weights.Address.Assign(walker.Term.Weight);
        var issue = walker.Issue;
        var term = walker.Term;
        Issued.Assign(issue);

        // ---- the PE groups: the term's data (or its padding) arrives a cycle after it issued ----
        var feed = Instance(new PeArrayFeed(config), "feed");
        feed.PadWithZeroPoint.Assign(v.Flag(f => f.PadWithZeroPoint));
        feed.ExponentSlot.Assign(v[f => f.Exponent]);
        feed.Issue.Assign(issue);
        feed.First.Assign(term.First);
        feed.Inside.Assign(walker.Inside);
        feed.Neighbour.Assign(walker.Neighbour);
        feed.HaloGroups.Assign(v[f => f.HaloGroups]);
        feed.ActData.ConnectFrom(ActData);
        feed.PadWrite.Assign(PadWrite);
        feed.PadValue.Assign(PadValue);
        feed.ExponentWrite.Assign(ExponentWrite);
        feed.ExponentA.Assign(ExponentA);
        feed.ExponentB.Assign(ExponentB);
        var pes = Enumerable.Range(0, groups).Select(g => Instance(new PeGroup(config), $"group_{g}")).ToArray();
        if (config.GroupPblocks is { } pblocks)
        {
            for (var g = 0; g < groups; g++)
                Pblock(pes[g], pblocks[g].Split('+'));
        }
        var peLatency = pes[0].Latency;

        // ---- each pixel's tags beside its sums: through the PE group, the accumulator bank and the requantizer ----
        var stages = peLatency + 2 + Requantizer.Latency;
        var lasts = ShiftChain(issue & term.Last, stages, reset: 0, name: "pixel_last");
        var tags = ShiftChain(term.Pixel, stages, name: "pixel_tag");
        var (atSum, atBankSum) = (peLatency, peLatency + 1);
        var (directOut, bankOut) = (peLatency + Requantizer.Latency, peLatency + 1 + Requantizer.Latency);
        var written = Mux(requantizeSum, lasts[bankOut], lasts[directOut] & requantizeDirect);
        var writtenOut = Mux(requantizeSum, tags[bankOut].Out, tags[directOut].Out);
        var writtenLane = Mux(requantizeSum, tags[bankOut].Lane, tags[directOut].Lane);
        var laneMask = Enumerable.Range(0, tn / tm).Aggregate((UInt)Lit(0, tn), (lanes, k) => Mux(writtenLane == k * tm, Lit(((1L << tm) - 1) << (k * tm), tn), lanes));
        ActWrite.Mask.Assign(Mux(written, mask, Lit(0, groups)));
        ActWrite.Address.Assign(writtenOut);
        ActWrite.Lanes.Assign(laneMask);
        for (var g = 0; g < groups; g++)
        {
            var pe = pes[g];
            pe.Weights.ConnectFrom(Weights.Data);
            pe.Acts.ConnectFrom([.. Enumerable.Range(0, tn).Select(n => feed.Acts[(g * tn) + n])]);
            pe.InValid.Assign(feed.Valid);
            pe.Clear.Assign(feed.Clear);

            var writeBack = Instance(new ConvWriteBack(config), $"write_back_{g}");
            writeBack.Mode.Assign(output);
            writeBack.Selected.Assign(mask[g]);
            writeBack.Exponent.Assign(feed.Exponent);
            writeBack.Sums.ConnectFrom(pe.Acc);
            writeBack.SumLast.Assign(lasts[atSum]);
            writeBack.SumAcc.Assign(tags[atSum].Acc);
            writeBack.SumBlock.Assign(tags[atSum].Block);
            writeBack.BankSumLast.Assign(lasts[atBankSum]);
            writeBack.BankSumBlock.Assign(tags[atBankSum].Block);
            writeBack.Slot.Assign(Requantizer.SlotOf(config, v.Flag(f => f.TableBank), Control.StepGroup));
            writeBack.Table.ConnectFrom(Table);
            writeBack.AccReadAddress.Assign(AccReadAddress);
            for (var m = 0; m < tm; m++)
                AccReadData[(g * tm) + m].Assign(writeBack.AccReadData[m]);
            for (var n = 0; n < tn; n++)
                ActWrite.Data[(g * tn) + n].Assign(writeBack.Row[n]);
        }

        // ---- completion: the last term's pixel has left every pipeline ----
        // The last issue is registered before it loads the drain counter (one less, so done comes in the same
        // cycle): the issue ends the buffers' arbitration.
        var lastIssued = RegNext(issue & term.Final & !Control.Abort, reset: 0, name: "last_issued");
        When(lastIssued, () => draining.Assign(DrainCycles(peLatency) - 1)).ElseWhen(draining != 0, () => draining.Assign((draining - 1).Resize(6)));
        var done = draining == 1;
        When(Control.Start, () => busy.Assign(true)).ElseWhen(done | Control.Abort, () => busy.Assign(false));
        When(Control.Abort, () => draining.Assign(0));
        Weights.Done.Assign(done & v.Flag(f => f.Release));
        var waitingForWeights = walker.WaitingForWeights;
        Unused(Cat([Control.Instruction, tags[^1].Acc, tags[^1].Block, .. pes.Select(p => p.OutValid)]), "other_fields");
        // The requantizer table slot is the step group's low bits; the rest only picks DDR copies.
        Unused(Control.StepGroup[AcceleratorConfig.StepGroupBits - 1, config.StepGroupSlotBits], "step_group_beyond_slot");
        Control.Busy.Assign(busy);
        Control.Done.Assign(done);
        Control.Stalled.Assign(waitingForWeights);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"ComputeEngine{Config.Groups}x{Config.Tm}x{Config.Tn}";

    public EngineControl Control { get; }

    /// <summary>The term's activation reads, one address in every group of the mask.</summary>
    public ComputeBufferRead ActRead { get; }

    /// <summary>Every group's row at <see cref="ComputeBufferRead.Address"/> of the previous cycle, at elements g x Tn ...</summary>
    public Vec<SInt> ActData { get; }

    /// <summary>Requantized output blocks into every group of the mask.</summary>
    public ComputeBufferWrite ActWrite { get; }

    /// <summary>The weight buffer's compute bank: the walk starts when it is complete, and a releasing CONV frees it.</summary>
    public WeightDrain Weights { get; }

    public TableWritePort Table { get; }

    /// <summary>Pulse: a new pad value (LOAD_TABLE <see cref="TableKind.Padding"/>).</summary>
    public Bool PadWrite { get; }

    public SInt PadValue { get; }

    /// <summary>Pulse: new input exponents (LOAD_TABLE <see cref="TableKind.InputExponents"/>).</summary>
    public Bool ExponentWrite { get; }

    public UInt ExponentA { get; }

    public UInt ExponentB { get; }

    public UInt AccReadAddress { get; }

    /// <summary>Group g's accumulator row at <see cref="AccReadAddress"/> of the previous cycle, at elements g x Tm ...</summary>
    public Vec<SInt> AccReadData { get; }

    /// <summary>A term issued this cycle (the PE_BUSY counter).</summary>
    public Bool Issued { get; }
}
