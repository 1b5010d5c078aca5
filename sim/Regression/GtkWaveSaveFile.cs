using DiffAcc.Hdl.Emit;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim.Regression;

/// <summary>A GTKWave save file for a Verilator VCD of a design: the ports and registers of each instance in a group of its own.</summary>
public static class GtkWaveSaveFile
{
    public static string For(Design design, string vcdPath)
    {
        var groups = design.InstanceTree().Where(i => !i.Module.IsBlackBox).Select(i =>
        {
            var scope = i.Path.Length == 0 ? $"TOP.{design.Top.Name}" : $"TOP.{design.Top.Name}.{i.Path.Replace('/', '.')}";
            var signals = i.Module.Ports.Concat(i.Module.Nets.Where(n => n.Kind == NetKind.Register))
                .Select(n => n.Width == 1 ? $"{scope}.{n.Name}" : $"{scope}.{n.Name}[{n.Width - 1}:0]")
                .ToList();
            return new { Name = i.Path.Length == 0 ? design.Top.Name : i.Path, Signals = signals };
        }).ToList();
        return TemplateText.Render("gtkw.sbn", new { Dump = Path.GetFullPath(vcdPath), Groups = groups }, typeof(GtkWaveSaveFile).Assembly);
    }
}
