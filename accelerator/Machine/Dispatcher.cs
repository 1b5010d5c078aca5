using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// Decodes fetched instructions in program order: each engine instruction goes to its engine's queue
/// (<see cref="QueueDepth"/> deep), SET_STEP changes the step group stamped on the instructions after it,
/// SYNC and FINISH wait until every engine is idle. An engine's head instruction starts when the engine
/// is idle and a token is waiting from every engine in its wait mask; when it is done it gives a token to
/// every engine in its signal mask (one counting semaphore per ordered pair of engines). An unknown opcode
/// stops dispatch and ends the program once the running instructions finish; a state in which nothing can
/// move for 16 cycles is reported as a deadlock and ends it too. A fault (an AXI error response, the
/// host's abort) stops everything at once: the engines are aborted and the program ends when the AXI
/// ports have drained.
/// </summary>
public sealed class Dispatcher : Module
{
    public const int QueueDepth = Isa.Simulation.DispatchRules.QueueDepth;

    private const int SemaphoreBits = 8;

    private const int DeadlockCycles = 16;

    public const int SettleCycles = Isa.Simulation.DispatchRules.SettleCycles;

    /// <summary>Bits of an instruction's index (FetchIndex, ERROR_PC, and the top of a queue entry).</summary>
    private const int IndexBits = 32;

    /// <summary>The instruction index in a queue entry, which is <c>{index, step group, instruction}</c>.</summary>
    private static UInt EntryIndex(UInt entry, int stepBits) => entry[IndexBits + stepBits + InstructionSet.Bits - 1, stepBits + InstructionSet.Bits];

    public Dispatcher(AcceleratorConfig config)
    {
        Domain = config.ClockDomain;
        var engines = EngineSets.Queued.Count;
        var stepBits = AcceleratorConfig.StepGroupBits;
        Start = Input(Bool());
        Halt = Input(Bool());
        InitialStepGroup = Input(UInt(stepBits));
        FetchValid = Input(Bool());
        FetchReady = Output(Bool());
        FetchInstruction = Input(UInt(InstructionSet.Bits));
        FetchIndex = Input(UInt(IndexBits));
        FetchExhausted = Input(Bool());
        FetchClass = Input(UInt(ClassBits));
        Fault = Input(Bool());
        FaultCode = Input(Enum<MachineError>());
        FaultSource = Input(UInt(SourceBits));
        Drained = Input(Bool());
        Stop = Output(Bool());
        Engines = Output(Hw.Vec(engines, EngineControl.Of(config)), name: "engine");
        End = Output(Bool());
        Error = Output(Bool());
        ErrorCode = Output(Enum<MachineError>());
        ErrorPc = Output(UInt(IndexBits));
        Dispatched = Output(Bool());
        DependencyWait = Output(Bool());
        EngineState = Output(UInt(24));

        var word = FetchInstruction;
        var fetchClass = FetchClass;
        var stepGroup = Reg(UInt(stepBits), name: "step_group");
        var halted = Reg(Bool(), reset: 0, name: "halted");
        var ended = Reg(Bool(), reset: 1, name: "ended");
        // A fault (an AXI error response, the host's abort) stops the program: nothing more is dispatched or
        // launched, the engines are aborted a cycle later, and the program ends once the AXI ports are idle.
        // The fault arrives through registers: its sources end deep in the AXI response logic.
        var faultIn = RegNext(Fault & !Start, reset: 0, name: "fault_in");
        var faultCode = RegNext(FaultCode, name: "fault_code_in");
        var faultSource = RegNext(FaultSource, name: "fault_source_in");
        var stopping = Reg(Bool(), reset: 0, name: "stopping");
        var faultNow = faultIn & !ended & !stopping & !Start;
        var stopEngines = RegNext(faultNow, reset: 0, name: "stop_engines");
        var active = !halted & !ended & !stopping;

        // ---- semaphores: count[from, to] tokens given by engine 'from' and not yet taken by 'to' ----
        // Whether a count is nonzero is kept in a flip-flop of its own, so that a launch does not wait on an 8-bit compare.
        var counts = new UInt[engines, engines];
        var waiting = new Bool[engines, engines];
        for (var from = 0; from < engines; from++)
        {
            for (var to = 0; to < engines; to++)
            {
                if (from == to)
                    continue;
                counts[from, to] = Reg(UInt(SemaphoreBits), reset: 0, name: $"tokens_{Names[from]}_to_{Names[to]}");
                waiting[from, to] = Reg(Bool(), reset: 0, name: $"has_tokens_{Names[from]}_to_{Names[to]}");
            }
        }

        var queues = new StreamQueue<UInt>[engines];
        var launch = new Bool[engines];
        var tokensOk = new Bool[engines];
        var idle = new Bool[engines];
        var empty = new Bool[engines];
        var quiet = new Bool[engines];
        var blockedOnTokens = new Bool[engines];
        var current = new UInt[engines];
        var isEngine = new Bool[engines];
        var pendingStart = new Bool[engines];
        var waits = new Bool[engines];
        var waitingIndex = new UInt[engines];
        var runningIndex = new UInt[engines];
        for (var e = 0; e < engines; e++)
        {
            var engine = (Engine)e;
            isEngine[e] = fetchClass[e];
            // Each entry carries its instruction's index, so a deadlock can name the instruction that waits.
            var queue = queues[e] = Instance(new StreamQueue<UInt>(UInt(IndexBits + stepBits + InstructionSet.Bits), QueueDepth, RamStyle.Distributed, config.ClockDomain), $"queue_{Names[e]}");
            queue.Clear.Assign(Start);
            queue.In.Payload.Assign(Cat(FetchIndex, stepGroup, word));
            var head = queue.Out.Payload[InstructionSet.Bits - 1, 0];
            var waitMask = InstructionFields.Wait(head);
            var ok = Hw.True;
            for (var from = 0; from < engines; from++)
            {
                if (from != e)
                    ok &= !waitMask[from] | waiting[from, e];
            }
            tokensOk[e] = ok;
            var pending = pendingStart[e] = Reg(Bool(), reset: 0, name: $"start_{Names[e]}");
            var instruction = current[e] = Reg(UInt(InstructionSet.Bits), name: $"current_{Names[e]}");
            var instructionStepGroup = Reg(UInt(stepBits), name: $"current_step_group_{Names[e]}");
            var instructionIndex = runningIndex[e] = Reg(UInt(IndexBits), name: $"current_index_{Names[e]}");
            var control = Engines[e];
            idle[e] = !control.Busy & !pending;
            empty[e] = queue.Count == 0;
            launch[e] = queue.Out.Valid & idle[e] & ok & !ended & !stopping;
            queue.Out.Ready.Assign(launch[e]);
            var (go, head_) = (launch[e], queue.Out.Payload);
            When(go, () =>
            {
                instruction.Assign(head_[InstructionSet.Bits - 1, 0]);
                instructionStepGroup.Assign(head_[InstructionSet.Bits + stepBits - 1, InstructionSet.Bits]);
                instructionIndex.Assign(EntryIndex(head_, stepBits));
            });
            pending.Assign(go & !Start);
            // An instruction launched in the cycle of the fault never starts: its abort comes with it.
            control.Start.Assign(pending & !stopEngines);
            control.Instruction.Assign(instruction);
            control.StepGroup.Assign(instructionStepGroup);
            control.Abort.Assign(Start | stopEngines);
            blockedOnTokens[e] = queue.Out.Valid & idle[e] & !ok;
            // The instruction this engine waits with: the head that lacks a token, or the running one stalled on its weight bank.
            waits[e] = blockedOnTokens[e] | (control.Busy & control.Stalled);
            waitingIndex[e] = Mux(blockedOnTokens[e], EntryIndex(queue.Out.Payload, stepBits), instructionIndex);
            quiet[e] = (idle[e] & (empty[e] | blockedOnTokens[e])) | (control.Busy & control.Stalled);
        }

        // Token moves: taken at launch, given the cycle after the instruction is done. The engines' done
        // logic ends deep in their datapaths; counting its tokens a cycle later keeps the counters' carry
        // chains and the overflow check off that path, for one cycle more between dependent instructions.
        var overflows = new List<Bool>();
        for (var from = 0; from < engines; from++)
        {
            for (var to = 0; to < engines; to++)
            {
                if (from == to)
                    continue;
                var give = RegNext(Engines[from].Done & InstructionFields.Signal(current[from])[to] & !Start, reset: 0, name: $"given_{Names[from]}_to_{Names[to]}");
                var take = launch[to] & InstructionFields.Wait(queues[to].Out.Payload[InstructionSet.Bits - 1, 0])[from];
                var (count, nonzero) = (counts[from, to], waiting[from, to]);
                overflows.Add(give & !take & (count == (1 << SemaphoreBits) - 1) & !Start);
                When(give & !take, () =>
                {
                    count.Assign((count + 1).Resize(SemaphoreBits));
                    nonzero.Assign(true);
                }).ElseWhen(take & !give, () =>
                {
                    count.Assign(count.SubWrap(Lit(1, SemaphoreBits)));
                    nonzero.Assign(count != 1);
                });
                When(Start, () =>
                {
                    count.Assign(0);
                    nonzero.Assign(false);
                });
            }
        }

        // ---- dispatch in program order ----
        var isSetStep = fetchClass[engines];
        var isSync = fetchClass[engines + 1];
        var isFinish = fetchClass[engines + 2];
        var known = fetchClass[engines + 3];
        var allIdle = Enumerable.Range(0, engines).Aggregate(Hw.True, (all, e) => all & idle[e] & empty[e]);
        var noneRunning = Enumerable.Range(0, engines).Aggregate(Hw.True, (all, e) => all & idle[e]);
        var offered = FetchValid & active;
        var room = Hw.False;
        for (var e = 0; e < engines; e++)
            room |= isEngine[e] & queues[e].In.Ready;
        var dispatch = offered & ((known & !isSync & !isFinish & (room | isSetStep)) | ((isSync | isFinish) & allIdle));
        FetchReady.Assign(dispatch);
        for (var e = 0; e < engines; e++)
            queues[e].In.Valid.Assign(dispatch & isEngine[e]);
        var setStep = new WordFields<SetStep>(word);
        When(dispatch & isSetStep, () => stepGroup.Assign(setStep.Fit(f => f.StepGroup, stepBits)));
        var unknown = offered & !known;
        When(unknown | Halt, () => halted.Assign(true));

        // ---- the end: FINISH, the program's last instruction without one, an error once nothing runs, or a deadlock ----
        var quietCycles = Reg(UInt(5), reset: 0, name: "quiet_cycles");
        var dispatcherQuiet = (FetchValid & !dispatch) | (!FetchValid & FetchExhausted) | halted;
        var finishing = (dispatch & isFinish) | (active & !FetchValid & FetchExhausted & allIdle) | (halted & !ended & noneRunning);
        // The quiet test ends every engine's handshakes, so its parts are registered and the count runs a
        // cycle late; nothing moves in a deadlock, and a deadlock found after the program ended is not one.
        var quietBefore = Enumerable.Range(0, engines).Select(e => RegNext(quiet[e] & !Start, reset: 0, name: $"quiet_{Names[e]}")).ToArray();
        var stuck = quietBefore.Aggregate(RegNext(dispatcherQuiet & !Start, reset: 0, name: "quiet_dispatch") & !ended & !stopping, (all, quietEngine) => all & quietEngine);
        When(stuck, () => quietCycles.Assign(Mux(quietCycles == DeadlockCycles, quietCycles, (quietCycles + 1).Resize(5)))).Otherwise(() => quietCycles.Assign(0));
        var deadlock = RegNext(stuck & (quietCycles == DeadlockCycles - 1) & !Start, reset: 0, name: "deadlocked") & !ended;
        // While stuck nothing moves, so the earliest waiting instruction is found one engine a cycle (a
        // select, then a compare, each a stage) well within the quiet cycles before the deadlock is declared.
        var scan = Reg(UInt(Hw.BitsFor(engines + 1)), reset: 0, name: "waiting_scan");
        var scanned = Reg(Bool(), reset: 0, name: "waiting_scanned");
        var scannedIndex = Reg(UInt(IndexBits), name: "waiting_scanned_index");
        var found = Reg(Bool(), reset: 0, name: "waiting_found");
        var waitingPc = Reg(UInt(IndexBits), name: "waiting_pc");
        When(stuck, () =>
        {
            When(scan != engines, () => scan.Assign((scan + 1).Resize(scan.Width)));
            scanned.Assign((scan != engines) & Hw.VecOf(waits).Select(scan));
            scannedIndex.Assign(Hw.VecOf(waitingIndex).Select(scan));
            When(scanned & (!found | (scannedIndex < waitingPc)), () =>
            {
                found.Assign(true);
                waitingPc.Assign(scannedIndex);
            });
        }).Otherwise(() =>
        {
            scan.Assign(0);
            scanned.Assign(false);
            found.Assign(false);
        });
        // A stopped program ends when the engines are idle, the AXI ports have nothing in flight and the
        // pipelines have settled: at least SettleCycles after the fault, at most that after the last response.
        var settleCycles = Reg(UInt(Hw.BitsFor(SettleCycles)), reset: 0, name: "settle_cycles");
        When(stopping & (settleCycles != SettleCycles), () => settleCycles.Assign((settleCycles + 1).Resize(settleCycles.Width)));
        var stopped = stopping & !ended & (settleCycles == SettleCycles) & Drained & noneRunning;
        When(faultNow, () => stopping.Assign(true));
        var end = Mux(stopping, stopped, finishing | deadlock);
        When(end, () => ended.Assign(true));
        When(Start, () =>
        {
            stepGroup.Assign(InitialStepGroup);
            halted.Assign(false);
            ended.Assign(false);
            stopping.Assign(false);
            settleCycles.Assign(0);
            quietCycles.Assign(0);
        });
        // A halt in the cycle of the start (the program address is misaligned) stops the new program.
        When(Halt, () => halted.Assign(true));
        End.Assign(end & !Start);
        // An overflow is reported two cycles after it happens: each semaphore's is registered, then their OR.
        var overflowing = RegNext(Cat([.. overflows]), reset: 0, name: "overflowing");
        var overflowed = RegNext((overflowing != 0) & !Start, reset: 0, name: "overflowed");
        Error.Assign(unknown | overflowed | deadlock | faultNow);
        ErrorCode.Assign(Mux(unknown, MachineError.UnknownOpcode, Mux(overflowed, MachineError.SemaphoreOverflow, Mux(faultNow, faultCode, MachineError.Deadlock))));
        // A deadlock names the earliest instruction that waits; a fault the instruction of the engine it came
        // from (its running one) or, from the fetch or the host, the instruction fetched; the others that one too.
        var faultPc = Hw.VecOf([.. runningIndex, FetchIndex]).Select(faultSource);
        ErrorPc.Assign(Mux(!unknown & !overflowed & faultNow, faultPc, Mux(!unknown & !overflowed & found, waitingPc, FetchIndex)));
        Stop.Assign(stopEngines);
        Dispatched.Assign(dispatch);
        DependencyWait.Assign(Enumerable.Range(0, engines).Aggregate(Hw.False, (any, e) => any | blockedOnTokens[e]));
        var state = new List<Signal>();
        for (var e = engines - 1; e >= 0; e--)
            state.Add(Cat(Engines[e].Stalled, !empty[e], blockedOnTokens[e], Engines[e].Busy));
        EngineState.Assign(Cat([Lit(0, 1), halted | stopping, (isSync | isFinish) & FetchValid & !dispatch, FetchValid & !dispatch & !isSync & !isFinish & known, .. state]));
    }

    private static readonly string[] Names = [.. EngineSets.Queued.Select(e => e.ToString().ToLowerInvariant())];

    /// <summary>Bits of <see cref="FaultSource"/>: an engine's number, or <see cref="FetchSource"/>.</summary>
    public static int SourceBits => Hw.BitsFor(EngineSets.Queued.Count + 1);

    /// <summary>The <see cref="FaultSource"/> of a fault that no engine's instruction caused (the instruction fetch, the host).</summary>
    public static int FetchSource => EngineSets.Queued.Count;

    /// <summary>Bits of <see cref="Classify"/>'s answer.</summary>
    public static int ClassBits => EngineSets.Queued.Count + 4;

    /// <summary>
    /// What dispatch needs to know of an opcode, from the word's low bits: one bit per engine whose
    /// instruction it is, then SET_STEP, SYNC, FINISH and known. The fetch registers it with the
    /// instruction's first beat, so the dispatch handshake starts at flip-flops instead of at a decoder.
    /// </summary>
    public static UInt Classify(UInt word)
    {
        var opcode = InstructionFields.Opcode(word);
        var engines = EngineSets.Queued.Select(engine => InstructionSet.Formats.Where(f => f.Engine == engine).Aggregate(Hw.False, (any, f) => any | (opcode == f.Opcode))).ToArray();
        var isSetStep = opcode == InstructionSet.Format<SetStep>().Opcode;
        var isSync = opcode == InstructionSet.Format<Sync>().Opcode;
        var isFinish = opcode == InstructionSet.Format<Finish>().Opcode;
        var known = engines.Aggregate(isSetStep | isSync | isFinish, (any, e) => any | e);
        return Hw.Cat([known, isFinish, isSync, isSetStep, .. engines.Reverse()]);
    }

    public override string ModuleName => "Dispatcher";

    /// <summary>Pulse: a new program; empties the queues and the semaphores and aborts the engines.</summary>
    public Bool Start { get; }

    /// <summary>Pulse: stop dispatching (the program cannot be fetched); the program ends when nothing runs.</summary>
    public Bool Halt { get; }

    public UInt InitialStepGroup { get; }

    public Bool FetchValid { get; }

    public Bool FetchReady { get; }

    public UInt FetchInstruction { get; }

    public UInt FetchIndex { get; }

    public Bool FetchExhausted { get; }

    /// <summary>The fetched instruction's <see cref="Classify"/>, registered by the fetch.</summary>
    public UInt FetchClass { get; }

    /// <summary>Engine e's control (LOAD, WEIGHT, COMPUTE, VECTOR, STORE).</summary>
    public Vec<EngineControl> Engines { get; }

    /// <summary>Pulse: the program has ended (done, error or deadlock).</summary>
    public Bool End { get; }

    /// <summary>Pulse: an error with <see cref="ErrorCode"/> and <see cref="ErrorPc"/>.</summary>
    public Bool Error { get; }

    public EnumValue<MachineError> ErrorCode { get; }

    public UInt ErrorPc { get; }

    /// <summary>A fault: the program stops (see <see cref="FaultCode"/>, <see cref="FaultSource"/>); the first one counts.</summary>
    public Bool Fault { get; }

    public EnumValue<MachineError> FaultCode { get; }

    /// <summary>The engine (its number in <see cref="EngineSets.Queued"/>) whose running instruction the fault belongs to, or <see cref="FetchSource"/>.</summary>
    public UInt FaultSource { get; }

    /// <summary>Nothing is in flight on any AXI port: a stopped program may end.</summary>
    public Bool Drained { get; }

    /// <summary>Pulse: the program stops; the instruction fetch asks for nothing more.</summary>
    public Bool Stop { get; }

    public Bool Dispatched { get; }

    public Bool DependencyWait { get; }

    public UInt EngineState { get; }
}
