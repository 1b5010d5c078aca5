using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Datapath;

/// <summary>
/// A convolution engine for one PE group: 3x3 (zero padding 1) or 1x1 kernels, stride 1 or 2,
/// over a tile held in its own activation buffer, with weights from ping-pong weight buffers and
/// the step-wise quantizer behind it. It walks output channel blocks, output rows and columns, and
/// for each output pixel every kernel tap and input channel block, one term per cycle, addressing
/// the buffers itself.
/// Layouts: activation row <c>(y * Width + x) * CinBlocks + cinBlock</c> holds Tn channels; weight
/// row <c>((coutBlock * taps + tap) * CinBlocks + cinBlock)</c> holds <c>w[m * Tn + n]</c>, taps 9 or 1.
/// Output: one pixel's Tm int8 channels per <see cref="OutValid"/>, in the walking order.
/// </summary>
public sealed class ConvTile : Module
{
    public ConvTile(AcceleratorConfig config, int maxHeight, int maxWidth, int maxCinBlocks, int maxCoutBlocks)
    {
        Config = config;
        Domain = config.ClockDomain;
        int tm = config.Tm, tn = config.Tn;
        var actDepth = maxHeight * maxWidth * maxCinBlocks;
        var weightDepth = maxCoutBlocks * 9 * maxCinBlocks;
        int hBits = Hw.BitsFor(maxHeight + 1), wBits = Hw.BitsFor(maxWidth + 1), ciBits = Hw.BitsFor(maxCinBlocks + 1), coBits = Hw.BitsFor(maxCoutBlocks + 1);

        Start = Input(Bool());
        Height = Input(UInt(hBits));
        Width = Input(UInt(wBits));
        CinBlocks = Input(UInt(ciBits));
        CoutBlocks = Input(UInt(coBits));
        Kernel3x3 = Input(Bool());
        Stride2 = Input(Bool());
        StepGroup = Input(UInt(Hw.BitsFor(config.StepGroups)));
        ActWrite = Input(Bool());
        ActAddress = Input(UInt(Hw.BitsFor(actDepth)));
        ActData = Input(Vec(tn, SInt(8)));
        WeightWrite = Input(Bool());
        WeightAddress = Input(UInt(Hw.BitsFor(weightDepth)));
        WeightData = Input(Vec(tm * tn, SInt(8)));
        WeightFillDone = Input(Bool());
        Table = Input(TableWritePort.Of(config));
        WeightCanFill = Output(Bool());
        Busy = Output(Bool());
        Done = Output(Bool());
        OutValid = Output(Bool());
        Out = Output(Vec(tm, SInt(8)));

        var activations = Instance(new ActivationBuffer(tn, actDepth), "activations");
        var weights = Instance(new WeightBuffer(tm * tn, weightDepth), "weights");
        var pe = Instance(new PeGroup(config), "pe");
        var requantizer = Instance(new Requantizer(config), "requantizer");

        activations.WriteEnable.Assign(ActWrite);
        activations.WriteLanes.Assign(Lit((1L << tn) - 1, tn));
        activations.WriteAddress.Assign(ActAddress);
        for (var n = 0; n < tn; n++)
            activations.WriteData[n].Assign(ActData[n]);
        weights.Write.Assign(WeightWrite);
        weights.WriteAddress.Assign(WeightAddress);
        for (var i = 0; i < tm * tn; i++)
            weights.WriteData[i].Assign(WeightData[i]);
        weights.FillDone.Assign(WeightFillDone);
        WeightCanFill.Assign(weights.CanFill);

        // The walk: output channel block, output row, output column, kernel row, kernel column, input channel block.
        var running = Reg(Bool(), reset: 0, name: "running");
        var co = Reg(UInt(coBits), name: "co");
        var oy = Reg(UInt(hBits), name: "oy");
        var ox = Reg(UInt(wBits), name: "ox");
        var ky = Reg(UInt(2), name: "ky");
        var kx = Reg(UInt(2), name: "kx");
        var ci = Reg(UInt(ciBits), name: "ci");
        var kernelLast = Mux(Kernel3x3, Lit(2, 2), Lit(0, 2));
        var outHeight = Mux(Stride2, (Height + 1) >> 1, Height);
        var outWidth = Mux(Stride2, (Width + 1) >> 1, Width);
        var lastCi = ci == (CinBlocks - 1).Truncate(ciBits);
        var lastKx = kx == kernelLast;
        var lastKy = ky == kernelLast;
        var lastOx = ox == (outWidth - 1).Truncate(wBits);
        var lastOy = oy == (outHeight - 1).Truncate(hBits);
        var lastCo = co == (CoutBlocks - 1).Truncate(coBits);
        var issue = running & weights.ComputeValid;
        var first = (ky == 0) & (kx == 0) & (ci == 0);
        var lastTerm = lastCi & lastKx & lastKy;
        var finishing = issue & lastTerm & lastOx & lastOy & lastCo;

        When(issue, () =>
            When(!lastCi, () => ci.Assign(ci.AddWrap(Lit(1, ciBits)))).Otherwise(() =>
            {
                ci.Assign(0);
                When(!lastKx, () => kx.Assign(kx.AddWrap(Lit(1, 2)))).Otherwise(() =>
                {
                    kx.Assign(0);
                    When(!lastKy, () => ky.Assign(ky.AddWrap(Lit(1, 2)))).Otherwise(() =>
                    {
                        ky.Assign(0);
                        When(!lastOx, () => ox.Assign(ox.AddWrap(Lit(1, wBits)))).Otherwise(() =>
                        {
                            ox.Assign(0);
                            When(!lastOy, () => oy.Assign(oy.AddWrap(Lit(1, hBits)))).Otherwise(() =>
                            {
                                oy.Assign(0);
                                When(!lastCo, () => co.Assign(co.AddWrap(Lit(1, coBits)))).Otherwise(() =>
                                {
                                    co.Assign(0);
                                    running.Assign(false);
                                });
                            });
                        });
                    });
                });
            }));
        When(Start & !running, () =>
        {
            running.Assign(true);
            co.Assign(0);
            oy.Assign(0);
            ox.Assign(0);
            ky.Assign(0);
            kx.Assign(0);
            ci.Assign(0);
        });

        // Input position of this tap; outside the image the activations are zero (padding).
        var pad = Mux(Kernel3x3, SLit(1, 2), SLit(0, 2));
        var iy = (Mux(Stride2, oy << 1, oy.ZeroExtend(hBits + 1)).ToSInt() + ky.ToSInt()) - pad;
        var ix = (Mux(Stride2, ox << 1, ox.ZeroExtend(wBits + 1)).ToSInt() + kx.ToSInt()) - pad;
        var inside = (iy >= 0) & (iy < Height.ToSInt()) & (ix >= 0) & (ix < Width.ToSInt());
        var pixel = (iy.AsUInt().Truncate(hBits) * Width) + ix.AsUInt().Truncate(wBits);
        var actAddress = (pixel * CinBlocks) + ci;
        activations.ReadEnable.Assign(issue);
        activations.ReadAddress.Assign(Fit(actAddress, activations.ReadAddress.Width));
        var tap = Mux(Kernel3x3, (ky << 1) + ky + kx, Lit(0, 1));
        var taps = Mux(Kernel3x3, Lit(9, 4), Lit(1, 4));
        var weightAddress = (((co * taps) + tap) * CinBlocks) + ci;
        weights.ReadAddress.Assign(Fit(weightAddress, weights.ReadAddress.Width));
        weights.ComputeDone.Assign(finishing);

        // One cycle later the buffers answer; the PE group takes the term.
        var valid = RegNext(issue, reset: 0, name: "term_valid");
        var clear = RegNext(first, name: "term_first");
        var last = RegNext(lastTerm, name: "term_last");
        var outside = RegNext(!inside, name: "term_outside");
        var block = RegNext(co, name: "term_block");
        for (var n = 0; n < tn; n++)
            pe.Acts[n].Assign(Mux(outside, SLit(0, 8), activations.ReadData[n]));
        for (var i = 0; i < tm * tn; i++)
            pe.Weights[i].Assign(weights.ReadData[i]);
        pe.InValid.Assign(valid);
        pe.Clear.Assign(clear);

        // When the last term of a pixel reaches the accumulators, the sum goes to the quantizer.
        for (var s = 0; s < pe.Latency; s++)
        {
            last = RegNext(last, name: $"last_{s}");
            block = RegNext(block, name: $"block_{s}");
        }
        requantizer.InValid.Assign(pe.OutValid & last);
        for (var m = 0; m < tm; m++)
            requantizer.Accumulators[m].Assign(pe.Acc[m]);
        requantizer.ChannelBlock.Assign(Fit(block, requantizer.ChannelBlock.Width));
        requantizer.StepGroup.Assign(StepGroup);
        requantizer.Table.ConnectFrom(Table);
        OutValid.Assign(requantizer.OutValid);
        for (var m = 0; m < tm; m++)
            Out[m].Assign(requantizer.Quantized[m]);

        var done = finishing;
        for (var s = 0; s < 1 + pe.Latency + Requantizer.Latency; s++)
            done = RegNext(done, reset: 0, name: $"done_{s}");
        Done.Assign(done);
        Busy.Assign(running);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"ConvTile{Config.Tm}x{Config.Tn}";

    public Bool Start { get; }

    public UInt Height { get; }

    public UInt Width { get; }

    public UInt CinBlocks { get; }

    public UInt CoutBlocks { get; }

    public Bool Kernel3x3 { get; }

    public Bool Stride2 { get; }

    public UInt StepGroup { get; }

    public Bool ActWrite { get; }

    public UInt ActAddress { get; }

    public Vec<SInt> ActData { get; }

    public Bool WeightWrite { get; }

    public UInt WeightAddress { get; }

    public Vec<SInt> WeightData { get; }

    public Bool WeightFillDone { get; }

    /// <summary>Run-time writes of the requantization tables.</summary>
    public TableWritePort Table { get; }

    public Bool WeightCanFill { get; }

    public Bool Busy { get; }

    /// <summary>Pulse on the cycle the last output pixel appears.</summary>
    public Bool Done { get; }

    public Bool OutValid { get; }

    public Vec<SInt> Out { get; }

    /// <summary>An address computed wider than the buffer, cut to the buffer's width on purpose: valid walks stay in range.</summary>
    private static UInt Fit(UInt address, int width) => address.Width > width ? address.Truncate(width) : address.ZeroExtend(width);
}
