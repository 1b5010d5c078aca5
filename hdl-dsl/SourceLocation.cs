namespace DiffAcc.Hdl;

/// <summary>Where in the user's C# a hardware node was made; captured with caller attributes.</summary>
public readonly record struct SourceLocation(string FilePath, int Line)
{
    public static readonly SourceLocation Unknown = new("", 0);

    public string FileName => Path.GetFileName(FilePath);

    public bool IsKnown => Line > 0;

    /// <summary>The short form used in emitted locators: <c>File.cs:42</c>.</summary>
    public override string ToString() => IsKnown ? $"{FileName}:{Line}" : "unknown";
}
