using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace DiffAcc.Hdl;

/// <summary>
/// The C# local variable a declaration on a source line is assigned to (<c>var sum = Wire(...)</c>
/// gives "sum"), so hardware declared in locals keeps its C# name in the Verilog where the source
/// file is at hand (as when a design is built from its project). Names from fields and explicit
/// names come first; a line that declares more than one variable, or an unreadable file, gives none.
/// </summary>
internal static partial class LocalNames
{
    private static readonly ConcurrentDictionary<string, string[]?> Files = new(StringComparer.Ordinal);

    public static string? Of(SourceLocation location)
    {
        if (!location.IsKnown || Read(location.FilePath) is not { } lines || location.Line < 1 || location.Line > lines.Length)
            return null;
        var matches = Declaration().Matches(lines[location.Line - 1]);
        return matches.Count == 1 ? matches[0].Groups["name"].Value.TrimStart('@') : null;
    }

    private static string[]? Read(string file) => Files.GetOrAdd(file, path =>
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    });

    // "var name =" or "Type name =" (generic and array types too), not "==" or an assignment to an existing name.
    [GeneratedRegex(@"(?:^|[;{(]\s*|\s)(?:var|[A-Za-z_][\w.]*(?:<[\w\s,.<>]*>)?(?:\[\])?\??)\s+(?<name>@?[A-Za-z_]\w*)\s*=(?![=>])")]
    private static partial Regex Declaration();
}
