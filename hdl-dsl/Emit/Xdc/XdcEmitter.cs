using System.Globalization;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.Xdc;

/// <summary>Writes the design's own timing and pin declarations as XDC for Vivado.</summary>
public static class XdcEmitter
{
    /// <summary>
    /// The XDC of <paramref name="design"/>. Without <paramref name="clocks"/> it leaves out create_clock:
    /// for a design packaged as an IP whose clocks the system around it defines (a block design's PS clock).
    /// </summary>
    public static EmittedFile Emit(Design design, string part, bool clocks = true)
    {
        var synchronizers = new List<string>();
        foreach (var (path, module) in design.InstanceTree())
        {
            foreach (var net in module.Nets.Where(n => n.Register is { IsSynchronizerInput: true }))
                synchronizers.Add(path.Length == 0 ? net.Name : $"{path}/{net.Name}");
        }
        var widths = design.Top.Ports.ToDictionary(p => p.Name, p => p.Width);
        var model = new
        {
            Top = design.Top.Name,
            Part = part,
            DefinesClocks = clocks,
            Clocks = design.Domains.DistinctBy(d => d.ClockPort).Select(d => new { d.Name, Period = d.PeriodNs.ToString("0.000", CultureInfo.InvariantCulture), Port = d.ClockPort }).ToList(),
            ClockGroups = design.Domains.DistinctBy(d => d.ClockPort).Select(d => d.Name).ToList(),
            AsyncResets = design.Domains.Where(d => d.IsAsyncReset && d.ResetPort is not null).Select(d => d.ResetPort!).Distinct().ToList(),
            Synchronizers = synchronizers,
            Pblocks = design.Pblocks.Select(p => new { p.Name, Cells = p.InstancePath, Ranges = string.Join(" ", p.Ranges) }).ToList(),
            Pins = design.Pins.Select(p => new { p.Port, Ports = widths.GetValueOrDefault(p.Port) > 1 ? $"{{{p.Port}[*]}}" : p.Port, p.Pin, p.IoStandard }).ToList(),
        };
        return new EmittedFile($"{design.Top.Name}.xdc", TemplateText.Render("xdc.sbn", model));
    }
}
