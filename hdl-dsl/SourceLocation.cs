namespace DiffAcc.Hdl;

/// <summary>Where in the user's C# a hardware node was made; captured with caller attributes.</summary>
public readonly record struct SourceLocation(string FilePath, int Line)
{
    public static readonly SourceLocation Unknown = new("", 0);

    /// <summary>
    /// The user's line that called into hdl-dsl: the first frame of the stack outside this library.
    /// For errors raised where C# gives no caller information (operators, indexers, constructors of
    /// library modules); costs a stack walk, so only on the error path.
    /// </summary>
    public static SourceLocation OfCaller()
    {
        var library = typeof(SourceLocation).Assembly;
        foreach (var frame in new System.Diagnostics.StackTrace(1, fNeedFileInfo: true).GetFrames())
        {
            if (frame.GetMethod()?.DeclaringType?.Assembly != library && frame.GetFileName() is { Length: > 0 } file && frame.GetFileLineNumber() > 0)
                return new SourceLocation(file, frame.GetFileLineNumber());
        }
        return Unknown;
    }

    public string FileName => Path.GetFileName(FilePath);

    public bool IsKnown => Line > 0;

    /// <summary>The short form used in emitted locators: <c>File.cs:42</c>.</summary>
    public override string ToString() => IsKnown ? $"{FileName}:{Line}" : "unknown";
}
