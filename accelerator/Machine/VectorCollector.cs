using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The vector engine's collector: packs the units' output beats (<see cref="AcceleratorConfig.VectorLanes"/>
/// values each) into activation buffer rows and writes them at the instruction's destination pattern,
/// row <c>Destination + pixel x DestinationStride + block</c>, one row held at a time (a beat is taken
/// while the row is not full or is being written). <see cref="LastWritten"/> pulses with the write of
/// the last row of an instruction that writes rows.
/// </summary>
public sealed class VectorCollector : Module
{
    public VectorCollector(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int tn = config.Tn, lanes = config.VectorLanes;
        var actBits = Hw.BitsFor(config.ActivationRows);
        var rowBeats = tn / lanes;
        var rowBeatBits = Hw.BitsFor(Math.Max(rowBeats, config.Tm / lanes) + 1);
        Start = Input(Bool());
        Abort = Input(Bool());
        WritesRows = Input(Bool());
        Destination = Input(UInt(actBits));
        DestinationStride = Input(UInt(actBits));
        BlocksLast = Input(UInt(16));
        PixelsLast = Input(UInt(16));
        InValid = Input(Bool());
        InBeat = Input(Vec(lanes, SInt(8)));
        InReady = Output(Bool());
        WriteValid = Output(Bool());
        WriteAddress = Output(UInt(actBits));
        WriteData = Output(Vec(tn, SInt(8)));
        WriteGranted = Input(Bool());
        LastWritten = Output(Bool());
        WriteBlock = Output(UInt(16));
        WriteFirstPixel = Output(Bool());

        var collected = Enumerable.Range(0, tn).Select(n => Reg(SInt(8), name: $"collected_{n}")).ToArray();
        var collectBeat = Reg(UInt(rowBeatBits), reset: 0, name: "collect_beat");
        var full = Reg(Bool(), reset: 0, name: "full");
        var writePixel = Reg(UInt(16), name: "write_pixel");
        var writeBlock = Reg(UInt(16), name: "write_block");
        var writeBase = Reg(UInt(actBits), name: "write_base");
        var writesLeft = Reg(Bool(), reset: 0, name: "writes_left");
        WriteValid.Assign(full);
        WriteAddress.Assign((writeBase + writeBlock.Resize(actBits)).Resize(actBits));
        for (var n = 0; n < tn; n++)
            WriteData[n].Assign(collected[n]);
        var written = full & WriteGranted;
        InReady.Assign(!full | WriteGranted);
        var accepted = InValid & InReady;
        var lastCollect = collectBeat == rowBeats - 1;
        for (var k = 0; k < rowBeats; k++)
        {
            for (var l = 0; l < lanes; l++)
            {
                var (position, value) = ((k * lanes) + l, InBeat[l]);
                When(accepted & (collectBeat == k), () => collected[position].Assign(value));
            }
        }
        When(accepted, () => collectBeat.Assign(Mux(lastCollect, Lit(0, rowBeatBits), (collectBeat + 1).Resize(rowBeatBits))));
        When(accepted & lastCollect, () => full.Assign(true)).ElseWhen(written, () => full.Assign(false));
        var lastWriteBlock = writeBlock == BlocksLast;
        var lastWritePixel = writePixel == PixelsLast;
        When(Start, () =>
        {
            writePixel.Assign(0);
            writeBlock.Assign(0);
            writeBase.Assign(Destination);
            writesLeft.Assign(WritesRows);
            collectBeat.Assign(0);
        }).ElseWhen(written, () =>
        {
            When(!lastWriteBlock, () => writeBlock.Assign((writeBlock + 1).Resize(16))).Otherwise(() =>
            {
                writeBlock.Assign(0);
                writeBase.Assign((writeBase + DestinationStride).Resize(actBits));
                writePixel.Assign((writePixel + 1).Resize(16));
                When(lastWritePixel, () => writesLeft.Assign(false));
            });
        });
        When(Abort, () =>
        {
            full.Assign(false);
            collectBeat.Assign(0);
            writesLeft.Assign(false);
        });
        LastWritten.Assign(writesLeft & written & lastWriteBlock & lastWritePixel);
        WriteBlock.Assign(writeBlock);
        WriteFirstPixel.Assign(writePixel == 0);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"VectorCollector{Config.VectorLanes}x{Config.Tn}";

    /// <summary>Pulse: an instruction starts; its destination, stride and bounds are valid from here on.</summary>
    public Bool Start { get; }

    public Bool Abort { get; }

    /// <summary>The instruction writes rows (GN_STATS and GN_FINISH do not).</summary>
    public Bool WritesRows { get; }

    public UInt Destination { get; }

    public UInt DestinationStride { get; }

    /// <summary>Blocks per pixel less one.</summary>
    public UInt BlocksLast { get; }

    /// <summary>Pixels less one.</summary>
    public UInt PixelsLast { get; }

    /// <summary>A unit's output beat is offered.</summary>
    public Bool InValid { get; }

    public Vec<SInt> InBeat { get; }

    /// <summary>The beat is taken this cycle if valid.</summary>
    public Bool InReady { get; }

    public Bool WriteValid { get; }

    public UInt WriteAddress { get; }

    public Vec<SInt> WriteData { get; }

    public Bool WriteGranted { get; }

    /// <summary>Pulse: the instruction's last row is written.</summary>
    public Bool LastWritten { get; }

    /// <summary>The channel block of the row offered for writing.</summary>
    public UInt WriteBlock { get; }

    /// <summary>The row offered for writing belongs to the instruction's first pixel.</summary>
    public Bool WriteFirstPixel { get; }
}
