namespace DiffAcc.Hdl;

/// <summary>
/// A misuse of the DSL that cannot be collected as a diagnostic because the node cannot even be
/// built (a negative width, a literal that does not fit). The message names the user's C# line.
/// </summary>
public sealed class HdlException(string message, SourceLocation location)
    : Exception(location.IsKnown ? $"{location.FilePath}:{location.Line}: {message}" : message)
{
    public SourceLocation Location { get; } = location;
}
