using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Host;

/// <summary>One register access of the host: a write of a value, or a read.</summary>
public sealed record RegisterAccess(bool Write, int Offset, uint Value = 0);

/// <summary>
/// How a host runs a program on the accelerator, as register accesses (the same sequence the C
/// driver performs on the board): set the DDR bases, the program, the step and step group, enable
/// the interrupt and start; after the interrupt, read the status, the error registers, the engine
/// state and every performance counter (low word first, which latches the high word).
/// </summary>
public static class HostProtocol
{
    public static IReadOnlyList<RegisterAccess> Start(MachineRegisters registers, long programAddress, int instructions)
    {
        var writes = new List<RegisterAccess>();
        void Write(Register r, uint value) => writes.Add(new RegisterAccess(true, r.Offset, value));
        for (var i = 0; i < 4; i++)
        {
            Write(RegisterMap.Bases[2 * i], (uint)registers.Bases[i]);
            Write(RegisterMap.Bases[(2 * i) + 1], (uint)(registers.Bases[i] >> 32));
        }
        // Every window is written, empty ones too, so no window of an earlier program stays.
        uint access = 0;
        for (var i = 0; i < RegisterMap.Windows; i++)
        {
            var window = i < registers.Windows.Count ? registers.Windows[i] : new DmaWindow(0, 0, false, false);
            Write(RegisterMap.WindowRegisters[3 * i], (uint)window.Base);
            Write(RegisterMap.WindowRegisters[(3 * i) + 1], (uint)(window.Base >> 32));
            Write(RegisterMap.WindowRegisters[(3 * i) + 2], checked((uint)window.Size));
            access |= (window.Read ? 1u : 0) << (2 * i) | (window.Write ? 2u : 0) << (2 * i);
        }
        Write(RegisterMap.WindowAccess, access);
        Write(RegisterMap.ProgramLow, (uint)programAddress);
        Write(RegisterMap.ProgramHigh, (uint)(programAddress >> 32));
        Write(RegisterMap.ProgramLength, (uint)instructions);
        Write(RegisterMap.Step, (uint)registers.Step);
        Write(RegisterMap.StepGroup, (uint)registers.StepGroup);
        Write(RegisterMap.InterruptEnable, 1);
        Write(RegisterMap.Control, 1);
        return writes;
    }

    /// <summary>The reads after the program ended, then the write that clears the interrupt.</summary>
    public static IReadOnlyList<RegisterAccess> Finish()
    {
        var accesses = new List<RegisterAccess>
        {
            new(false, RegisterMap.Status.Offset),
            new(false, RegisterMap.ErrorCode.Offset),
            new(false, RegisterMap.ErrorPc.Offset),
            new(false, RegisterMap.EngineState.Offset),
            new(false, RegisterMap.Id.Offset),
        };
        foreach (var counter in RegisterMap.Counters)
        {
            accesses.Add(new(false, counter.Low.Offset));
            accesses.Add(new(false, counter.High.Offset));
        }
        accesses.Add(new(true, RegisterMap.InterruptStatus.Offset, 1));
        return accesses;
    }

    /// <summary>What the reads of <see cref="Finish"/> say, in their order.</summary>
    public static HostReport Report(IReadOnlyList<uint> reads)
    {
        var status = reads[0];
        var counters = new Dictionary<string, ulong>(StringComparer.Ordinal);
        for (var i = 0; i < RegisterMap.Counters.Count; i++)
            counters[RegisterMap.Counters[i].Name] = reads[5 + (2 * i)] | ((ulong)reads[6 + (2 * i)] << 32);
        return new HostReport((status & 1) != 0, (status & 2) != 0, (status & 4) != 0, (status & 8) != 0, (MachineError)reads[1], reads[2], reads[3], reads[4], counters);
    }
}

/// <summary>The machine's state after a program, as the host reads it.</summary>
public sealed record HostReport(bool Busy, bool Done, bool Error, bool Deadlock, MachineError ErrorCode, uint ErrorPc, uint EngineState, uint Id, IReadOnlyDictionary<string, ulong> Counters)
{
    public ulong this[PerformanceCounter counter] => Counters[counter.Name];

    /// <summary>ENGINE_STATE in words: what each engine and the dispatcher were doing.</summary>
    public string DescribeEngines()
    {
        var parts = new List<string>();
        foreach (var engine in EngineSets.Queued)
        {
            var bits = (EngineState >> (4 * (int)engine)) & 0xF;
            var what = new List<string>();
            if ((bits & 1) != 0)
                what.Add("running");
            if ((bits & 2) != 0)
                what.Add("waiting for tokens");
            if ((bits & 8) != 0)
                what.Add("waiting for a weight bank");
            if ((bits & 4) != 0)
                what.Add("queue not empty");
            parts.Add($"{engine.ToString().ToUpperInvariant()} {(what.Count == 0 ? "idle" : string.Join(", ", what))}");
        }
        if ((EngineState & (1 << 20)) != 0)
            parts.Add("the dispatcher holds an instruction for a full queue");
        if ((EngineState & (1 << 21)) != 0)
            parts.Add("the dispatcher waits in SYNC/FINISH");
        if ((EngineState & (1 << 22)) != 0)
            parts.Add("dispatch stopped by an error");
        return string.Join("; ", parts);
    }

    public override string ToString()
        => $"busy {Busy}, done {Done}, error {Error}{(Error ? $" ({ErrorCode} at instruction {ErrorPc})" : "")}, deadlock {Deadlock}; {DescribeEngines()}";
}
