namespace DiffAcc.Accelerator.Isa.Simulation;

/// <summary>A window of DDR: <see cref="Bytes"/> at physical address <see cref="Address"/> (16-byte aligned).</summary>
public sealed class DdrImage
{
    public DdrImage(long address, byte[] bytes)
    {
        if (address % 16 != 0)
            throw new ArgumentException($"a DDR image starts on a 16-byte boundary, not at 0x{address:x}", nameof(address));
        Address = address;
        Bytes = bytes;
    }

    public long Address { get; }

    public byte[] Bytes { get; }

    public long End => Address + Bytes.Length;

    public DdrImage Clone() => new(Address, (byte[])Bytes.Clone());

    /// <summary>The index of <paramref name="address"/> .. + <paramref name="length"/> in <see cref="Bytes"/>; outside the image is an error naming <paramref name="who"/>.</summary>
    public int Index(long address, long length, string who)
    {
        if (address < Address || address + length > End)
            throw new MachineFault($"{who} touches DDR 0x{address:x} .. 0x{address + length - 1:x}, outside the image 0x{Address:x} .. 0x{End - 1:x}");
        return (int)(address - Address);
    }
}

/// <summary>The registers a host sets before START: DDR base registers, the step and the step group.</summary>
public sealed record MachineRegisters
{
    public IReadOnlyList<long> Bases { get; init; } = [0, 0, 0, 0];

    public int Step { get; init; }

    public int StepGroup { get; init; }

    /// <summary>The DMA windows (at most <see cref="RegisterMap.Windows"/>); none: DMA is unchecked.</summary>
    public IReadOnlyList<DmaWindow> Windows { get; init; } = [];
}

/// <summary>A DMA window: <see cref="Size"/> bytes from <see cref="Base"/>, whole 4 KB pages, readable and or writable.</summary>
public sealed record DmaWindow(long Base, long Size, bool Read, bool Write)
{
    /// <summary>The first page and the page past the last, as the hardware keeps them (the low 12 bits of base and size ignored).</summary>
    public (long First, long End) Pages => (Base / RegisterMap.WindowPageBytes, (Base / RegisterMap.WindowPageBytes) + ((Size & 0xFFFF_FFFFL) / RegisterMap.WindowPageBytes));

    /// <summary>The window of whole pages that covers <paramref name="bytes"/> bytes from the page-aligned <paramref name="address"/>.</summary>
    public static DmaWindow Covering(long address, long bytes, bool write)
    {
        if (address % RegisterMap.WindowPageBytes != 0)
            throw new ArgumentException($"a DMA window starts on a 4 KB page, not at 0x{address:x}", nameof(address));
        return new DmaWindow(address, (bytes + RegisterMap.WindowPageBytes - 1) / RegisterMap.WindowPageBytes * RegisterMap.WindowPageBytes, Read: true, Write: write);
    }
}

/// <summary>
/// The rule the DMA engines and the instruction fetch apply to every burst, defined once for the functional
/// simulator (the hardware's is <c>DmaWindowCheck</c>): with no nonempty window nothing is checked; else
/// every page a transfer touches must lie in a window that allows the access.
/// </summary>
public static class DmaWindowRule
{
    public static bool Checking(IReadOnlyList<DmaWindow> windows) => windows.Any(w => w.Pages.End > w.Pages.First);

    /// <summary>
    /// Stops at a DMA instruction that reaches outside the windows, as the machine does: a <see cref="MachineFault"/>
    /// with ERROR_CODE 7 and the instruction's index (the functional simulator and the cycle model both call it).
    /// </summary>
    public static void Require(Configuration.AcceleratorConfig config, MachineRegisters registers, Instruction instruction, int stepGroup, int index)
    {
        if (instruction is not DmaInstruction dma)
            return;
        var write = dma is Store;
        foreach (var (address, bytes) in dma.Runs(config, registers, stepGroup))
        {
            if (!Allows(registers.Windows, address, bytes, write))
                throw new MachineFault($"instruction {index} ({InstructionSet.Format(instruction).Mnemonic}) {(write ? "writes" : "reads")} DDR 0x{address:x} .. 0x{address + bytes - 1:x}, outside the DMA windows that allow it", MachineError.DmaWindow, index);
        }
    }

    /// <summary>Whether <paramref name="bytes"/> bytes from <paramref name="address"/> may be read (or written).</summary>
    public static bool Allows(IReadOnlyList<DmaWindow> windows, long address, long bytes, bool write)
    {
        if (!Checking(windows) || bytes <= 0)
            return true;
        var page = RegisterMap.WindowPageBytes;
        for (var p = address / page; p <= (address + bytes - 1) / page; p++)
        {
            var inside = false;
            foreach (var w in windows)
                inside |= (write ? w.Write : w.Read) && p >= w.Pages.First && p < w.Pages.End;
            if (!inside)
                return false;
        }
        return true;
    }
}

/// <summary>Where a DMA instruction's bytes are in DDR, as the machine computes it (<c>DmaAddress</c>, the load and store engines).</summary>
public static class DmaAddressing
{
    /// <summary><c>BASE[Base] + Offset + (STEP or STEP_GROUP) x StepStride</c> with the step group stamped on the instruction.</summary>
    public static long Address(this DmaInstruction instruction, MachineRegisters registers, int stepGroup)
        => registers.Bases[instruction.Base] + instruction.Offset + (instruction.StepMode switch
        {
            StepMode.Step => registers.Step,
            StepMode.StepGroup => stepGroup,
            _ => 0,
        } * instruction.StepStride);

    /// <summary>Every DDR byte run <paramref name="instruction"/> reads or writes, under the step group stamped on it.</summary>
    public static IEnumerable<(long Address, long Bytes)> Runs(this DmaInstruction instruction, Configuration.AcceleratorConfig config, MachineRegisters registers, int stepGroup)
    {
        var address = instruction.Address(registers, stepGroup);
        return instruction switch
        {
            ActivationTransfer t => t.Runs(address, config.Tn),
            LoadTable t => [(address, (long)t.Count * (t.Kind == TableKind.Activation ? 256 : DataWord.Bytes))],
            LoadWeights w => [(address, (long)w.Rows * config.Tm * config.Tn)],
            _ => [],
        };
    }

    /// <summary>The DDR byte runs of a 2-D transfer from <paramref name="address"/>: one run when the chunks are back to back, else one per chunk.</summary>
    public static IEnumerable<(long Address, long Bytes)> Runs(this ActivationTransfer transfer, long address, int tn)
    {
        long chunk = (long)transfer.Rows * tn;
        if (transfer.DdrStride == chunk || transfer.Chunks == 1)
            return [(address, chunk * transfer.Chunks)];
        return Enumerable.Range(0, transfer.Chunks).Select(k => (address + (k * transfer.DdrStride), chunk));
    }
}

/// <summary>A program did something the machine cannot do correctly: a read of memory nothing wrote, DDR outside the image, a deadlock.</summary>
public sealed class MachineFault(string message, MachineError code = MachineError.None, int instruction = -1) : Exception(message)
{
    /// <summary>The ERROR_CODE the hardware reports for this fault, where it reports one (<see cref="MachineError.None"/> where the hardware's behaviour is undefined).</summary>
    public MachineError Code { get; } = code;

    /// <summary>The ERROR_PC the hardware reports: the faulting instruction's index, or -1.</summary>
    public int Instruction { get; } = instruction;
}
