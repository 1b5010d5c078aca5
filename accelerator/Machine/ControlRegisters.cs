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
        var stepBits = Hw.BitsFor(config.StepGroups);
        Bus = Input(AxiLite.Of(RegisterMap.AddressBits), name: "s_axi");
        Start = Output(Bool());
        ProgramAddress = Output(UInt(MachineShape.AddressBits));
        ProgramLength = Output(UInt(32));
        Step = Output(UInt(16));
        StepGroup = Output(UInt(stepBits));
        Bases = Output(Vec(4, UInt(MachineShape.AddressBits)));
        Interrupt = Output(Bool());
        End = Input(Bool());
        Error = Input(Bool());
        ErrorCode = Input(UInt(4));
        ErrorPc = Input(UInt(32));
        EngineState = Input(UInt(24));
        Counting = Input(Vec(RegisterMap.Counters.Count, Bool()));
        BytesRead = Input(UInt(6));
        BytesWritten = Input(UInt(5));

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
        var busy = Reg(Bool(), reset: 0, name: "busy");
        var done = Reg(Bool(), reset: 0, name: "done");
        var error = Reg(Bool(), reset: 0, name: "error");
        var deadlock = Reg(Bool(), reset: 0, name: "deadlock");
        var interruptStatus = Reg(Bool(), reset: 0, name: "irq_status");
        var errorCode = Reg(UInt(4), reset: 0, name: "error_code");
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
            done.Assign(false);
            error.Assign(false);
            deadlock.Assign(false);
            errorCode.Assign(0);
            errorPc.Assign(0);
        });
        When(busy & Error & (errorCode == 0), () =>
        {
            errorCode.Assign(ErrorCode);
            errorPc.Assign(ErrorPc);
        });
        When(busy & Error, () => error.Assign(true));
        When(busy & Error & (ErrorCode == (int)MachineError.Deadlock), () => deadlock.Assign(true));
        When(busy & End, () =>
        {
            busy.Assign(false);
            done.Assign(true);
            interruptStatus.Assign(true);
        });
        Start.Assign(start);
        Interrupt.Assign(interruptStatus & interruptEnable[0]);

        // ---- performance counters: 64 bits, counting while busy; reading the low word latches the high one ----
        var counters = RegisterMap.Counters.Select(c => Reg(UInt(64), reset: 0, name: c.Name.ToLowerInvariant())).ToArray();
        for (var i = 0; i < counters.Length; i++)
        {
            var (counter, increment) = (counters[i], RegisterMap.Counters[i] == RegisterMap.BytesRead ? BytesRead.ZeroExtend(6)
                : RegisterMap.Counters[i] == RegisterMap.BytesWritten ? BytesWritten.ZeroExtend(6)
                : Mux(Counting[i], Lit(1, 6), Lit(0, 6)));
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
            (RegisterMap.EngineState, EngineState),
        };
        values.AddRange(registers.Select(r => (Named(r.Key), r.Value)));
        for (var i = 0; i < counters.Length; i++)
        {
            values.Add((RegisterMap.Counters[i].Low, counters[i][31, 0]));
            values.Add((RegisterMap.Counters[i].High, latchedHigh));
        }
        UInt selected = Lit(0, 32);
        foreach (var (register, value) in values)
            selected = Mux(Bus.ArAddr == register.Offset, value.ZeroExtend(32), selected);
        When(read, () => readData.Assign(selected));
        for (var i = 0; i < counters.Length; i++)
        {
            var (counter, low) = (counters[i], RegisterMap.Counters[i].Low);
            When(read & (Bus.ArAddr == low.Offset), () => latchedHigh.Assign(counter[63, 32]));
        }

        Unused(Cat(Counting[RegisterMap.Counters.ToList().IndexOf(RegisterMap.BytesRead)], Counting[RegisterMap.Counters.ToList().IndexOf(RegisterMap.BytesWritten)]), "amounts_elsewhere");
        ProgramAddress.Assign(Cat(programHigh, programLow).Resize(MachineShape.AddressBits));
        ProgramLength.Assign(length);
        Step.Assign(step.Resize(16));
        StepGroup.Assign(stepGroup.Resize(stepBits));
        for (var i = 0; i < 4; i++)
            Bases[i].Assign(Cat(bases[i].High, bases[i].Low).Resize(MachineShape.AddressBits));
    }

    public override string ModuleName => "ControlRegisters";

    public AxiLite Bus { get; }

    /// <summary>Pulse: CONTROL.start was written while idle.</summary>
    public Bool Start { get; }

    public UInt ProgramAddress { get; }

    public UInt ProgramLength { get; }

    public UInt Step { get; }

    public UInt StepGroup { get; }

    public Vec<UInt> Bases { get; }

    public Bool Interrupt { get; }

    public Bool End { get; }

    public Bool Error { get; }

    public UInt ErrorCode { get; }

    public UInt ErrorPc { get; }

    public UInt EngineState { get; }

    /// <summary>One bit per counter of <see cref="RegisterMap.Counters"/>: count this cycle (BYTES_READ and BYTES_WRITTEN take their amounts instead).</summary>
    public Vec<Bool> Counting { get; }

    public UInt BytesRead { get; }

    public UInt BytesWritten { get; }

    private static long Log2(int value) => System.Numerics.BitOperations.Log2((uint)value);
}
