using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>What travels with a pixel's sums from the walker through the PE group, the accumulator bank and the requantizer.</summary>
public sealed class PixelTag : Bundle
{
    public PixelTag(BundleFields f, AcceleratorConfig config)
    {
        Acc = f.Field(Hw.UInt(Hw.BitsFor(config.AccumulatorRows)));
        Out = f.Field(Hw.UInt(Hw.BitsFor(config.ActivationRows)));
        Lane = f.Field(Hw.UInt(ConvWalker.LaneBits(config)));
        Block = f.Field(Hw.UInt(Hw.BitsFor(config.ChannelsPerLane)));
    }

    /// <summary>The pixel's accumulator row.</summary>
    public UInt Acc { get; }

    /// <summary>The activation buffer row its requantized output block lands in.</summary>
    public UInt Out { get; }

    /// <summary>The byte of that row the block starts at.</summary>
    public UInt Lane { get; }

    /// <summary>The output block's requantizer table block.</summary>
    public UInt Block { get; }

    public static BundleType<PixelTag> Of(AcceleratorConfig config) => new(f => new PixelTag(f, config));
}

/// <summary>What travels with a CONV term from the walker to the PE groups and beyond: where its weights, sum and output go.</summary>
public sealed class ConvTerm : Bundle
{
    public ConvTerm(BundleFields f, AcceleratorConfig config)
    {
        Weight = f.Field(Hw.UInt(Hw.BitsFor(config.WeightRows)));
        First = f.Field(Hw.Bool());
        Last = f.Field(Hw.Bool());
        Pixel = f.Field(PixelTag.Of(config));
        Final = f.Field(Hw.Bool());
    }

    /// <summary>The weight buffer row the term multiplies by.</summary>
    public UInt Weight { get; }

    /// <summary>The pixel's first term: the PE group clears its sums.</summary>
    public Bool First { get; }

    /// <summary>The pixel's last term: its sums are complete after this one.</summary>
    public Bool Last { get; }

    /// <summary>Where the pixel's sums go: accumulator row, output row and lane, requantizer block.</summary>
    public PixelTag Pixel { get; }

    /// <summary>The instruction's last term.</summary>
    public Bool Final { get; }

    public static BundleType<ConvTerm> Of(AcceleratorConfig config) => new(f => new ConvTerm(f, config));
}

/// <summary>
/// The CONV walker: from START, two setup cycles (the instruction's products), a wait for a complete
/// weight bank, then one term per cycle in the order output block, output row, output column, kernel
/// row, kernel column, input block, through a stalling three-stage address pipeline — grid position
/// with padding and upsampling, the two products, the sum. A term at the last stage issues when its
/// activation read is granted (a padding term needs no read); <see cref="Term"/> travels with it.
/// </summary>
public sealed class ConvWalker : Module
{
    public ConvWalker(AcceleratorConfig config)
    {
        Domain = config.ClockDomain;
        int tm = config.Tm, tn = config.Tn;
        int actBits = Hw.BitsFor(config.ActivationRows), accBits = Hw.BitsFor(config.AccumulatorRows), weightBits = Hw.BitsFor(config.WeightRows);
        Instruction = Input(UInt(InstructionSet.Bits));
        Start = Input(Bool());
        Abort = Input(Bool());
        WeightValid = Input(Bool());
        ReadGranted = Input(Bool());
        ReadValid = Output(Bool());
        ReadAddress = Output(UInt(actBits));
        Inside = Output(Bool());
        Neighbour = Output(UInt(2));
        Issue = Output(Bool());
        Term = Output(ConvTerm.Of(config));
        WaitingForWeights = Output(Bool());

        var v = new WordFields<Conv>(Instruction);
        var kernel3 = v.Flag(f => f.Kernel3x3);
        var stride2 = v.Flag(f => f.Stride2);
        var upsample = v.Flag(f => f.Upsample);
        var cinBlocks = v[f => f.CinBlocks];
        var coutBlocks = v[f => f.CoutBlocks];
        var kernelLast = Mux(kernel3, Lit(2, 2), Lit(0, 2));
        var taps = Mux(kernel3, Lit(9, 4), Lit(1, 4));

        // ---- start: the products of the instruction's constants, then the walk ----
        var setup = Reg(UInt(2), reset: 0, name: "setup");
        var walking = Reg(Bool(), reset: 0, name: "walking");
        var rowStride = Reg(UInt(24), name: "row_stride");
        var blockRows = Reg(UInt(weightBits), name: "block_rows");
        When(Start, () => setup.Assign(SetupCycles - 1)).ElseWhen(setup != 0, () => setup.Assign((setup - 1).Resize(2)));
        When(setup == 2, () =>
        {
            rowStride.Assign((v[f => f.InCols] * v[f => f.InPixelStride]).Resize(24));
            blockRows.Assign((taps * cinBlocks).Resize(weightBits));
        });

        // ---- stage 0: the loop counters, as wide as the fields that bound them ----
        var coBits = FieldOf<Conv>.Bits(c => c.CoutBlocks);
        var rowBits = FieldOf<Conv>.Bits(c => c.OutRows);
        var columnBits = FieldOf<Conv>.Bits(c => c.OutCols);
        var ciBits = FieldOf<Conv>.Bits(c => c.CinBlocks);
        var co = Reg(UInt(coBits), name: "co");
        var oy = Reg(UInt(rowBits), name: "oy");
        var ox = Reg(UInt(columnBits), name: "ox");
        var ky = Reg(UInt(2), name: "ky");
        var kx = Reg(UInt(2), name: "kx");
        var ci = Reg(UInt(ciBits), name: "ci");
        var weightRow = Reg(UInt(weightBits), name: "weight_row");
        var weightBase = Reg(UInt(weightBits), name: "weight_base");
        var accPixel = Reg(UInt(accBits), name: "acc_pixel");
        var accBase = Reg(UInt(accBits), name: "acc_base");
        var outPixel = Reg(UInt(actBits), name: "out_pixel");
        var outBase = Reg(UInt(actBits), name: "out_base");
        // The loops' last values, registered while the setup runs (the instruction holds still from the
        // start), so each end test is a compare of flip-flops, not a subtraction from the instruction.
        var ciLast = Reg(UInt(ciBits), name: "ci_last");
        var oxLast = Reg(UInt(columnBits), name: "ox_last");
        var oyLast = Reg(UInt(rowBits), name: "oy_last");
        var coLast = Reg(UInt(coBits), name: "co_last");
        When(setup == 2, () =>
        {
            ciLast.Assign((cinBlocks - 1).Resize(ciBits));
            oxLast.Assign((v[f => f.OutCols] - 1).Resize(columnBits));
            oyLast.Assign((v[f => f.OutRows] - 1).Resize(rowBits));
            coLast.Assign((coutBlocks - 1).Resize(coBits));
        });
        var lastCi = ci == ciLast;
        var lastKx = kx == kernelLast;
        var lastKy = ky == kernelLast;
        var lastOx = ox == oxLast;
        var lastOy = oy == oyLast;
        var lastCo = co == coLast;
        var lastTerm = lastCi & lastKx & lastKy;
        var advance = Wire(Bool(), name: "advance");
        var step = walking & advance;
        var block = (v[f => f.CoutBase] + co).Resize(FieldOf<Conv>.Bits(c => c.CoutBase));
        // Output block b's Tm channels: row b·Tm / Tn of the pixel's rows, at byte b·Tm mod Tn.
        var blockRow = (block * (UInt)Lit(tm, Hw.BitsFor(tm + 1))) >> System.Numerics.BitOperations.Log2((uint)tn);
        var blockLane = (block * (UInt)Lit(tm, Hw.BitsFor(tm + 1))).Resize(LaneBits(config));
        When((setup == 1) & WeightValid, () =>
        {
            walking.Assign(true);
            co.Assign(0);
            oy.Assign(0);
            ox.Assign(0);
            ky.Assign(0);
            kx.Assign(0);
            ci.Assign(0);
            weightRow.Assign(0);
            weightBase.Assign(0);
            accPixel.Assign(v.Fit(f => f.AccRow, accBits));
            accBase.Assign(v.Fit(f => f.AccRow, accBits));
            outPixel.Assign(v.Fit(f => f.OutRow, actBits));
            outBase.Assign(v.Fit(f => f.OutRow, actBits));
        }).ElseWhen(step, () =>
        {
            weightRow.Assign((weightRow + 1).Resize(weightBits));
            When(!lastCi, () => ci.Assign((ci + 1).Resize(ciBits))).Otherwise(() =>
            {
                ci.Assign(0);
                When(!lastKx, () => kx.Assign((kx + 1).Resize(2))).Otherwise(() =>
                {
                    kx.Assign(0);
                    When(!lastKy, () => ky.Assign((ky + 1).Resize(2))).Otherwise(() =>
                    {
                        // The pixel's terms are done: the next pixel starts from the block's first weight row.
                        ky.Assign(0);
                        weightRow.Assign(weightBase);
                        accPixel.Assign((accPixel + coutBlocks.Resize(accBits)).Resize(accBits));
                        outPixel.Assign((outPixel + v.Fit(f => f.OutPixelStride, actBits)).Resize(actBits));
                        When(!lastOx, () => ox.Assign((ox + 1).Resize(columnBits))).Otherwise(() =>
                        {
                            ox.Assign(0);
                            When(!lastOy, () => oy.Assign((oy + 1).Resize(rowBits))).Otherwise(() =>
                            {
                                oy.Assign(0);
                                var nextWeights = (weightBase + blockRows.Resize(weightBits)).Resize(weightBits);
                                weightBase.Assign(nextWeights);
                                weightRow.Assign(nextWeights);
                                accPixel.Assign((accBase + 1).Resize(accBits));
                                accBase.Assign((accBase + 1).Resize(accBits));
                                outPixel.Assign(outBase);
                                When(!lastCo, () => co.Assign((co + 1).Resize(coBits))).Otherwise(() => walking.Assign(false));
                            });
                        });
                    });
                });
            });
        });

        // ---- stage 1: grid position; the term's tags start their three stages ----
        SInt Grid(UInt position, UInt k, SInt offset) => (Mux(stride2, position << 1, position.ZeroExtend(13)).ToSInt() + k.ToSInt()) + offset;
        var tags = Wire(ConvTerm.Of(config), name: "stage_0");
        tags.Weight.Assign(weightRow);
        tags.First.Assign((ky == 0) & (kx == 0) & (ci == 0));
        tags.Last.Assign(lastTerm);
        tags.Pixel.Acc.Assign(accPixel);
        tags.Pixel.Out.Assign((outPixel + blockRow.Resize(actBits)).Resize(actBits));
        tags.Pixel.Lane.Assign(blockLane);
        tags.Pixel.Block.Assign(block.Resize(Hw.BitsFor(config.ChannelsPerLane)));
        tags.Final.Assign(walking & lastTerm & lastOx & lastOy & lastCo);
        var valid1 = RegNext(walking, reset: 0, enable: advance, name: "valid_1");
        var gy = RegNext(Grid(oy, ky, v.Signed(f => f.RowOffset)), enable: advance, name: "grid_y");
        // The same row in the group above's and below's grid (HaloGroups): offsets moved by the grid's rows at the
        // setup, so the three rows come out of equal adders side by side.
        var inRowBits = FieldOf<Conv>.Bits(c => c.InRows);
        var gridRows = Mux(upsample, v[f => f.InRows] << 1, v[f => f.InRows].ZeroExtend(inRowBits + 1)).ToSInt();
        var aboveOffset = v.Signed(f => f.RowOffset) + gridRows;
        var belowOffset = v.Signed(f => f.RowOffset) - gridRows;
        var offsetAbove = Reg(SInt(aboveOffset.Width), name: "row_offset_above");
        var offsetBelow = Reg(SInt(belowOffset.Width), name: "row_offset_below");
        When(setup == 2, () =>
        {
            offsetAbove.Assign(aboveOffset);
            offsetBelow.Assign(belowOffset);
        });
        var gyAbove = RegNext(Grid(oy, ky, offsetAbove), enable: advance, name: "grid_y_above");
        var gyBelow = RegNext(Grid(oy, ky, offsetBelow), enable: advance, name: "grid_y_below");
        var gx = RegNext(Grid(ox, kx, v.Signed(f => f.ColOffset)), enable: advance, name: "grid_x");
        var ci1 = RegNext(ci.Resize(actBits), enable: advance, name: "ci_1");

        // ---- stage 2: inside the grid?, the two products ----
        var inColumnBits = FieldOf<Conv>.Bits(c => c.InCols);
        var gridCols = Mux(upsample, v[f => f.InCols] << 1, v[f => f.InCols].ZeroExtend(inColumnBits + 1)).ToSInt();
        var halo = v[f => f.HaloGroups] != 0;
        var rowHeld = (gy >= 0) & (gy < gridRows);
        var fromAbove = halo & (gyAbove >= 0) & (gyAbove < gridRows);
        var fromBelow = halo & (gyBelow >= 0) & (gyBelow < gridRows);
        var inside = (rowHeld | fromAbove | fromBelow) & (gx >= 0) & (gx < gridCols);
        var heldY = Mux(fromAbove, gyAbove.AsUInt(), Mux(fromBelow, gyBelow.AsUInt(), gy.AsUInt()));
        var sourceY = Mux(upsample, heldY >> 1, heldY).Resize(inRowBits);
        var neighbour2 = RegNext(Mux(fromAbove, Lit(FromAbove, 2), Mux(fromBelow, Lit(FromBelow, 2), Lit(FromOwn, 2))), enable: advance, name: "neighbour_2");
        var sourceX = Mux(upsample, gx.AsUInt() >> 1, gx.AsUInt()).Resize(inColumnBits);
        var valid2 = RegNext(valid1, reset: 0, enable: advance, name: "valid_2");
        var inside2 = RegNext(inside, enable: advance, name: "inside_2");
        var yTerm = RegNext((sourceY * rowStride).Resize(actBits), enable: advance, name: "y_term");
        var xTerm = RegNext((sourceX * v[f => f.InPixelStride]).Resize(actBits), enable: advance, name: "x_term");
        var ci2 = RegNext(ci1, enable: advance, name: "ci_2");

        // ---- stage 3: the row address; the term issues when its reads are granted ----
        var valid3 = RegNext(valid2, reset: 0, enable: advance, name: "valid_3");
        var inside3 = RegNext(inside2, enable: advance, name: "inside_3");
        Neighbour.Assign(RegNext(neighbour2, enable: advance, name: "neighbour_3"));
        var address3 = RegNext((v.Fit(f => f.InRow, actBits) + yTerm + xTerm + ci2.Resize(actBits)).Resize(actBits), enable: advance, name: "address_3");
        ReadValid.Assign(valid3 & inside3);
        ReadAddress.Assign(address3);
        Inside.Assign(inside3);
        var issue = valid3 & (!inside3 | ReadGranted);
        advance.Assign(!valid3 | issue);
        Issue.Assign(issue);
        var stage = tags;
        for (var s = 1; s <= AddressStages; s++)
            stage = RegNext(stage, enable: advance, name: $"stage_{s}");
        Term.ConnectFrom(stage);
        // A CONV waits at the start until its weight bank is complete.
        var waitingForWeights = (setup == 1) & !WeightValid;
        When(waitingForWeights, () => setup.Assign(1));
        WaitingForWeights.Assign(waitingForWeights);
        // An abort comes only between programs, when the walk is over and its pipeline empty.
        When(Abort, () =>
        {
            walking.Assign(false);
            setup.Assign(0);
        });
        Unused(Instruction, "other_fields");
    }

    /// <summary>START to the first term entering the walker: the setup counter's two cycles (the instruction's products), then the weight check.</summary>
    public const int SetupCycles = 3;

    /// <summary><see cref="Neighbour"/>: the term reads its own group's row, the group above's or the group below's.</summary>
    public const int FromOwn = 0, FromAbove = 1, FromBelow = 2;

    /// <summary>The walker's address stages (grid, products, sum): the last term issues this long after it was counted.</summary>
    public const int AddressStages = 3;

    /// <summary>Bits of a byte position within an activation row (at least one).</summary>
    public static int LaneBits(AcceleratorConfig config) => Math.Max(1, System.Numerics.BitOperations.Log2((uint)config.Tn));

    /// <summary>The CONV instruction word, held from <see cref="Start"/> until the engine is done.</summary>
    public UInt Instruction { get; }

    /// <summary>Pulse: a CONV begins.</summary>
    public Bool Start { get; }

    /// <summary>Pulse: forget the walk (a new program).</summary>
    public Bool Abort { get; }

    /// <summary>The compute bank holds a complete weight set: the walk may start.</summary>
    public Bool WeightValid { get; }

    /// <summary>The read of the term at the last stage is granted this cycle.</summary>
    public Bool ReadGranted { get; }

    /// <summary>The term at the last stage reads the activation buffers (it is inside the grid).</summary>
    public Bool ReadValid { get; }

    public UInt ReadAddress { get; }

    /// <summary>The term at the last stage is inside the grid (else it is padding).</summary>
    public Bool Inside { get; }

    /// <summary>Whose grid row the term at the last stage reads (<see cref="Conv.HaloGroups"/>): <see cref="FromOwn"/>, <see cref="FromAbove"/> or <see cref="FromBelow"/>.</summary>
    public UInt Neighbour { get; }

    /// <summary>The term at the last stage issues this cycle.</summary>
    public Bool Issue { get; }

    /// <summary>The tags of the term at the last stage.</summary>
    public ConvTerm Term { get; }

    /// <summary>Set up but waiting for a complete weight bank.</summary>
    public Bool WaitingForWeights { get; }
}
