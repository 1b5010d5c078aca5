namespace DiffAcc.Hdl.Checks;

/// <summary>
/// A <c>Switch</c> that lists some members of its enum and has no Default: the missing members would
/// leave wires as latches and registers holding by accident, so say what they do.
/// </summary>
public sealed class SwitchCoverageCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            foreach (var coverage in module.Switches.Where(s => !s.HasDefault && s.Missing.Any()))
            {
                yield return new(nameof(SwitchCoverageCheck),
                    $"a Switch over {coverage.EnumName} in {module.Name} has no case for {string.Join(", ", coverage.Missing)} and no Default. " +
                    "Add their cases, or a Default (an empty one keeps registers as they are).", coverage.Location);
            }
        }
    }
}
