using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>The standard set of checks; all of them run and all their errors and warnings are reported together.</summary>
public static class DesignChecks
{
    public static IReadOnlyList<IDesignCheck> All { get; } =
    [
        new HierarchyCheck(),
        new WidthCheck(),
        new InputDrivenCheck(),
        new MultipleDriverCheck(),
        new UndrivenCheck(),
        new UnconnectedInputCheck(),
        new LatchCheck(),
        new SwitchCoverageCheck(),
        new AlwaysOpenLatchCheck(),
        new CombinationalLoopCheck(),
        new ClockCrossingCheck(),
        new MemoryClearCheck(),
        new UnusedInputCheck(),
    ];

    public static IReadOnlyList<Diagnostic> Run(Design design, IEnumerable<IDesignCheck>? checks = null)
    {
        var context = new CheckContext(design);
        return [.. (checks ?? All).SelectMany(check => check.Run(context))];
    }
}
