using System.Text;

namespace DiffAcc.Hdl;

/// <summary>Turns C# names into legal, non-reserved Verilog identifiers.</summary>
internal static class VerilogNames
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "always", "and", "assign", "automatic", "begin", "buf", "bufif0", "bufif1", "case", "casex", "casez", "cell", "cmos",
        "config", "deassign", "default", "defparam", "design", "disable", "edge", "else", "end", "endcase", "endconfig",
        "endfunction", "endgenerate", "endmodule", "endprimitive", "endspecify", "endtable", "endtask", "event", "for",
        "force", "forever", "fork", "function", "generate", "genvar", "highz0", "highz1", "if", "ifnone", "incdir",
        "include", "initial", "inout", "input", "instance", "integer", "join", "large", "liblist", "library", "localparam",
        "macromodule", "medium", "module", "nand", "negedge", "nmos", "nor", "noshowcancelled", "not", "notif0", "notif1",
        "or", "output", "parameter", "pmos", "posedge", "primitive", "pull0", "pull1", "pulldown", "pullup",
        "pulsestyle_onevent", "pulsestyle_ondetect", "rcmos", "real", "realtime", "reg", "release", "repeat", "rnmos",
        "rpmos", "rtran", "rtranif0", "rtranif1", "scalared", "showcancelled", "signed", "small", "specify", "specparam",
        "strong0", "strong1", "supply0", "supply1", "table", "task", "time", "tran", "tranif0", "tranif1", "tri", "tri0",
        "tri1", "triand", "trior", "trireg", "unsigned", "use", "uwire", "vectored", "wait", "wand", "weak0", "weak1",
        "while", "wire", "wor", "xnor", "xor", "logic", "bit", "byte", "int", "shortint", "longint", "break", "continue",
        "return", "do", "final", "string", "class", "interface", "package", "import", "export", "type", "void", "enum",
        "struct", "union", "const", "static", "virtual", "extends", "bind", "program", "property", "sequence", "clocking",
        "modport", "priority", "unique", "inside", "with", "foreach", "rand", "randc", "this", "super", "null", "new",
    };

    /// <summary>A legal name not yet in <paramref name="taken"/>: the name itself, else <c>name_1</c>, <c>name_2</c>, ...; it is added to the set.</summary>
    public static string Unique(HashSet<string> taken, string name)
    {
        var candidate = Legal(name);
        for (var n = 1; !taken.Add(candidate); n++)
            candidate = Legal($"{name}_{n}");
        return candidate;
    }

    public static string Legal(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$' ? c : '_');
        if (sb.Length == 0 || !(char.IsAsciiLetter(sb[0]) || sb[0] == '_'))
            sb.Insert(0, 'n');
        var result = sb.ToString();
        return Reserved.Contains(result) ? result + "_" : result;
    }
}
