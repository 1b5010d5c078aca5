using System.Runtime.CompilerServices;

namespace DiffAcc.Sim.Tests;

/// <summary>Finds the line of a <c>// @mark name</c> comment in a test file, so tests assert real C# lines.</summary>
internal static class SourceMarker
{
    public static int Line(string mark, [CallerFilePath] string file = "")
    {
        var lines = File.ReadAllLines(file);
        var found = Enumerable.Range(0, lines.Length).Where(i => lines[i].TrimEnd().EndsWith($"// @mark {mark}", StringComparison.Ordinal)).ToList();
        Assert.True(found.Count == 1, $"expected exactly one '// @mark {mark}' in {file}, found {found.Count}");
        return found[0] + 1;
    }
}
