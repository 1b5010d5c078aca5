namespace DiffAcc.Hdl.Checks;

/// <summary>An error stops the flow before anything is emitted; a warning is reported and the design is emitted.</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One design error or warning, as one readable paragraph that starts with the user's C# file and
/// line. Related locations (the other driver, the rest of a loop) are part of the message.
/// </summary>
public sealed record Diagnostic(string Check, string Message, SourceLocation Location)
{
    public DiagnosticSeverity Severity { get; init; } = DiagnosticSeverity.Error;

    public override string ToString()
    {
        var severity = Severity == DiagnosticSeverity.Warning ? "warning" : "error";
        return Location.IsKnown ? $"{Location.FilePath}:{Location.Line}: {severity} [{Check}]: {Message}" : $"{severity} [{Check}]: {Message}";
    }
}

/// <summary>Thrown by a flow that meets design errors; <see cref="Exception.Message"/> lists them all.</summary>
public sealed class DesignErrorsException(IReadOnlyList<Diagnostic> diagnostics)
    : Exception($"{diagnostics.Count} design error(s):{Environment.NewLine}{string.Join(Environment.NewLine, diagnostics)}")
{
    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;
}
