using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The AXI4-Lite slave <c>s_axi_control</c>: the registers of <see cref="RegisterMap"/> (start, status,
/// interrupt, program, step, DDR bases, errors, engine state) and the 64-bit performance counters, which
/// count from START to the end of the program. One write and one read at a time; every access is OKAY.
/// </summary>
public sealed class ControlRegisters : Module
{
    public ControlRegisters(AcceleratorConfig config)
    {
        Domain = config.ClockDomain;
        var stepBits = AcceleratorConfig.StepGroupBits;
        Bus = Input(AxiLite.Of(RegisterMap.AddressBits), name: "s_axi");
        Start = Output(Bool());
        Abort = Output(Bool());
        ProgramAddress = Output(UInt(MachineShape.AddressBits));
        ProgramLength = Output(UInt(32));
        Step = Output(UInt(16));
        StepGroup = Output(UInt(stepBits));
        Bases = Output(Vec(4, UInt(MachineShape.AddressBits)));
        Windows = Output(Hw.Vec(RegisterMap.Windows, DmaWindowPages.Of()));
        WindowsChecked = Output(Bool());
        Interrupt = Output(Bool());
        End = Input(Bool());
        Error = Input(Bool());
        ErrorCode = Input(Enum<MachineError>());
        ErrorPc = Input(UInt(32));
        EngineState = Input(UInt(24));
        Counting = Input(Vec(RegisterMap.Counters.Count, Bool()));
        BytesRead = Input(UInt(7));
        BytesWritten = Input(UInt(5));

        // What the machine reports arrives through a register: its error and end logic is deep (deadlock
        // detection, AXI responses), and a cycle's delay on all of it together changes nothing a host sees
        // but when the counters stop, which they do one cycle later for every count alike.
        var ended = RegNext(End, reset: 0, name: "end_in");
        var failed = RegNext(Error, reset: 0, name: "error_in");
        var failure = RegNext(ErrorCode, name: "error_code_in");
        var failurePc = RegNext(ErrorPc, name: "error_pc_in");
        var engineState = RegNext(EngineState, name: "engine_state_in");
        var counting = RegNext(Cat([.. Enumerable.Range(0, Counting.Count).Reverse().Select(i => Counting[i])]), reset: 0, name: "counting_in");
        var bytesRead = RegNext(BytesRead, reset: 0, name: "bytes_read_in");
        var bytesWritten = RegNext(BytesWritten, reset: 0, name: "bytes_written_in");

        Register Named(string name) => RegisterMap.Named(name);
        var registers = new Dictionary<string, UInt>(StringComparer.Ordinal);
        UInt Writable(string name, int width) => registers[name] = Reg(UInt(width), reset: 0, name: name.ToLowerInvariant());
        var programLow = Writable("PROGRAM_LO", 32);
        var programHigh = Writable("PROGRAM_HI", 32);
        var length = Writable("PROGRAM_LENGTH", 32);
        var stepGroup = Writable("STEP_GROUP", 32);
        var step = Writable("STEP", 32);
        var interruptEnable = Writable("IRQ_ENABLE", 1);
        var bases = Enumerable.Range(0, 4).Select(i => (Low: Writable($"BASE{i}_LO", 32), High: Writable($"BASE{i}_HI", 32))).ToArray();
        var windows = Enumerable.Range(0, RegisterMap.Windows).Select(i => (Low: Writable($"WINDOW{i}_BASE_LO", 32), High: Writable($"WINDOW{i}_BASE_HI", 32), Size: Writable($"WINDOW{i}_SIZE", 32))).ToArray();
        var windowAccess = Writable(RegisterMap.WindowAccess.Name, 2 * RegisterMap.Windows);
        var busy = Reg(Bool(), reset: 0, name: "busy");
        var done = Reg(Bool(), reset: 0, name: "done");
        var error = Reg(Bool(), reset: 0, name: "error");
        var deadlock = Reg(Bool(), reset: 0, name: "deadlock");
        var interruptStatus = Reg(Bool(), reset: 0, name: "irq_status");
        var errorCode = Reg(Enum<MachineError>(), MachineError.None, name: "error_code");
        var errorPc = Reg(UInt(32), reset: 0, name: "error_pc");

        // ---- writes: address and data together, answered on B ----
        var writeResponse = Reg(Bool(), reset: 0, name: "write_response");
        var write = Bus.AwValid & Bus.WValid & !writeResponse;
        Bus.AwReady.Assign(write);
        Bus.WReady.Assign(write);
        Bus.BValid.Assign(writeResponse);
        Bus.BResp.Assign(0);
        When(write, () => writeResponse.Assign(true)).ElseWhen(Bus.BReady, () => writeResponse.Assign(false));
        Bool WriteTo(Register r) => write & (Bus.AwAddr == r.Offset);
        // Byte strobes pick the bytes a write changes.
        var strobed = Cat([.. Enumerable.Range(0, 4).Reverse().Select(b => Mux(Bus.WStrb[b], Lit(0xFF, 8), Lit(0, 8)))]);
        foreach (var (name, target) in registers)
        {
            var register = Named(name);
            var merged = (Bus.WData & strobed) | (target.ZeroExtend(32) & ~strobed);
            When(WriteTo(register), () => target.Assign(merged.Resize(target.Width)));
        }
        var start = WriteTo(RegisterMap.Control) & Bus.WData[0] & !busy;
        When(WriteTo(RegisterMap.InterruptStatus) & Bus.WData[0], () => interruptStatus.Assign(false));

        // ---- the program's life: start, errors, end ----
        When(start, () =>
        {
            busy.Assign(true);
            // A stale interrupt of an earlier program must not end the new one's wait at once.
            interruptStatus.Assign(false);
            done.Assign(false);
            error.Assign(false);
            deadlock.Assign(false);
            errorCode.Assign(MachineError.None);
            errorPc.Assign(0);
        });
        When(busy & failed & (errorCode == MachineError.None), () =>
        {
            errorCode.Assign(failure);
            errorPc.Assign(failurePc);
        });
        When(busy & failed, () => error.Assign(true));
        When(busy & failed & (failure == MachineError.Deadlock), () => deadlock.Assign(true));
        When(busy & ended, () =>
        {
            busy.Assign(false);
            done.Assign(true);
            interruptStatus.Assign(true);
        });
        Start.Assign(start);
        Abort.Assign(WriteTo(RegisterMap.Control) & Bus.WData[1] & busy);
        Interrupt.Assign(interruptStatus & interruptEnable[0]);

        // ---- performance counters: 64 bits, counting while busy; reading the low word latches the high one ----
        var counters = RegisterMap.Counters.Select(c => Reg(UInt(64), reset: 0, name: c.Name.ToLowerInvariant())).ToArray();
        for (var i = 0; i < counters.Length; i++)
        {
            var (counter, increment) = (counters[i], RegisterMap.Counters[i] == RegisterMap.BytesRead ? bytesRead.ZeroExtend(7)
                : RegisterMap.Counters[i] == RegisterMap.BytesWritten ? bytesWritten.ZeroExtend(7)
                : Mux(counting[i], Lit(1, 7), Lit(0, 7)));
            When(busy, () => counter.Assign(counter.AddWrap(increment.ZeroExtend(64))));
            When(start, () => counter.Assign(0));
        }

        // ---- reads: the register at the address, one cycle later ----
        var readValid = Reg(Bool(), reset: 0, name: "read_valid");
        var readData = Reg(UInt(32), name: "read_data");
        var latchedHigh = Reg(UInt(32), name: "latched_high");
        var read = Bus.ArValid & !readValid;
        Bus.ArReady.Assign(read);
        Bus.RValid.Assign(readValid);
        Bus.RResp.Assign(0);
        Bus.RData.Assign(readData);
        When(read, () => readValid.Assign(true)).ElseWhen(Bus.RReady, () => readValid.Assign(false));
        var values = new List<(Register Register, UInt Value)>
        {
            (RegisterMap.Id, Lit(RegisterMap.Magic | (uint)RegisterMap.Version, 32)),
            (RegisterMap.Shape, Lit((uint)config.Groups | ((uint)config.Tm << 8) | ((uint)config.Tn << 16) | ((uint)config.VectorLanes << 24), 32)),
            (RegisterMap.Capacity, Lit(Log2(config.ActivationRows) | (Log2(config.AccumulatorRows) << 8) | (Log2(config.WeightRows) << 16) | ((long)Math.Min(config.StepGroups, 255) << 24), 32)),
            (RegisterMap.Status, Cat(deadlock, error, done, busy)),
            (RegisterMap.InterruptStatus, interruptStatus),
            (RegisterMap.ErrorCode, errorCode),
            (RegisterMap.ErrorPc, errorPc),
            (RegisterMap.EngineState, engineState),
        };
        values.AddRange(registers.Select(r => (Named(r.Key), r.Value)));
        for (var i = 0; i < counters.Length; i++)
        {
            values.Add((RegisterMap.Counters[i].Low, counters[i][31, 0]));
            values.Add((RegisterMap.Counters[i].High, latchedHigh));
        }
        // The register file is a word-indexed table read through a balanced multiplexer tree on the address
        // bits (a priority chain of compares was 10 levels deep); words without a register, and the window
        // beyond the table (Select reads zero there), read zero.
        var words = RegisterMap.FileBytes / 4;
        var wordIndex = Bus.ArAddr[RegisterMap.AddressBits - 1, 2];
        Unused(Bus.ArAddr[1, 0], "byte_in_word");
        var table = Enumerable.Range(0, words).Select(_ => (UInt)Lit(0, 32)).ToArray();
        foreach (var (register, value) in values)
            table[register.Offset / 4] = value.ZeroExtend(32);
        When(read, () => readData.Assign(Hw.VecOf(table).Select(wordIndex)));
        var highs = Enumerable.Range(0, words).Select(_ => (UInt)Lit(0, 32)).ToArray();
        var latches = Enumerable.Range(0, words).Select(_ => Lit(0, 1)).ToArray();
        for (var i = 0; i < counters.Length; i++)
        {
            highs[RegisterMap.Counters[i].Low.Offset / 4] = counters[i][63, 32];
            latches[RegisterMap.Counters[i].Low.Offset / 4] = Lit(1, 1);
        }
        When(read & Hw.VecOf(latches).Select(wordIndex)[0], () => latchedHigh.Assign(Hw.VecOf(highs).Select(wordIndex)));

        Unused(Cat(counting[RegisterMap.Counters.ToList().IndexOf(RegisterMap.BytesRead)], counting[RegisterMap.Counters.ToList().IndexOf(RegisterMap.BytesWritten)]), "amounts_elsewhere");
        ProgramAddress.Assign(Cat(programHigh, programLow).Resize(MachineShape.AddressBits));
        ProgramLength.Assign(length);
        Step.Assign(step.Resize(16));
        StepGroup.Assign(stepGroup.Resize(stepBits));
        for (var i = 0; i < 4; i++)
            Bases[i].Assign(Cat(bases[i].High, bases[i].Low).Resize(MachineShape.AddressBits));
        // The windows as pages, registered: the engines compare page numbers and never see the adder.
        var anyWindow = Hw.False;
        for (var i = 0; i < RegisterMap.Windows; i++)
        {
            var first = Cat(windows[i].High, windows[i].Low)[MachineShape.AddressBits - 1, 12];
            var pages = windows[i].Size[31, 12];
            Windows[i].First.Assign(RegNext(first, name: $"window{i}_first"));
            Windows[i].End.Assign(RegNext((first.ZeroExtend(DmaWindowCheck.PageBits + 1) + pages.ZeroExtend(DmaWindowCheck.PageBits + 1)).Resize(DmaWindowCheck.PageBits + 1), name: $"window{i}_end"));
            Windows[i].Read.Assign(windowAccess[2 * i]);
            Windows[i].Write.Assign(windowAccess[(2 * i) + 1]);
            anyWindow |= pages != 0;
            Unused(Cat(windows[i].High[31, MachineShape.AddressBits - 32], windows[i].Low[11, 0], windows[i].Size[11, 0]), $"window{i}_below_a_page");
        }
        WindowsChecked.Assign(RegNext(anyWindow, reset: 0, name: "windows_checked"));
    }

    public override string ModuleName => "ControlRegisters";

    public AxiLite Bus { get; }

    /// <summary>Pulse: CONTROL.start was written while idle.</summary>
    public Bool Start { get; }

    /// <summary>Pulse: CONTROL.abort was written while a program runs.</summary>
    public Bool Abort { get; }

    public UInt ProgramAddress { get; }

    public UInt ProgramLength { get; }

    public UInt Step { get; }

    public UInt StepGroup { get; }

    public Vec<UInt> Bases { get; }

    /// <summary>The DMA windows as pages, and whether any is nonempty (else nothing is checked).</summary>
    public Vec<DmaWindowPages> Windows { get; }

    public Bool WindowsChecked { get; }

    public Bool Interrupt { get; }

    public Bool End { get; }

    public Bool Error { get; }

    public EnumValue<MachineError> ErrorCode { get; }

    public UInt ErrorPc { get; }

    public UInt EngineState { get; }

    /// <summary>One bit per counter of <see cref="RegisterMap.Counters"/>: count this cycle (BYTES_READ and BYTES_WRITTEN take their amounts instead).</summary>
    public Vec<Bool> Counting { get; }

    public UInt BytesRead { get; }

    public UInt BytesWritten { get; }

    private static long Log2(int value) => System.Numerics.BitOperations.Log2((uint)value);
}
