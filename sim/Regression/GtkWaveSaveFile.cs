using System.Globalization;
using DiffAcc.Hdl.Emit;
using DiffAcc.Hdl.Emit.Verilog;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim.Regression;

/// <summary>
/// A GTKWave save file for a Verilator VCD of a design: the ports and registers of each instance in a
/// group of its own. Signals of a C# enum type show their member names through a translate filter
/// file per enum (<see cref="TranslateFilters"/>), written beside the VCD.
/// </summary>
public static class GtkWaveSaveFile
{
    public static string For(Design design, string vcdPath)
    {
        var filters = Filters(design, vcdPath).Keys.ToList();
        var groups = design.InstanceTree().Where(i => !i.Module.IsBlackBox).Select(i =>
        {
            var scope = i.Path.Length == 0 ? $"TOP.{design.Top.Name}" : $"TOP.{design.Top.Name}.{i.Path.Replace('/', '.')}";
            // A Vec port below the top is one packed vector in the Verilog, so in the VCD too: listed once, whole.
            var packed = PackedVectors.Ports(i.Module, ReferenceEquals(i.Module, design.Top)).SelectMany(v => v.Elements.Select((e, k) => (e, v, k))).ToDictionary(x => x.e, x => (Vector: x.v, First: x.k == 0));
            var signals = i.Module.Ports.Concat(i.Module.Nets.Where(n => n.Kind == NetKind.Register))
                .Where(n => !packed.TryGetValue(n, out var p) || p.First)
                .Select(n => packed.TryGetValue(n, out var p) ? (p.Vector.Name, p.Vector.Width, Enum: (EnumMembers?)null) : (n.Name, n.Width, n.Enum))
                .Select(n => new
                {
                    Name = n.Width == 1 ? $"{scope}.{n.Name}" : $"{scope}.{n.Name}[{n.Width - 1}:0]",
                    Filter = n.Enum is { } e ? FilterPath(vcdPath, e) : null,
                    FilterIndex = n.Enum is { } f ? filters.IndexOf(FilterPath(vcdPath, f)) + 1 : 0,
                })
                .ToList();
            return new { Name = i.Path.Length == 0 ? design.Top.Name : i.Path, Signals = signals };
        }).ToList();
        return TemplateText.Render("gtkw.sbn", new { Dump = Path.GetFullPath(vcdPath), Groups = groups }, typeof(GtkWaveSaveFile).Assembly);
    }

    /// <summary>The translate filter files the save file refers to, by full path: one per enum type the design's ports and registers use.</summary>
    public static IReadOnlyDictionary<string, string> TranslateFilters(Design design, string vcdPath) => Filters(design, vcdPath);

    private static SortedDictionary<string, string> Filters(Design design, string vcdPath)
    {
        var filters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var net in design.Modules.SelectMany(m => m.Ports.Concat(m.Nets.Where(n => n.Kind == NetKind.Register))))
        {
            if (net.Enum is not { } members || filters.ContainsKey(FilterPath(vcdPath, members)))
                continue;
            // GTKWave prints hex with as many digits as the width needs; the unpadded form is listed too.
            var digits = (net.Width + 3) / 4;
            var lines = members.Members.SelectMany(m => new[] { m.Value.ToString("X", CultureInfo.InvariantCulture), m.Value.ToString($"X{digits}", CultureInfo.InvariantCulture) }.Distinct().Select(v => new { Value = v, Name = m.Member })).ToList();
            filters[FilterPath(vcdPath, members)] = TemplateText.Render("gtkw-filter.sbn", new { members.Name, Members = lines }, typeof(GtkWaveSaveFile).Assembly);
        }
        return filters;
    }

    private static string FilterPath(string vcdPath, EnumMembers members)
        => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(vcdPath))!, $"{members.Name}.gtkw-filter");
}
