using System.Globalization;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.Vivado;

/// <summary>
/// Vivado's non-project flow for an emitted design, as a Tcl script next to the sources: read the
/// Verilog and the XDC, synthesize (in context, or out of context for a block that a larger design
/// instantiates), optimize, place, physically optimize, route, write checkpoints, hierarchical
/// utilization and timing summaries, and (in context) the bitstream. Run with
/// <c>vivado -mode batch -source build.tcl</c> in the folder.
/// </summary>
public static class VivadoBuild
{
    /// <summary>The script, for <paramref name="verilog"/> files under <paramref name="rtlFolder"/> and the XDC under <paramref name="constraintsFolder"/> (relative to the script).</summary>
    public static EmittedFile Emit(Design design, string part, IReadOnlyList<EmittedFile> verilog, EmittedFile xdc, string rtlFolder = "rtl", string constraintsFolder = "constraints", bool outOfContext = false)
    {
        var model = new
        {
            Top = design.Top.Name,
            Part = part,
            Sources = verilog.Where(f => f.Name.EndsWith(".v", StringComparison.Ordinal)).Select(f => $"{rtlFolder}/{f.Name}").ToList(),
            MemoryFiles = verilog.Where(f => f.Name.EndsWith(".mem", StringComparison.Ordinal)).Select(f => $"{rtlFolder}/{f.Name}").ToList(),
            Constraints = $"{constraintsFolder}/{xdc.Name}",
            OutOfContext = outOfContext,
            Clocks = design.Domains.Select(d => new { d.Name, Mhz = d.FrequencyMHz.ToString("0.###", CultureInfo.InvariantCulture) }).ToList(),
        };
        return new EmittedFile("build.tcl", TemplateText.Render("build.tcl.sbn", model));
    }
}
