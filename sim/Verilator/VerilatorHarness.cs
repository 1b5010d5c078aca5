using DiffAcc.Hdl.Emit;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim.Verilator;

/// <summary>The C++ main program a Verilator model is built with: it decides how the binary is driven.</summary>
public abstract record VerilatorHarness
{
    /// <summary>The harness source for <paramref name="design"/>'s top module.</summary>
    public abstract string Render(Design design, bool trace);

    /// <summary>Further C or C++ files built into the binary beside the harness (sources and the headers they include).</summary>
    public virtual IReadOnlyList<EmittedFile> Sources(Design design) => [];
}

/// <summary>
/// The co-simulation harness: cycle records of every input arrive on stdin and the outputs of each
/// cycle leave on stdout (<see cref="Cosimulation"/>), in blocks of <see cref="VerilatorBuild.BlockCycles"/>.
/// </summary>
public sealed record StreamingHarness : VerilatorHarness
{
    public static StreamingHarness Instance { get; } = new();

    public override string Render(Design design, bool trace)
    {
        var layout = new PortLayout(design);
        return TemplateText.Render("harness.cpp.sbn", new
        {
            Top = design.Top.Name,
            InputWords = VerilatorBuild.RecordInputWords(layout),
            OutputWords = VerilatorBuild.RecordOutputLanes(layout),
            Block = VerilatorBuild.BlockCycles,
            Trace = trace,
            Clocks = layout.Clocks.Select(VerilatorNames.Member).ToList(),
            Resets = design.Top.Ports.Where(p => p.ResetOf is not null).Select(p => new { Name = VerilatorNames.Member(p.Name), Inactive = p.ResetOf!.IsResetActiveLow ? 1 : 0 }).ToList(),
            Inputs = layout.Inputs.Select(Port).ToList(),
            Outputs = layout.Outputs.Select(Port).ToList(),
        }, typeof(StreamingHarness).Assembly);
    }

    private static object Port(SimPort p) => new
    {
        Name = VerilatorNames.Member(p.Name),
        p.Width,
        Lane = p.LaneOffset,
        p.Lanes,
        Mask = p.Width >= 64 ? "0xffffffffffffffffull" : $"0x{(1UL << p.Width) - 1:x}ull",
        TopMask = p.Width % 32 == 0 ? "0xffffffffu" : $"0x{(1UL << (p.Width % 32)) - 1:x}u",
    };
}
