using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim;

/// <summary>One top-level data port in the stimulus or response stream.</summary>
public sealed record SimPort(string Name, int Width, bool Signed, int Offset)
{
    /// <summary>64-bit words the port takes in a cycle record.</summary>
    public int Words => (Width + 63) / 64;
}

/// <summary>
/// How a design's top-level ports are laid out in the per-cycle records both simulators read and
/// write: every non-clock input (resets included) in port order, then every output, each in
/// whole 64-bit little-endian words.
/// </summary>
public sealed class PortLayout
{
    public PortLayout(Design design)
    {
        var offset = 0;
        Inputs = [.. design.Top.Ports.Where(p => p.Kind == NetKind.Input && p.ClockOf is null).Select(p => Make(p, ref offset))];
        InputWords = offset;
        offset = 0;
        Outputs = [.. design.Top.Ports.Where(p => p.Kind == NetKind.Output).Select(p => Make(p, ref offset))];
        OutputWords = offset;
        Clocks = [.. design.Top.Ports.Where(p => p.ClockOf is not null).Select(p => p.Name)];
    }

    public IReadOnlyList<SimPort> Inputs { get; }

    public IReadOnlyList<SimPort> Outputs { get; }

    public IReadOnlyList<string> Clocks { get; }

    public int InputWords { get; }

    public int OutputWords { get; }

    public SimPort Input(string name) => Inputs.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"the design has no input port '{name}'; inputs: {string.Join(", ", Inputs.Select(p => p.Name))}", nameof(name));

    public SimPort Output(string name) => Outputs.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"the design has no output port '{name}'; outputs: {string.Join(", ", Outputs.Select(p => p.Name))}", nameof(name));

    private static SimPort Make(Net net, ref int offset)
    {
        var port = new SimPort(net.Name, net.Width, net.Shape.Signed, offset);
        offset += port.Words;
        return port;
    }
}
