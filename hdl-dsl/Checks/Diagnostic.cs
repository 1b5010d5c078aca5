namespace DiffAcc.Hdl.Checks;

/// <summary>
/// One design error, as one readable paragraph that starts with the user's C# file and line. Related
/// locations (the other driver, the rest of a loop) are part of the message.
/// </summary>
public sealed record Diagnostic(string Check, string Message, SourceLocation Location)
{
    public override string ToString()
        => Location.IsKnown ? $"{Location.FilePath}:{Location.Line}: error [{Check}]: {Message}" : $"error [{Check}]: {Message}";
}

/// <summary>Thrown by a flow that meets design errors; <see cref="Exception.Message"/> lists them all.</summary>
public sealed class DesignErrorsException(IReadOnlyList<Diagnostic> diagnostics)
    : Exception($"{diagnostics.Count} design error(s):{Environment.NewLine}{string.Join(Environment.NewLine, diagnostics)}")
{
    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;
}
