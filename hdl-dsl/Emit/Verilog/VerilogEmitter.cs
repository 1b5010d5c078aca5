using DiffAcc.Hdl.Ir;
using DiffAcc.Hdl.Passes;

namespace DiffAcc.Hdl.Emit.Verilog;

/// <summary>Prints a checked design as Verilog-2005: one file per module, children first, plus <c>filelist.f</c>.</summary>
public static class VerilogEmitter
{
    public const string FileListName = "filelist.f";

    public static IReadOnlyList<EmittedFile> Emit(Design design)
    {
        var files = new List<EmittedFile>();
        foreach (var module in design.Modules.Where(m => !m.IsBlackBox))
        {
            var view = VerilogLayout.Build(ModuleLowering.Of(module), isTop: ReferenceEquals(module, design.Top));
            files.Add(new EmittedFile($"{module.Name}.v", TemplateText.Render("module.sbn", view)));
        }
        files.Add(new EmittedFile(FileListName, TemplateText.Render("filelist.sbn", new { Files = files.Select(f => f.Name).ToList() })));
        // Memory init files sit beside the Verilog; $readmemh finds them in the folder a tool runs in.
        foreach (var module in design.Modules.Where(m => !m.IsBlackBox))
        {
            foreach (var memory in module.Memories.Where(m => m.InitFromFile))
                files.Add(new EmittedFile(VerilogLayout.InitFileName(module, memory), MemoryInitFile.Text(memory.Init!, memory.Word.Width)));
        }
        return files;
    }
}
