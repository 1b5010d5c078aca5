namespace DiffAcc.Hdl.Ir;

/// <summary>
/// What a <c>Switch</c> over an enum covers: its members in cases, and whether it has a Default. Kept
/// for <see cref="Checks.SwitchCoverageCheck"/>, which reports a switch that misses a member and has no Default.
/// </summary>
public sealed class SwitchCoverage(string enumName, IReadOnlyList<string> members, SourceLocation location)
{
    private readonly HashSet<string> covered = new(StringComparer.Ordinal);

    public string EnumName { get; } = enumName;

    /// <summary>Every member of the enum, in value order.</summary>
    public IReadOnlyList<string> Members { get; } = members;

    /// <summary>Where the user called <c>Switch(...)</c>.</summary>
    public SourceLocation Location { get; } = location;

    public bool HasDefault { get; internal set; }

    public IReadOnlyCollection<string> Covered => covered;

    public IEnumerable<string> Missing => Members.Where(m => !covered.Contains(m));

    internal void Cover(string member) => covered.Add(member);
}
