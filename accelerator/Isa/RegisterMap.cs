namespace DiffAcc.Accelerator.Isa;

/// <summary>How the host may access a register.</summary>
public enum RegisterAccess
{
    ReadOnly,
    ReadWrite,

    /// <summary>Writing 1 to a bit clears it.</summary>
    WriteOneToClear,

    /// <summary>Writes act (a pulse); reads return 0.</summary>
    WriteOnly,
}

/// <summary>One 32-bit AXI4-Lite register of the accelerator.</summary>
public sealed record Register(string Name, int Offset, RegisterAccess Access, string Meaning);

/// <summary>One 64-bit performance counter, read as two registers (the low word latches the high one).</summary>
public sealed record PerformanceCounter(string Name, int Offset, string Meaning)
{
    public Register Low => new($"{Name}_LO", Offset, RegisterAccess.ReadOnly, $"{Meaning} (bits 31:0; reading it latches bits 63:32)");

    public Register High => new($"{Name}_HI", Offset + 4, RegisterAccess.ReadOnly, $"{Meaning} (bits 63:32, as latched)");
}

/// <summary>
/// The AXI4-Lite register map of <c>s_axi_control</c>, defined once: the hardware's register file,
/// docs/isa.md and diffacc_isa.h are generated from it.
/// </summary>
public static class RegisterMap
{
    /// <summary>
    /// Address bits of the slave: a 4 KB window, the same in the slave, component.xml, the block design
    /// and the driver's mapping (one page; Vivado's smallest address segment). The registers sit in its
    /// first <see cref="FileBytes"/>; the rest reads 0 and ignores writes, so no register aliases.
    /// </summary>
    public const int AddressBits = 12;

    /// <summary>Bytes of the register window: <c>1 &lt;&lt; AddressBits</c>.</summary>
    public const int WindowBytes = 1 << AddressBits;

    /// <summary>Bytes of the window that hold registers.</summary>
    public const int FileBytes = 256;

    /// <summary>The value of <see cref="Id"/>: "DIFFACC" 0xD1FA plus the ISA version.</summary>
    public const uint Magic = 0xD1FA0000;

    public const int Version = 1;

    public static Register Id { get; } = new("ID", 0x00, RegisterAccess.ReadOnly, "0xD1FA0000 | ISA version");

    public static Register Shape { get; } = new("SHAPE", 0x04, RegisterAccess.ReadOnly, "groups [7:0], Tm [15:8], Tn [23:16], vector lanes [31:24]");

    public static Register Capacity { get; } = new("CAPACITY", 0x08, RegisterAccess.ReadOnly, "log2 activation buffer rows [7:0], log2 accumulator rows [15:8], log2 weight rows [23:16], requantizer table slots [31:24]");

    public static Register Control { get; } = new("CONTROL", 0x10, RegisterAccess.WriteOnly, "bit 0: start the program at PROGRAM (ignored while busy); bit 1: abort the running program (ignored while idle): nothing more is dispatched or issued, the engines stop, the AXI transactions in flight complete (write beats already owed go with no byte strobes) and the program ends with error 6");

    public static Register Status { get; } = new("STATUS", 0x14, RegisterAccess.ReadOnly, "bit 0 busy, bit 1 done, bit 2 error, bit 3 deadlock (every engine waits for a token and nothing else can move)");

    public static Register InterruptEnable { get; } = new("IRQ_ENABLE", 0x18, RegisterAccess.ReadWrite, "bit 0: raise the interrupt when a program ends (done or error)");

    public static Register InterruptStatus { get; } = new("IRQ_STATUS", 0x1C, RegisterAccess.WriteOneToClear, "bit 0: a program ended; write 1 to clear (START clears it too)");

    public static Register ProgramLow { get; } = new("PROGRAM_LO", 0x20, RegisterAccess.ReadWrite, "DDR address of the first instruction, bits 31:0 (32-byte aligned)");

    public static Register ProgramHigh { get; } = new("PROGRAM_HI", 0x24, RegisterAccess.ReadWrite, "DDR address of the first instruction, bits 63:32");

    public static Register ProgramLength { get; } = new("PROGRAM_LENGTH", 0x28, RegisterAccess.ReadWrite, "instructions in the program");

    public static Register StepGroup { get; } = new("STEP_GROUP", 0x2C, RegisterAccess.ReadWrite, "step group at start, 16 bits (SET_STEP changes it during a run); its low bits pick the requantizer table slot");

    public static Register Step { get; } = new("STEP", 0x30, RegisterAccess.ReadWrite, "denoising step index for STEP-relative addresses");

    public static Register ErrorCode { get; } = new("ERROR_CODE", 0x34, RegisterAccess.ReadOnly, "0 none, 1 unknown opcode, 2 AXI error response (SLVERR or DECERR; the program stops as for an abort), 3 program address not 32-byte aligned, 4 semaphore overflow, 5 deadlock (every engine waits and nothing can move), 6 aborted by the host (CONTROL bit 1), 7 a DMA burst outside the windows (not issued; the program stops as for an abort)");

    public static Register ErrorPc { get; } = new("ERROR_PC", 0x38, RegisterAccess.ReadOnly, "index of the instruction that caused the error; for an AXI error, the instruction whose transfer got the response (for an instruction fetch, the next instruction to dispatch); for a deadlock, the earliest instruction that waits (for a token or its weight bank); for an abort, the next instruction to dispatch; for a DMA window, the instruction whose burst it was (for the fetch, the next instruction to dispatch)");

    public static Register EngineState { get; } = new("ENGINE_STATE", 0x3C, RegisterAccess.ReadOnly, "per engine (LOAD 3:0, WEIGHT 7:4, COMPUTE 11:8, VECTOR 15:12, STORE 19:16): bit 0 running, bit 1 its next instruction waits for tokens, bit 2 queue not empty, bit 3 waits for a weight bank; the dispatcher: bit 20 holds an instruction for a full queue, bit 21 waits in SYNC/FINISH, bit 22 stopped by an error");

    /// <summary>BASE0 .. BASE3, each 64 bits: the DDR addresses instruction offsets are relative to.</summary>
    public static IReadOnlyList<Register> Bases { get; } = [.. Enumerable.Range(0, 4).SelectMany(i => new[]
    {
        new Register($"BASE{i}_LO", 0x40 + (8 * i), RegisterAccess.ReadWrite, $"DDR base register {i}, bits 31:0"),
        new Register($"BASE{i}_HI", 0x44 + (8 * i), RegisterAccess.ReadWrite, $"DDR base register {i}, bits 63:32"),
    })];

    /// <summary>Bytes of a DMA window's granule: windows start and end on 4 KB pages, as AXI bursts never cross one.</summary>
    public const int WindowPageBytes = 4096;

    /// <summary>The DMA windows: <see cref="Windows"/> of them, each a base, a size and its access bits in <see cref="WindowAccess"/>.</summary>
    public const int Windows = 4;

    /// <summary>WINDOW0_BASE_LO, WINDOW0_BASE_HI, WINDOW0_SIZE, WINDOW1_BASE_LO, ...: the DDR every DMA burst must lie in.</summary>
    public static IReadOnlyList<Register> WindowRegisters { get; } = [.. Enumerable.Range(0, Windows).SelectMany(i => new[]
    {
        new Register($"WINDOW{i}_BASE_LO", 0xC8 + (12 * i), RegisterAccess.ReadWrite, $"DMA window {i}: first byte, bits 31:0 (bits 11:0 are ignored: windows are 4 KB pages)"),
        new Register($"WINDOW{i}_BASE_HI", 0xCC + (12 * i), RegisterAccess.ReadWrite, $"DMA window {i}: first byte, bits 63:32"),
        new Register($"WINDOW{i}_SIZE", 0xD0 + (12 * i), RegisterAccess.ReadWrite, $"DMA window {i}: bytes (bits 11:0 are ignored; 0: the window is empty)"),
    })];

    public static Register WindowAccess { get; } = new("WINDOW_ACCESS", 0xF8, RegisterAccess.ReadWrite, "bit 2i: window i may be read, bit 2i+1: written. With every window empty nothing is checked (the reset state); else every burst of a DMA instruction and of the instruction fetch must lie in a window that allows it, and one that does not is not issued: the program stops with ERROR_CODE 7");

    public static PerformanceCounter Cycles { get; } = new("CYCLES", 0x80, "cycles from start to the end of the program");

    public static PerformanceCounter PeBusy { get; } = new("PE_BUSY", 0x88, "cycles the PE groups took a term (one input pixel's Tn channels against Tm x Tn weights)");

    public static PerformanceCounter DmaWait { get; } = new("DMA_WAIT", 0x90, "cycles a LOAD, LOAD_TABLE, LOAD_WEIGHTS or STORE was running but no data beat moved on its AXI channel");

    public static PerformanceCounter DependencyWait { get; } = new("DEPENDENCY_WAIT", 0x98, "cycles at least one engine held an instruction that waited for a token");

    public static PerformanceCounter VectorBusy { get; } = new("VECTOR_BUSY", 0xA0, "cycles the vector engine executed an instruction");

    public static PerformanceCounter BytesRead { get; } = new("BYTES_READ", 0xA8, "bytes of the read data beats on both AXI ports (instructions included)");

    public static PerformanceCounter BytesWritten { get; } = new("BYTES_WRITTEN", 0xB0, "bytes written (strobes set) on the data AXI port");

    public static PerformanceCounter Instructions { get; } = new("INSTRUCTIONS", 0xB8, "instructions dispatched, SET_STEP, SYNC and FINISH included (the program's length when it ends with FINISH)");

    public static PerformanceCounter WeightWait { get; } = new("WEIGHT_WAIT", 0xC0, "cycles a CONV waited for a complete weight bank");

    public static IReadOnlyList<PerformanceCounter> Counters { get; } = [Cycles, PeBusy, DmaWait, DependencyWait, VectorBusy, BytesRead, BytesWritten, Instructions, WeightWait];

    /// <summary>Every register, in address order.</summary>
    public static IReadOnlyList<Register> All { get; } = [.. new[] { Id, Shape, Capacity, Control, Status, InterruptEnable, InterruptStatus, ProgramLow, ProgramHigh, ProgramLength, StepGroup, Step, ErrorCode, ErrorPc, EngineState }
        .Concat(Bases).Concat(WindowRegisters).Append(WindowAccess).Concat(Counters.SelectMany(c => new[] { c.Low, c.High })).OrderBy(r => r.Offset)];

    public static Register Named(string name) => All.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException($"no register '{name}'", nameof(name));
}

/// <summary>The codes of ERROR_CODE.</summary>
public enum MachineError
{
    None = 0,
    UnknownOpcode = 1,
    AxiResponse = 2,
    MisalignedProgram = 3,
    SemaphoreOverflow = 4,
    Deadlock = 5,
    Aborted = 6,
    DmaWindow = 7,
}
