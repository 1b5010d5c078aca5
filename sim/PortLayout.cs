using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim;

/// <summary>One top-level data port in the stimulus or response stream.</summary>
public sealed record SimPort(string Name, int Width, bool Signed, int Offset, int LaneOffset)
{
    /// <summary>64-bit words the port takes in a cycle record of a C# model.</summary>
    public int Words => (Width + 63) / 64;

    /// <summary>32-bit lanes the port takes in the packed records that cross the simulation pipe.</summary>
    public int Lanes => (Width + 31) / 32;
}

/// <summary>
/// How a design's top-level ports are laid out in the per-cycle records both simulators read and
/// write: every non-clock input (resets included) in port order, then every output. C# models
/// see whole 64-bit words per port; the pipe to Verilator carries 32-bit lanes, half the bytes
/// for the common ports of 32 bits or fewer.
/// </summary>
public sealed class PortLayout
{
    public PortLayout(Design design)
    {
        int offset = 0, lanes = 0;
        Inputs = [.. design.Top.Ports.Where(p => p.Kind == NetKind.Input && p.ClockOf is null).Select(p => Make(p, ref offset, ref lanes))];
        InputWords = offset;
        InputLanes = lanes;
        offset = lanes = 0;
        Outputs = [.. design.Top.Ports.Where(p => p.Kind == NetKind.Output).Select(p => Make(p, ref offset, ref lanes))];
        OutputWords = offset;
        OutputLanes = lanes;
        Clocks = [.. design.Top.Ports.Where(p => p.ClockOf is not null).Select(p => p.Name)];
    }

    public IReadOnlyList<SimPort> Inputs { get; }

    public IReadOnlyList<SimPort> Outputs { get; }

    public IReadOnlyList<string> Clocks { get; }

    public int InputWords { get; }

    public int OutputWords { get; }

    public int InputLanes { get; }

    public int OutputLanes { get; }

    /// <summary>Packs a record of 64-bit words into 32-bit lanes.</summary>
    public static void Pack(IReadOnlyList<SimPort> ports, ReadOnlySpan<ulong> words, Span<uint> lanes)
    {
        foreach (var p in ports)
        {
            for (var k = 0; k < p.Lanes; k++)
                lanes[p.LaneOffset + k] = (uint)(words[p.Offset + (k / 2)] >> (32 * (k % 2)));
        }
    }

    /// <summary>Unpacks 32-bit lanes into a record of 64-bit words.</summary>
    public static void Unpack(IReadOnlyList<SimPort> ports, ReadOnlySpan<uint> lanes, Span<ulong> words)
    {
        foreach (var p in ports)
        {
            for (var w = 0; w < p.Words; w++)
            {
                var low = lanes[p.LaneOffset + (2 * w)];
                var high = (2 * w) + 1 < p.Lanes ? lanes[p.LaneOffset + (2 * w) + 1] : 0u;
                words[p.Offset + w] = low | ((ulong)high << 32);
            }
        }
    }

    /// <summary>A cycle's input record, addressed by the DSL's port signals.</summary>
    public PortRecord InputRecord(Span<ulong> record) => new(this, Inputs, record);

    /// <summary>A cycle's output record for a C# model to fill, addressed by the DSL's port signals.</summary>
    public PortRecord OutputRecord(Span<ulong> record) => new(this, Outputs, record);

    public ReadOnlyPortRecord ReadInputs(ReadOnlySpan<ulong> record) => new(this, Inputs, record);

    public ReadOnlyPortRecord ReadOutputs(ReadOnlySpan<ulong> record) => new(this, Outputs, record);

    /// <summary>The input port the DSL signal stands for (a port of the top module object the design was built from).</summary>
    public SimPort Input(Signal port) => Find(Inputs, port);

    public SimPort Output(Signal port) => Find(Outputs, port);

    internal SimPort Find(IReadOnlyList<SimPort> ports, Signal port)
    {
        foreach (var p in ports)
        {
            if (p.Name == port.Name && p.Width == port.Width)
                return p;
        }
        throw new ArgumentException($"'{port.Name}' ({port.Width} bits) is not a port of the simulated top in this record; its ports: {string.Join(", ", ports.Select(p => p.Name))}", nameof(port));
    }

    public SimPort Input(string name) => Inputs.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"the design has no input port '{name}'; inputs: {string.Join(", ", Inputs.Select(p => p.Name))}", nameof(name));

    public SimPort Output(string name) => Outputs.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"the design has no output port '{name}'; outputs: {string.Join(", ", Outputs.Select(p => p.Name))}", nameof(name));

    private static SimPort Make(Net net, ref int offset, ref int lanes)
    {
        var port = new SimPort(net.Name, net.Width, net.Shape.Signed, offset, lanes);
        offset += port.Words;
        lanes += port.Lanes;
        return port;
    }
}
