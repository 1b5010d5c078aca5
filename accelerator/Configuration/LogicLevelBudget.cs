namespace DiffAcc.Accelerator.Configuration;

/// <summary>
/// How many logic levels (LUT, CARRY8, MUXF, LUT RAM read, as Vivado counts them) a register-to-register
/// path may have at a clock frequency on a -2 UltraScale+ part. A path spends about 0.45 ns outside its
/// logic (clock-to-out 0.1, setup 0.05, clock uncertainty and skew 0.3) and about 0.4 ns per level
/// (a LUT's 0.1 plus a typical local net's 0.3). At 300 MHz that leaves 2.88 ns, 7 levels. Post-route
/// timing in Vivado is the final word; the budget keeps synthesis from handing it paths that cannot close.
/// </summary>
public static class LogicLevelBudget
{
    public const double FixedNs = 0.45;

    public const double PerLevelNs = 0.40;

    public static int For(double clockMHz) => (int)Math.Floor(((1000.0 / clockMHz) - FixedNs) / PerLevelNs);
}
