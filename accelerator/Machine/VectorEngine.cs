using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Vector;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The vector engine: ACTIVATE, ADD, GN_STATS, GN_FINISH, GN_APPLY and SOFTMAX on one group's
/// buffers. The <see cref="VectorReader"/> walks the source rows (activation buffer rows, or
/// accumulator rows for softmax) into a small row queue; the <see cref="VectorSplitter"/> feeds their
/// values <see cref="AcceleratorConfig.VectorLanes"/> at a time to the instruction's unit; the
/// <see cref="VectorCollector"/> packs the unit's outputs back into buffer rows and writes them.
/// GN_FINISH is the <see cref="GroupNormFinishWalk"/>.
/// </summary>
public sealed class VectorEngine : Module
{
    public VectorEngine(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int groups = config.Groups, tn = config.Tn, tm = config.Tm, lanes = config.VectorLanes;
        int actBits = Hw.BitsFor(config.ActivationRows), accBits = Hw.BitsFor(config.AccumulatorRows);
        int rowBeats = tn / lanes, accBeats = tm / lanes;
        var channelRows = config.MaxChannels / lanes;
        var channelRowBits = Hw.BitsFor(channelRows);
        Control = Input(EngineControl.Of(config));
        Read = Output(BufferRead.Of(config));
        Write = Output(BufferWrite.Of(config));
        ReadData = Input(Vec(groups * tn, SInt(8)));
        AccReadAddress = Output(UInt(accBits));
        AccReadData = Input(Vec(groups * tm, SInt(32)));
        Tables = Input(VectorTableWrites.Of(config));

        var word = Control.Instruction;
        var isActivate = InstructionFields.Is<Activate>(word);
        var isAdd = InstructionFields.Is<Add>(word);
        var isStatistics = InstructionFields.Is<GroupNormStatistics>(word);
        var isFinish = InstructionFields.Is<GroupNormFinish>(word);
        var isApply = InstructionFields.Is<GroupNormApply>(word);
        var isSoftmax = InstructionFields.Is<Softmax>(word);
        var stream = new WordFields<Activate>(word);
        var add = new WordFields<Add>(word);
        var statistics = new WordFields<GroupNormStatistics>(word);
        var apply = new WordFields<GroupNormApply>(word);
        var finish = new WordFields<GroupNormFinish>(word);
        var softmax = new WordFields<Softmax>(word);

        // ---- the instruction's fields, held for its run ----
        var group = Mux(isSoftmax, softmax.Fit(f => f.Group, Hw.BitsFor(groups)), stream.Fit(f => f.Group, Hw.BitsFor(groups)));
        var pixels = Mux(isSoftmax, softmax[f => f.Rows], stream[f => f.Pixels]);
        var blocks = Mux(isSoftmax, softmax[f => f.RowLength] >> System.Numerics.BitOperations.Log2((uint)tn), stream[f => f.Blocks]);
        var sourceStride = stream[f => f.SrcStride];
        var destination = Mux(isSoftmax, softmax.Fit(f => f.Dst, actBits), stream.Fit(f => f.Dst, actBits));
        var destinationStride = Mux(isSoftmax, softmax[f => f.DstStride], stream[f => f.DstStride]);
        var channelBase = Mux(isStatistics, statistics[f => f.ChannelBase], apply[f => f.ChannelBase]);
        var parameterSlot = Mux(isAdd, add[f => f.Param], Mux(isSoftmax, softmax[f => f.Param], Mux(isFinish, finish[f => f.Param], apply[f => f.Param])));
        var single = isAdd & add.Flag(f => f.SingleOperand);
        var applyTable = isApply & apply.Flag(f => f.ApplyTable);
        // An ADD with ApplyTable passes its sums through the table before they are written, as GN_APPLY does its normalized values.
        var addTable = isAdd & add.Flag(f => f.ApplyTable);
        var tableAfter = applyTable | addTable;
        var slot = Mux(isActivate, stream[f => f.Slot], Mux(isAdd, add[f => f.Slot], apply[f => f.Slot])).Resize(Hw.BitsFor(config.ActivationTableSlots));
        var accRowsPerRow = softmax[f => f.RowLength] >> System.Numerics.BitOperations.Log2((uint)tm);

        // ---- parameter slots, written by LOAD_TABLE; read when an instruction starts ----
        var parameters = Mem(UInt(128), ProgramValidation.ParameterSlots, RamStyle.Distributed, name: "parameters");
        When(Tables.Parameter, () => parameters.Write(Tables.ParameterSlot, Tables.ParameterWord));
        var parameter = parameters.Read(parameterSlot.Resize(4), Control.Start, name: "parameter");
        var addParameters = new WordFields<AddParameters>(parameter);
        var groupNormParameters = new WordFields<GroupNormParameters>(parameter);
        var softmaxParameters = new WordFields<SoftmaxParameters>(parameter);

        var busy = Reg(Bool(), reset: 0, name: "busy");
        var setup = RegNext(Control.Start, reset: 0, name: "setup");
        var running = busy & !setup & !Control.Start;
        var done = Wire(Bool(), name: "done");

        // ---- reader: source rows into the row queue ----
        // The walk's bounds in registers: the instruction holds still from the start, the walk begins a
        // cycle later, and the decode and the subtraction stay off the counters' compares.
        var blocksLast = RegNext((blocks - 1).Resize(16), name: "blocks_last");
        var pixelsLast = RegNext((pixels - 1).Resize(16), name: "pixels_last");
        var accRowsLast = RegNext((accRowsPerRow - 1).Resize(16), name: "acc_rows_last");
        // Softmax: between a row's sum pass and its probability pass, its sum leaves the pipeline and is divided
        // while the next row's maximum and sum pass through; a row's sum pass waits until the unit has taken the
        // sum before it (sumPending), its probability pass for its reciprocal (reciprocalsHeld: at most two rows').
        var softmaxUnit = Instance(new SoftmaxUnit(lanes, config.ClockDomain), "softmax");
        var drained = Reg(UInt(4), reset: 0, name: "drained");
        var sumPending = Reg(Bool(), reset: 0, name: "sum_pending");
        var divideOdd = Reg(Bool(), reset: 0, name: "divide_odd");
        var reciprocalsHeld = Reg(UInt(2), reset: 0, name: "reciprocals_held");

        var reader = Instance(new VectorReader(config), "reader");
        reader.Start.Assign(Control.Start);
        reader.Abort.Assign(Control.Abort);
        reader.Reads.Assign(!isFinish);
        reader.FromAccumulators.Assign(isSoftmax);
        reader.TwoOperands.Assign(isAdd & !single);
        reader.Group.Assign(group);
        reader.Source.Assign(stream.Fit(f => f.Src, actBits));
        reader.SourceB.Assign(add.Fit(f => f.SrcB, actBits));
        reader.SourceStride.Assign(sourceStride.Resize(actBits));
        reader.AccSource.Assign(softmax.Fit(f => f.Src, accBits));
        reader.AccRowsPerRow.Assign(accRowsPerRow.Resize(accBits));
        reader.BlocksLast.Assign(blocksLast);
        reader.PixelsLast.Assign(pixelsLast);
        reader.AccRowsLast.Assign(accRowsLast);
        reader.SumAllowed.Assign(!sumPending);
        reader.ProbabilitiesAllowed.Assign(reciprocalsHeld != 0);
        Connect(Read, reader.Read);
        reader.ReadData.ConnectFrom(ReadData);
        AccReadAddress.Assign(reader.AccReadAddress);
        reader.AccReadData.ConnectFrom(AccReadData);

        // ---- splitter: the head row, VectorLanes values per beat ----
        var splitter = Instance(new VectorSplitter(config), "splitter");
        Connect(splitter.Rows, reader.Rows);
        splitter.Running.Assign(running);
        splitter.Scores.Assign(isSoftmax);
        splitter.WholeRow.Assign(isStatistics);
        splitter.Restart.Assign(Control.Abort | Control.Start);
        var head = reader.Rows.Payload;
        var (headPassStart, headPass, headFirst, headBlock) = (head.PassStart, head.Pass, head.First, head.Block);
        var beat = splitter.Beat;
        var lastBeat = splitter.LastBeat;
        var bytesA = splitter.A;
        var bytesB = splitter.B;
        var channelRow = ((channelBase.Resize(Hw.BitsFor(config.MaxChannels / tn)) + headBlock.Resize(Hw.BitsFor(config.MaxChannels / tn))).Resize(Hw.BitsFor(config.MaxChannels / tn)) << System.Numerics.BitOperations.Log2((uint)rowBeats)) | beat.Resize(Math.Max(1, System.Numerics.BitOperations.Log2((uint)rowBeats))).ZeroExtend(channelRowBits);
        var splitterReady = Wire(Bool(), name: "splitter_ready");
        splitter.UnitReady.Assign(splitterReady);
        var beatValid = splitter.Valid;
        var taken = splitter.Taken;

        // ---- the units ----
        var table = Instance(new ActivationTableUnit(lanes, config.ActivationTableSlots, config.ClockDomain), "table");
        var scaleAdd = Instance(new ScaleAddUnit(lanes, config.ClockDomain), "add");
        // GN_STATS takes a whole buffer row a cycle: its lanes are Tn, and it reads the group's port on every cycle.
        var gnStatistics = Instance(new GroupNormStatisticsUnit(tn, config.MaxChannels, config.ClockDomain), "statistics");
        var gnApply = Instance(new GroupNormApplyUnit(lanes, config.MaxChannels, config.ClockDomain), "normalize");
        var collectorReady = Wire(Bool(), name: "collector_ready");
        var collectorBlock = Wire(UInt(16), name: "collector_block");
        var collectorFirstPixel = Wire(Bool(), name: "collector_first_pixel");
        var collectorRow = Wire(Vec(tn, SInt(8)), name: "collector_row");

        table.TableWrite.Assign(Tables.Activation);
        table.TableSlot.Assign(Tables.ActivationSlot);
        table.TableIndex.Assign(Tables.ActivationIndex);
        table.TableValue.Assign(Tables.ActivationValue);
        table.Slot.Assign(slot);
        table.InValid.Assign(Mux(applyTable, gnApply.OutValid, Mux(addTable, scaleAdd.OutValid, beatValid & isActivate)));
        table.X.ConnectFrom([.. Enumerable.Range(0, lanes).Select(l => Mux(applyTable, gnApply.Y[l], Mux(addTable, scaleAdd.Y[l], bytesA[l])))]);
        table.OutReady.Assign(collectorReady);

        scaleAdd.InValid.Assign(beatValid & isAdd);
        scaleAdd.MultiplierA.Assign(addParameters[p => p.MultiplierA]);
        scaleAdd.MultiplierB.Assign(addParameters[p => p.MultiplierB]);
        scaleAdd.Shift.Assign(addParameters[p => p.Shift]);
        scaleAdd.A.ConnectFrom(bytesA);
        scaleAdd.B.ConnectFrom([.. bytesB.Select(b => Mux(single, Hw.SLit(0, 8), b))]);
        scaleAdd.OutReady.Assign(Mux(addTable, table.InReady, collectorReady));

        // GN_STATS feeds the statistics the rows it reads; an ADD with Statistics the rows it writes (its output
        // as a GN_STATS reading it after would see it), so the GroupNorm after the add needs no pass of its own.
        var addStatistics = isAdd & add.Flag(f => f.Statistics);
        var statisticsRowBits = Hw.BitsFor(config.MaxChannels / tn);
        var rowWritten = Wire(Bool(), name: "row_written");
        gnStatistics.InValid.Assign((beatValid & isStatistics) | (addStatistics & rowWritten));
        gnStatistics.Index.Assign(Mux(
            isStatistics,
            (channelBase.Resize(statisticsRowBits) + headBlock.Resize(statisticsRowBits)).Resize(statisticsRowBits),
            (add[f => f.StatisticsBase].Resize(statisticsRowBits) + collectorBlock.Resize(statisticsRowBits)).Resize(statisticsRowBits)));
        gnStatistics.First.Assign(Mux(isStatistics, statistics.Flag(f => f.Clear) & headFirst, add.Flag(f => f.StatisticsClear) & collectorFirstPixel));
        gnStatistics.X.ConnectFrom([.. Enumerable.Range(0, tn).Select(n => Mux(isStatistics, splitter.Row[n], collectorRow[n]))]);

        gnApply.InValid.Assign(beatValid & isApply);
        gnApply.Index.Assign(channelRow);
        gnApply.Count.Assign(groupNormParameters[p => p.Count]);
        gnApply.X.ConnectFrom(bytesA);
        gnApply.OutReady.Assign(Mux(applyTable, table.InReady, collectorReady));
        gnApply.ChannelWrite.Assign(Tables.Channel);
        gnApply.ChannelLane.Assign(Tables.ChannelNumber.Resize(Math.Max(1, Hw.BitsFor(lanes))));
        gnApply.ChannelIndex.Assign((Tables.ChannelNumber >> System.Numerics.BitOperations.Log2((uint)lanes)).ZeroExtend(Math.Max(channelRowBits, Tables.ChannelNumber.Width)).Resize(channelRowBits));
        gnApply.ChannelGain.Assign(Tables.ChannelGain);
        gnApply.ChannelOffset.Assign(Tables.ChannelOffset);
        gnApply.ChannelShift.Assign(Tables.ChannelShift);
        gnApply.ChannelExponent.Assign(Tables.ChannelExponent);

        softmaxUnit.InValid.Assign(beatValid & isSoftmax);
        for (var l = 0; l < lanes; l++)
        {
            softmaxUnit.Scores[l].Assign(splitter.Score[l]);
            // Key headBlock x Tm + beat x lanes + l takes part when it is below Keys; the others get probability 0.
            // Tm, the lanes and a row's beats are powers of two, so the key's parts are bit fields side by side:
            // concatenated, not added.
            var keyParts = new List<Signal> { headBlock };
            if (accBeats > 1)
                keyParts.Add(beat.Resize(System.Numerics.BitOperations.Log2((uint)accBeats)));
            if (lanes > 1)
                keyParts.Add(Lit(l, System.Numerics.BitOperations.Log2((uint)lanes)));
            var key = Cat([.. keyParts]).Resize(17);
            softmaxUnit.LaneValid[l].Assign(key < softmax[f => f.Keys].ZeroExtend(17));
        }
        softmaxUnit.Pass.Assign(headPass);
        softmaxUnit.RowOdd.Assign(head.RowOdd);
        softmaxUnit.RowStart.Assign(headPassStart & (beat == 0));
        softmaxUnit.Unsigned.Assign(softmax.Flag(f => f.Unsigned));
        softmaxUnit.ExponentMultiplier.Assign(softmaxParameters[p => p.Multiplier]);
        softmaxUnit.ExponentShift.Assign(softmaxParameters[p => p.Shift]);
        softmaxUnit.OutReady.Assign(collectorReady);
        // Passes 0 and 1 of a row leave nothing in the collector, so the pipeline advances while they drain.
        var lastSumBeat = taken & isSoftmax & (headPass == 1) & lastBeat & (headBlock == accRowsLast);
        var divide = (drained == SoftmaxUnit.SumDrainAdvances) & !softmaxUnit.Busy;
        softmaxUnit.Divide.Assign(divide);
        softmaxUnit.DivideOdd.Assign(divideOdd);
        When(Control.Start | Control.Abort, () =>
        {
            drained.Assign(0);
            sumPending.Assign(false);
            divideOdd.Assign(false);
            reciprocalsHeld.Assign(0);
        }).Otherwise(() =>
        {
            When(divide, () =>
            {
                drained.Assign(0);
                sumPending.Assign(false);
                divideOdd.Assign(!divideOdd);
            }).ElseWhen(lastSumBeat | (drained != 0), () => When(softmaxUnit.InReady & (drained != SoftmaxUnit.SumDrainAdvances), () => drained.Assign((drained + 1).Resize(4))));
            When(reader.SumPassRead, () => sumPending.Assign(true));
            When(softmaxUnit.Divided & !reader.ProbabilityRowRead, () => reciprocalsHeld.Assign((reciprocalsHeld + 1).Resize(2)))
                .ElseWhen(!softmaxUnit.Divided & reader.ProbabilityRowRead, () => reciprocalsHeld.Assign((reciprocalsHeld - 1).Resize(2)));
        });

        splitterReady.Assign(Mux(isActivate, table.InReady, Mux(isAdd, scaleAdd.InReady, Mux(isApply, gnApply.InReady, Mux(isSoftmax, softmaxUnit.InReady, isStatistics)))));

        // ---- collector: output beats into rows, written at the destination pattern ----
        var outValid = Mux(isActivate | tableAfter, table.OutValid, Mux(isAdd, scaleAdd.OutValid, Mux(isApply, gnApply.OutValid, softmaxUnit.OutValid & isSoftmax)));
        var outBeat = Enumerable.Range(0, lanes).Select(l => Mux(isActivate | tableAfter, table.Y[l], Mux(isAdd, scaleAdd.Y[l], Mux(isApply, gnApply.Y[l], softmaxUnit.Probabilities[l])))).ToArray();
        var collector = Instance(new VectorCollector(config), "collector");
        collector.Start.Assign(Control.Start);
        collector.Abort.Assign(Control.Abort);
        collector.WritesRows.Assign(!(isStatistics | isFinish));
        collector.Destination.Assign(destination);
        collector.DestinationStride.Assign(destinationStride.Resize(actBits));
        collector.BlocksLast.Assign(blocksLast);
        collector.PixelsLast.Assign(pixelsLast);
        collector.InValid.Assign(outValid & running);
        collector.InBeat.ConnectFrom(outBeat);
        collectorReady.Assign(collector.InReady);
        collectorBlock.Assign(collector.WriteBlock);
        // Blocks past the statistics table's rows are not written with Statistics (ProgramValidation).
        Unused(collectorBlock[15, statisticsRowBits], "blocks_past_the_table");
        collectorFirstPixel.Assign(collector.WriteFirstPixel);
        collectorRow.ConnectFrom(collector.WriteData);
        rowWritten.Assign(collector.WriteValid & Write.Granted);
        Write.Valid.Assign(collector.WriteValid);
        Write.Group.Assign(group);
        Write.Address.Assign(collector.WriteAddress);
        Write.Data.ConnectFrom(collector.WriteData);
        collector.WriteGranted.Assign(Write.Granted);

        // ---- GN_FINISH: per group, sum its channels' statistics, the reciprocal square root, then every channel's result ----
        var finishWalk = Instance(new GroupNormFinishWalk(config), "finish");
        finishWalk.Start.Assign(Control.Start & isFinish);
        finishWalk.Abort.Assign(Control.Abort);
        finishWalk.Channels.Assign(finish[f => f.Channels]);
        finishWalk.FirstChannel.Assign(finish[f => f.FirstChannel]);
        finishWalk.ChannelsPerGroup.Assign(finish[f => f.ChannelsPerGroup]);
        finishWalk.Count.Assign(groupNormParameters[p => p.Count]);
        finishWalk.EpsilonTerm.Assign(groupNormParameters[p => p.EpsilonTerm]);
        finishWalk.ExponentWrite.Assign(Tables.Channel);
        finishWalk.ExponentChannel.Assign(Tables.ChannelNumber);
        finishWalk.ExponentValue.Assign(Tables.ChannelExponent);
        gnStatistics.ReadIndex.Assign(finishWalk.StatisticsIndex);
        gnStatistics.ReadLane.Assign(finishWalk.StatisticsLane);
        finishWalk.ReadSum.Assign(gnStatistics.ReadSum);
        finishWalk.ReadSquares.Assign(gnStatistics.ReadSquares);
        gnApply.Result.ConnectFrom(finishWalk.Result);
        var finishDone = finishWalk.Done;

        // ---- completion ----
        // GN_STATS, and an ADD with Statistics, end when the last row they give the statistics unit is in its
        // table, its Stages later.
        Bool InTable(Bool last, string name)
        {
            for (var stage = 0; stage < GroupNormStatisticsUnit.Stages; stage++)
                last = RegNext(last, reset: 0, name: $"{name}_{stage}");
            return last;
        }
        var statisticsEnd = InTable(taken & isStatistics & lastBeat & reader.LastRow, "statistics_end");
        var addStatisticsEnd = InTable(collector.LastWritten & addStatistics, "add_statistics_end");
        done.Assign(running & ((collector.LastWritten & !addStatistics) | addStatisticsEnd | (isStatistics & statisticsEnd) | (isFinish & finishDone)));
        When(Control.Start, () => busy.Assign(true)).ElseWhen(done | Control.Abort, () => busy.Assign(false));
        Unused(Cat(Control.StepGroup, parameter, Control.Instruction), "other_fields");
        Control.Busy.Assign(busy);
        Control.Done.Assign(done);
        Control.Stalled.Assign(false);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"VectorEngine{Config.VectorLanes}";

    public EngineControl Control { get; }

    public BufferRead Read { get; }

    public BufferWrite Write { get; }

    public Vec<SInt> ReadData { get; }

    public UInt AccReadAddress { get; }

    public Vec<SInt> AccReadData { get; }

    public VectorTableWrites Tables { get; }
}
