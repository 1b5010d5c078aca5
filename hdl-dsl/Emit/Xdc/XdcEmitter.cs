using System.Globalization;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.Xdc;

/// <summary>Writes the design's own timing and pin declarations as XDC for Vivado.</summary>
public static class XdcEmitter
{
    public static EmittedFile Emit(Design design, string part)
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
            Clocks = design.Domains.Select(d => new { d.Name, Period = d.PeriodNs.ToString("0.000", CultureInfo.InvariantCulture), Port = d.ClockPort }).ToList(),
            ClockGroups = design.Domains.Select(d => d.Name).ToList(),
            AsyncResets = design.Domains.Where(d => d.IsAsyncReset && d.ResetPort is not null).Select(d => d.ResetPort!).ToList(),
            Synchronizers = synchronizers,
            Pins = design.Pins.Select(p => new { p.Port, Ports = widths.GetValueOrDefault(p.Port) > 1 ? $"{{{p.Port}[*]}}" : p.Port, p.Pin, p.IoStandard }).ToList(),
        };
        return new EmittedFile($"{design.Top.Name}.xdc", TemplateText.Render("xdc.sbn", model));
    }
}
