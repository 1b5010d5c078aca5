using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Datapath;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// One PE group's write-back: its sums, shifted left by the input exponent, go into its accumulator
/// bank (stored or added) unless the CONV requantizes them directly, and the requantizer takes either
/// those sums or the bank's new row (<see cref="ConvOutput.AccumulatorAddRequantize"/>) to the int8
/// block that <see cref="Row"/> repeats across the Tn lanes; the engine's lane mask picks the block's bytes.
/// </summary>
public sealed class ConvWriteBack : Module
{
    public ConvWriteBack(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int tm = config.Tm, tn = config.Tn;
        Mode = Input(UInt(FieldOf<Conv>.Bits(c => c.Output)));
        Selected = Input(Bool());
        Exponent = Input(UInt(SplitConcat.ExponentBits));
        Sums = Input(Vec(tm, SInt(32)));
        SumLast = Input(Bool());
        SumAcc = Input(UInt(Hw.BitsFor(config.AccumulatorRows)));
        SumBlock = Input(UInt(Hw.BitsFor(config.ChannelsPerLane)));
        BankSumLast = Input(Bool());
        BankSumBlock = Input(UInt(Hw.BitsFor(config.ChannelsPerLane)));
        Slot = Input(UInt(config.RequantizerSlotBits));
        Table = Input(TableWritePort.Of(config));
        AccReadAddress = Input(UInt(Hw.BitsFor(config.AccumulatorRows)));
        AccReadData = Output(Vec(tm, SInt(32)));
        Row = Output(Vec(tn, SInt(8)));

        var requantizeDirect = Mode == (int)ConvOutput.Requantize;
        var requantizeSum = Mode == (int)ConvOutput.AccumulatorAddRequantize;
        var sums = Enumerable.Range(0, tm).Select(m => (Sums[m] << Exponent).Truncate(32)).ToArray();

        var bank = Instance(new AccumulatorBank(tm, config.AccumulatorRows, config.ClockDomain), "partials");
        bank.Add.Assign(SumLast & !requantizeDirect & Selected);
        bank.AddFirst.Assign(Mode == (int)ConvOutput.AccumulatorStore);
        bank.AddAddress.Assign(SumAcc);
        for (var m = 0; m < tm; m++)
            bank.AddValues[m].Assign(sums[m]);
        bank.ReadAddress.Assign(AccReadAddress);
        AccReadData.ConnectFrom(bank.ReadData);

        var requantizer = Instance(new Requantizer(config), "requantizer");
        requantizer.InValid.Assign(Mux(requantizeSum, BankSumLast & bank.SumValid, SumLast & requantizeDirect));
        for (var m = 0; m < tm; m++)
            requantizer.Accumulators[m].Assign(Mux(requantizeSum, bank.Sum[m], sums[m]));
        requantizer.ChannelBlock.Assign(Mux(requantizeSum, BankSumBlock, SumBlock));
        requantizer.Slot.Assign(Slot);
        requantizer.Table.ConnectFrom(Table);
        // Every Tm-lane slice of the row holds the block: whichever slice the lane mask writes has it in place.
        for (var n = 0; n < tn; n++)
            Row[n].Assign(requantizer.Quantized[n % tm]);
        Unused(requantizer.OutValid, "valid");
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"ConvWriteBack{Config.Tm}x{Config.Tn}";

    /// <summary>The CONV's <see cref="Conv.Output"/> (a <see cref="ConvOutput"/>).</summary>
    public UInt Mode { get; }

    /// <summary>The group is in the CONV's mask: only then does its bank change.</summary>
    public Bool Selected { get; }

    /// <summary>The input exponent of a split-scale concatenation (0 otherwise).</summary>
    public UInt Exponent { get; }

    /// <summary>The PE group's sums, valid with <see cref="SumLast"/>.</summary>
    public Vec<SInt> Sums { get; }

    /// <summary>The pixel's last term has left the PE group: its sums are complete.</summary>
    public Bool SumLast { get; }

    /// <summary>The pixel's accumulator row.</summary>
    public UInt SumAcc { get; }

    /// <summary>The pixel's requantizer table block.</summary>
    public UInt SumBlock { get; }

    /// <summary><see cref="SumLast"/> a cycle later, when the bank's sum of that pixel shows.</summary>
    public Bool BankSumLast { get; }

    public UInt BankSumBlock { get; }

    /// <summary>The requantizer table slot: the step group's low bits.</summary>
    /// <summary>The requantizer table slot: the CONV's bank above the step group's slot.</summary>
    public UInt Slot { get; }

    public TableWritePort Table { get; }

    public UInt AccReadAddress { get; }

    /// <summary>The bank's row at <see cref="AccReadAddress"/> of the previous cycle.</summary>
    public Vec<SInt> AccReadData { get; }

    /// <summary>The requantized block, repeated across the row: <see cref="Requantizer.Latency"/> cycles after its sums (one more from the bank).</summary>
    public Vec<SInt> Row { get; }
}
