using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Datapath;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// CONV on the PE groups of its mask: the walker (output block, output row, output column, kernel
/// row, kernel column, input block; one term per cycle) computes each term's buffer addresses in a
/// stalling three-stage pipeline — grid position with padding and upsampling, the two products, the
/// sum — and issues it when every group's activation read is granted (padding taps need no read and
/// give zeros, or the input's zero point). The G groups take the same broadcast weight row; each
/// pixel's sum goes to its group's requantizer (and back into the activation buffer at the output block's bytes), or into its
/// accumulator bank (stored or added), or both (added, then the sum requantized).
/// </summary>
public sealed class ComputeEngine : Module
{
    /// <summary>START to the first term entering the walker: the setup counter's two cycles (the instruction's products), then the weight check.</summary>
    public const int SetupCycles = 3;

    /// <summary>The walker's address stages (grid, products, sum): the last term issues this long after it was counted.</summary>
    public const int AddressStages = 3;

    /// <summary>Stages a term passes after the PE group and beside the requantizer: the accumulator bank's read, add and write.</summary>
    public const int AccumulateStages = 3;

    /// <summary>The last term's issue to done: the last-issue register, then the PE group, the accumulator bank and the requantizer drain.</summary>
    public static int DrainCycles(int peLatency) => 1 + peLatency + Requantizer.Latency + AccumulateStages;

    public ComputeEngine(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int groups = config.Groups, tm = config.Tm, tn = config.Tn;
        int actBits = Hw.BitsFor(config.ActivationRows), accBits = Hw.BitsFor(config.AccumulatorRows), weightBits = Hw.BitsFor(config.WeightRows);
        Control = Input(EngineControl.Of(config));
        ActReadValid = Output(Bool());
        ActReadMask = Output(UInt(groups));
        ActReadAddress = Output(UInt(actBits));
        ActReadGranted = Input(Bool());
        ActData = Input(Vec(groups * tn, SInt(8)));
        ActWriteMask = Output(UInt(groups));
        ActWriteAddress = Output(UInt(actBits));
        ActWriteLanes = Output(UInt(tn));
        ActWriteData = Output(Vec(groups * tn, SInt(8)));
        WeightReadAddress = Output(UInt(weightBits));
        WeightData = Input(Vec(tm * tn, SInt(8)));
        WeightValid = Input(Bool());
        WeightDone = Output(Bool());
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
        var kernel3 = v.Flag(f => f.Kernel3x3);
        var stride2 = v.Flag(f => f.Stride2);
        var upsample = v.Flag(f => f.Upsample);
        var output = v[f => f.Output];
        var requantizeDirect = output == (int)ConvOutput.Requantize;
        var requantizeSum = output == (int)ConvOutput.AccumulatorAddRequantize;
        var cinBlocks = v[f => f.CinBlocks];
        var coutBlocks = v[f => f.CoutBlocks];
        var kernelLast = Mux(kernel3, Lit(2, 2), Lit(0, 2));
        var taps = Mux(kernel3, Lit(9, 4), Lit(1, 4));

        // ---- start: the products of the instruction's constants, then the walk ----
        var setup = Reg(UInt(2), reset: 0, name: "setup");
        var walking = Reg(Bool(), reset: 0, name: "walking");
        var draining = Reg(UInt(6), reset: 0, name: "draining");
        var busy = Reg(Bool(), reset: 0, name: "busy");
        var rowStride = Reg(UInt(24), name: "row_stride");
        var blockRows = Reg(UInt(weightBits), name: "block_rows");
        When(Control.Start, () => setup.Assign(SetupCycles - 1)).ElseWhen(setup != 0, () => setup.Assign((setup - 1).Resize(2)));
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
        var lastCi = ci == (cinBlocks - 1).Resize(ciBits);
        var lastKx = kx == kernelLast;
        var lastKy = ky == kernelLast;
        var lastOx = ox == (v[f => f.OutCols] - 1).Resize(columnBits);
        var lastOy = oy == (v[f => f.OutRows] - 1).Resize(rowBits);
        var lastCo = co == (coutBlocks - 1).Resize(coBits);
        var lastTerm = lastCi & lastKx & lastKy;
        var advance = Wire(Bool(), name: "advance");
        var step = walking & advance;
        var block = (v[f => f.CoutBase] + co).Resize(FieldOf<Conv>.Bits(c => c.CoutBase));
        // Output block b's Tm channels: row b·Tm / Tn of the pixel's rows, at byte b·Tm mod Tn.
        var blockRow = (block * (UInt)Lit(tm, Hw.BitsFor(tm + 1))) >> System.Numerics.BitOperations.Log2((uint)tn);
        var laneBits = Math.Max(1, System.Numerics.BitOperations.Log2((uint)tn));
        var blockLane = (block * (UInt)Lit(tm, Hw.BitsFor(tm + 1))).Resize(laneBits);
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

        // ---- stage 1: grid position ----
        SInt Grid(UInt position, UInt k, SInt offset) => (Mux(stride2, position << 1, position.ZeroExtend(13)).ToSInt() + k.ToSInt()) + offset;
        var valid1 = RegNext(walking, reset: 0, enable: advance, name: "valid_1");
        var gy = RegNext(Grid(oy, ky, v.Signed(f => f.RowOffset)), enable: advance, name: "grid_y");
        var gx = RegNext(Grid(ox, kx, v.Signed(f => f.ColOffset)), enable: advance, name: "grid_x");
        var ci1 = RegNext(ci.Resize(actBits), enable: advance, name: "ci_1");
        var weight1 = RegNext(weightRow, enable: advance, name: "weight_1");
        var first1 = RegNext((ky == 0) & (kx == 0) & (ci == 0), enable: advance, name: "first_1");
        var last1 = RegNext(lastTerm, enable: advance, name: "last_1");
        var acc1 = RegNext(accPixel, enable: advance, name: "acc_1");
        var out1 = RegNext((outPixel + blockRow.Resize(actBits)).Resize(actBits), enable: advance, name: "out_1");
        var lane1 = RegNext(blockLane, enable: advance, name: "lane_1");
        var block1 = RegNext(block.Resize(Hw.BitsFor(config.ChannelsPerLane)), enable: advance, name: "block_1");
        var finalTerm1 = RegNext(walking & lastTerm & lastOx & lastOy & lastCo, enable: advance, name: "final_1");

        // ---- stage 2: inside the grid?, the two products ----
        var inRowBits = FieldOf<Conv>.Bits(c => c.InRows);
        var inColumnBits = FieldOf<Conv>.Bits(c => c.InCols);
        var gridRows = Mux(upsample, v[f => f.InRows] << 1, v[f => f.InRows].ZeroExtend(inRowBits + 1)).ToSInt();
        var gridCols = Mux(upsample, v[f => f.InCols] << 1, v[f => f.InCols].ZeroExtend(inColumnBits + 1)).ToSInt();
        var inside = (gy >= 0) & (gy < gridRows) & (gx >= 0) & (gx < gridCols);
        var sourceY = Mux(upsample, gy.AsUInt() >> 1, gy.AsUInt()).Resize(inRowBits);
        var sourceX = Mux(upsample, gx.AsUInt() >> 1, gx.AsUInt()).Resize(inColumnBits);
        var valid2 = RegNext(valid1, reset: 0, enable: advance, name: "valid_2");
        var inside2 = RegNext(inside, enable: advance, name: "inside_2");
        var yTerm = RegNext((sourceY * rowStride).Resize(actBits), enable: advance, name: "y_term");
        var xTerm = RegNext((sourceX * v[f => f.InPixelStride]).Resize(actBits), enable: advance, name: "x_term");
        var ci2 = RegNext(ci1, enable: advance, name: "ci_2");
        var weight2 = RegNext(weight1, enable: advance, name: "weight_2");
        var first2 = RegNext(first1, enable: advance, name: "first_2");
        var last2 = RegNext(last1, enable: advance, name: "last_2");
        var acc2 = RegNext(acc1, enable: advance, name: "acc_2");
        var out2 = RegNext(out1, enable: advance, name: "out_2");
        var lane2 = RegNext(lane1, enable: advance, name: "lane_2");
        var block2 = RegNext(block1, enable: advance, name: "block_2");
        var final2 = RegNext(finalTerm1, enable: advance, name: "final_2");

        // ---- stage 3: the row address; the term issues when its reads are granted ----
        var valid3 = RegNext(valid2, reset: 0, enable: advance, name: "valid_3");
        var inside3 = RegNext(inside2, enable: advance, name: "inside_3");
        var address3 = RegNext((v.Fit(f => f.InRow, actBits) + yTerm + xTerm + ci2.Resize(actBits)).Resize(actBits), enable: advance, name: "address_3");
        var weight3 = RegNext(weight2, enable: advance, name: "weight_3");
        var first3 = RegNext(first2, enable: advance, name: "first_3");
        var last3 = RegNext(last2, enable: advance, name: "last_3");
        var acc3 = RegNext(acc2, enable: advance, name: "acc_3");
        var out3 = RegNext(out2, enable: advance, name: "out_3");
        var lane3 = RegNext(lane2, enable: advance, name: "lane_3");
        var block3 = RegNext(block2, enable: advance, name: "block_3");
        var final3 = RegNext(final2, enable: advance, name: "final_3");
        ActReadValid.Assign(valid3 & inside3);
        ActReadMask.Assign(mask);
        ActReadAddress.Assign(address3);
        WeightReadAddress.Assign(weight3);
        var issue = valid3 & (!inside3 | ActReadGranted);
        advance.Assign(!valid3 | issue);
        Issued.Assign(issue);
        // An abort comes only between programs, when the walk is over and its pipeline empty.
        When(Control.Abort, () =>
        {
            walking.Assign(false);
            setup.Assign(0);
        });

        // ---- padding: 0, or the pad value LOAD_TABLE wrote (the input's zero point) ----
        // The pad value changes only between layers (its LOAD_TABLE and the CONVs that read it are ordered by
        // tokens), and the walk starts two cycles after the instruction, so the registered choice is in time.
        var padValue = Reg(SInt(8), reset: 0, name: "pad_value");
        When(PadWrite, () => padValue.Assign(PadValue));
        var padTerm = RegNext(Mux(v.Flag(f => f.PadWithZeroPoint), padValue, Hw.SLit(0, 8)), name: "pad_term");
        // ---- input exponent: the sums of one part of a concatenation with split scales, shifted left ----
        // Loaded, like the pad value, between layers; the CONV's choice is registered long before its first sum.
        var exponentA = Reg(UInt(SplitConcat.ExponentBits), reset: 0, name: "exponent_a");
        var exponentB = Reg(UInt(SplitConcat.ExponentBits), reset: 0, name: "exponent_b");
        When(ExponentWrite, () =>
        {
            exponentA.Assign(ExponentA);
            exponentB.Assign(ExponentB);
        });
        var exponentSlot = v[f => f.Exponent];
        var exponent = RegNext(Mux(exponentSlot == 1, exponentA, Mux(exponentSlot == 2, exponentB, Lit(0, SplitConcat.ExponentBits))), name: "exponent");

        // ---- the PE groups: the term's data arrives a cycle after it issued ----
        var termValid = RegNext(issue, reset: 0, name: "term_valid");
        var termFirst = RegNext(first3, name: "term_first");
        var termOutside = RegNext(!inside3, name: "term_outside");
        var pipeline = new List<(Bool Last, UInt Acc, UInt Out, UInt Lane, UInt Block)> { (RegNext(issue & last3, reset: 0, name: "term_last"), RegNext(acc3, name: "term_acc"), RegNext(out3, name: "term_out"), RegNext(lane3, name: "term_lane"), RegNext(block3, name: "term_block")) };
        var pes = Enumerable.Range(0, groups).Select(g => Instance(new PeGroup(config), $"group_{g}")).ToArray();
        if (config.GroupPblocks is { } pblocks)
        {
            for (var g = 0; g < groups; g++)
                Pblock(pes[g], pblocks[g].Split('+'));
        }
        var peLatency = pes[0].Latency;
        // Metadata of each pixel beside its sum: through the PE group, the accumulator bank and the requantizer.
        for (var s = 0; s < peLatency + 1 + Requantizer.Latency; s++)
        {
            var (last, acc, outRow, lane, blk) = pipeline[^1];
            pipeline.Add((RegNext(last, reset: 0, name: $"pixel_last_{s}"), RegNext(acc, name: $"pixel_acc_{s}"), RegNext(outRow, name: $"pixel_out_{s}"), RegNext(lane, name: $"pixel_lane_{s}"), RegNext(blk, name: $"pixel_block_{s}")));
        }
        var atSum = pipeline[peLatency];
        var atBankSum = pipeline[peLatency + 1];
        var directOut = pipeline[peLatency + Requantizer.Latency];
        var bankOut = pipeline[peLatency + 1 + Requantizer.Latency];
        var written = Mux(requantizeSum, bankOut.Last, directOut.Last & requantizeDirect);
        var writtenOut = Mux(requantizeSum, bankOut.Out, directOut.Out);
        var writtenLane = Mux(requantizeSum, bankOut.Lane, directOut.Lane);
        var laneMask = Enumerable.Range(0, tn / tm).Aggregate((UInt)Lit(0, tn), (lanes, k) => Mux(writtenLane == k * tm, Lit(((1L << tm) - 1) << (k * tm), tn), lanes));
        ActWriteMask.Assign(Mux(written, mask, Lit(0, groups)));
        ActWriteAddress.Assign(writtenOut);
        ActWriteLanes.Assign(laneMask);
        var requantizers = new Requantizer[groups];
        for (var g = 0; g < groups; g++)
        {
            var pe = pes[g];
            pe.Weights.ConnectFrom(WeightData);
            pe.Acts.ConnectFrom([.. Enumerable.Range(0, tn).Select(n => Mux(termOutside, padTerm, ActData[(g * tn) + n]))]);
            pe.InValid.Assign(termValid);
            pe.Clear.Assign(termFirst);

            var bank = Instance(new AccumulatorBank(tm, config.AccumulatorRows), $"partials_{g}");
            bank.Add.Assign(atSum.Last & !requantizeDirect & mask[g]);
            bank.AddFirst.Assign(output == (int)ConvOutput.AccumulatorStore);
            bank.AddAddress.Assign(atSum.Acc);
            var sums = Enumerable.Range(0, tm).Select(m => (pe.Acc[m] << exponent).Truncate(32)).ToArray();
            for (var m = 0; m < tm; m++)
                bank.AddValues[m].Assign(sums[m]);
            bank.ReadAddress.Assign(AccReadAddress);
            for (var m = 0; m < tm; m++)
                AccReadData[(g * tm) + m].Assign(bank.ReadData[m]);

            var requantizer = requantizers[g] = Instance(new Requantizer(config), $"requantizer_{g}");
            requantizer.InValid.Assign(Mux(requantizeSum, atBankSum.Last & bank.SumValid, atSum.Last & requantizeDirect));
            for (var m = 0; m < tm; m++)
                requantizer.Accumulators[m].Assign(Mux(requantizeSum, bank.Sum[m], sums[m]));
            requantizer.ChannelBlock.Assign(Mux(requantizeSum, atBankSum.Block, atSum.Block));
            requantizer.StepGroup.Assign(Control.StepGroup.Resize(config.StepGroupSlotBits));
            requantizer.Table.ConnectFrom(Table);
            // Output block's Tm values land at their lanes of the row.
            for (var n = 0; n < tn; n++)
            {
                SInt value = requantizer.Quantized[n % tm];
                for (var k = 0; k < tn / tm; k++)
                {
                    if (n >= k * tm && n < (k + 1) * tm)
                        value = Mux(writtenLane == k * tm, requantizer.Quantized[n - (k * tm)], value);
                }
                ActWriteData[(g * tn) + n].Assign(value);
            }
        }

        // ---- completion: the last term's pixel has left every pipeline ----
        // The last issue is registered before it loads the drain counter (one less, so done comes in the same
        // cycle): the issue ends the buffers' arbitration.
        var lastIssued = RegNext(issue & final3 & !Control.Abort, reset: 0, name: "last_issued");
        When(lastIssued, () => draining.Assign(DrainCycles(peLatency) - 1)).ElseWhen(draining != 0, () => draining.Assign((draining - 1).Resize(6)));
        var done = draining == 1;
        When(Control.Start, () => busy.Assign(true)).ElseWhen(done | Control.Abort, () => busy.Assign(false));
        When(Control.Abort, () => draining.Assign(0));
        WeightDone.Assign(done & v.Flag(f => f.Release));
        // A CONV waits at the start until its weight bank is complete.
        var waitingForWeights = (setup == 1) & !WeightValid;
        When(waitingForWeights, () => setup.Assign(1));
        var (_, lastAcc, _, _, lastBlock) = pipeline[^1];
        Unused(Cat([Control.Instruction, lastAcc, lastBlock, .. pes.Select(p => p.OutValid), .. requantizers.Select(r => r.OutValid)]), "other_fields");
        // The requantizer table slot is the step group's low bits; the rest only picks DDR copies.
        Unused(Control.StepGroup[AcceleratorConfig.StepGroupBits - 1, config.StepGroupSlotBits], "step_group_beyond_slot");
        Control.Busy.Assign(busy);
        Control.Done.Assign(done);
        Control.Stalled.Assign(waitingForWeights);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"ComputeEngine{Config.Groups}x{Config.Tm}x{Config.Tn}";

    public EngineControl Control { get; }

    public Bool ActReadValid { get; }

    public UInt ActReadMask { get; }

    public UInt ActReadAddress { get; }

    public Bool ActReadGranted { get; }

    public Vec<SInt> ActData { get; }

    public UInt ActWriteMask { get; }

    public UInt ActWriteAddress { get; }

    public UInt ActWriteLanes { get; }

    public Vec<SInt> ActWriteData { get; }

    public UInt WeightReadAddress { get; }

    public Vec<SInt> WeightData { get; }

    /// <summary>The compute bank holds a complete weight set.</summary>
    public Bool WeightValid { get; }

    /// <summary>Pulse: the CONV that releases its weights has finished.</summary>
    public Bool WeightDone { get; }

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
