using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Datapath;

/// <summary>
/// The quantizer pipeline, Tm lanes wide: <c>q = sat8(round_shift((acc + bias) * multiplier, shift))</c>
/// (docs/numerics.md, "Requantization"), one value per lane per cycle. Bias, multiplier and shift
/// come from per-lane tables indexed by (slot: bank and step group, channel block): lane m of block b serves
/// output channel b * Tm + m. The tables are written at run time through the table port, so a new
/// calibration or step group needs no new bitstream. A table write and a read of the same entry
/// in one cycle read the old entry. Latency: <see cref="Latency"/> cycles from input to output.
/// </summary>
public sealed class Requantizer : Module
{
    public const int Latency = 5;

    public Requantizer(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        var tm = config.Tm;
        var blockBits = Hw.BitsFor(config.ChannelsPerLane);
        var slotBits = config.RequantizerSlotBits;
        InValid = Input(Bool());
        Accumulators = Input(Vec(tm, SInt(32)));
        ChannelBlock = Input(UInt(blockBits));
        Slot = Input(UInt(slotBits));
        Table = Input(TableWritePort.Of(config));
        OutValid = Output(Bool());
        Quantized = Output(Vec(tm, SInt(8)));

        // Table entries are {bias, multiplier, shift}; the address is {bank, step group slot, channel block}.
        var depth = 1 << (slotBits + blockBits);
        var entry = Cat(Table.Bias, Table.Multiplier, Table.Shift);
        var valid = RegNext(InValid, reset: 0, name: "valid_0");
        for (var lane = 0; lane < tm; lane++)
        {
            var table = Mem(UInt(entry.Width), depth, RamStyle.Auto, name: $"table_{lane}");
            var writeHere = Table.Write & (Table.Lane == lane);
            When(writeHere, () => table.Write(Cat(Table.Slot, Table.ChannelBlock), entry));
            var read = table.Read(Cat(Slot, ChannelBlock), name: $"params_{lane}");
            var bias = read[entry.Width - 1, RequantParameters.MultiplierBits + RequantParameters.ShiftBits].AsSInt();
            var multiplier = read[RequantParameters.MultiplierBits + RequantParameters.ShiftBits - 1, RequantParameters.ShiftBits];
            var shift = read[RequantParameters.ShiftBits - 1, 0];
            var acc = RegNext(Accumulators[lane], name: $"acc_{lane}");

            // Stage 1: the 33-bit sum; stage 2: the 50-bit product (DSP48E2); stage 3: the rounding shift's
            // shifter; stage 4: its rounding (one carry chain) and saturation.
            var sum = RegNext(acc + bias, name: $"sum_{lane}");
            var shift2 = RegNext(shift, name: $"shift_a_{lane}");
            var product = RegNext(sum * RegNext(multiplier, name: $"multiplier_{lane}").ToSInt(), name: $"product_{lane}");
            var shift3 = RegNext(shift2, name: $"shift_b_{lane}");
            var half = RegNext(FixedPointLogic.RoundingShiftHalf(product, shift3), name: $"rounding_{lane}");
            var saturated = FixedPointLogic.SaturateToInt8(FixedPointLogic.RoundingShiftFinish(half));
            Quantized[lane].Assign(RegNext(saturated, name: $"q_{lane}"));
        }
        var outValid = valid;
        for (var s = 1; s < Latency; s++)
            outValid = RegNext(outValid, reset: 0, name: $"valid_{s}");
        OutValid.Assign(outValid);
    }

    public AcceleratorConfig Config { get; }

    /// <summary>
    /// The table slot an instruction's <paramref name="bank"/> (LOAD_TABLE's or CONV's TableBank) and step group
    /// address: the bank above the step group's low bits, as <see cref="AcceleratorConfig.RequantizerSlot"/> numbers it.
    /// </summary>
    public static UInt SlotOf(AcceleratorConfig config, Bool bank, UInt stepGroup) => Hw.Cat(bank, stepGroup.Resize(config.StepGroupSlotBits));

    public override string ModuleName => $"Requantizer{Config.Tm}";

    public Bool InValid { get; }

    public Vec<SInt> Accumulators { get; }

    public UInt ChannelBlock { get; }

    /// <summary>The table slot read: the CONV's bank above the step group's slot.</summary>
    public UInt Slot { get; }

    public TableWritePort Table { get; }

    public Bool OutValid { get; }

    public Vec<SInt> Quantized { get; }
}
