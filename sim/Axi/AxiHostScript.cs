using System.Collections.Immutable;

namespace DiffAcc.Sim.Axi;

/// <summary>One step of a host script.</summary>
public enum HostOperation
{
    /// <summary>Write a 32-bit value to a register of the AXI4-Lite slave.</summary>
    Write = 1,

    /// <summary>Read a register; the value is in the result's events.</summary>
    Read = 2,

    /// <summary>Wait until the interrupt output is high, at most a number of cycles (a watchdog).</summary>
    WaitInterrupt = 3,

    /// <summary>Wait a number of cycles.</summary>
    Wait = 4,
}

/// <summary>
/// What the simulated host does on the AXI4-Lite slave, one operation at a time: an immutable list,
/// <c>AxiHostScript.Empty.Write(0x10, 1).WaitInterrupt(1_000_000).Read(0x14)</c>.
/// </summary>
public sealed record AxiHostScript
{
    public static AxiHostScript Empty { get; } = new();

    public ImmutableList<(HostOperation Operation, ulong A, ulong B)> Operations { get; init; } = [];

    public AxiHostScript Write(long address, uint value) => Add(HostOperation.Write, (ulong)address, value);

    /// <summary>A 64-bit value as two registers: low word at <paramref name="address"/>, high word 4 bytes above.</summary>
    public AxiHostScript Write64(long address, ulong value) => Write(address, (uint)value).Write(address + 4, (uint)(value >> 32));

    public AxiHostScript Read(long address) => Add(HostOperation.Read, (ulong)address, 0);

    public AxiHostScript WaitInterrupt(long maxCycles) => Add(HostOperation.WaitInterrupt, (ulong)maxCycles, 0);

    public AxiHostScript Wait(long cycles) => Add(HostOperation.Wait, (ulong)cycles, 0);

    /// <summary>The binary form the harness reads: three little-endian uint64 per operation.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[Operations.Count * 24];
        for (var i = 0; i < Operations.Count; i++)
        {
            var (op, a, b) = Operations[i];
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 24), (ulong)op);
            BitConverter.TryWriteBytes(bytes.AsSpan((i * 24) + 8), a);
            BitConverter.TryWriteBytes(bytes.AsSpan((i * 24) + 16), b);
        }
        return bytes;
    }

    private AxiHostScript Add(HostOperation operation, ulong a, ulong b) => this with { Operations = Operations.Add((operation, a, b)) };
}
