namespace DiffAcc.Cli.Tests;

/// <summary>
/// A short <c>bench isa-fuzz</c> (the benchmark runs 300 programs and 2,000 corruptions): random valid programs
/// bit-exact between the functional simulator and the RTL under random DDR timing, corrupted programs that
/// all end by themselves inside their DMA windows.
/// </summary>
public sealed class IsaFuzzTests
{
    [Fact]
    public void Random_programs_agree_and_corrupted_ones_neither_hang_nor_escape_their_windows()
    {
        var (code, output, error) = CommandLine.Run("bench", "isa-fuzz", "--programs", "12", "--corrupt", "40", "--seed", "7000");
        Assert.True(code == 0, output + error);
        Assert.Matches(@"│ disagreements\s+│\s+0 │", output);
        Assert.Matches(@"│\s+hangs \(not ended even by the abort\)\s+│\s+0 │", output);
        Assert.Matches(@"│\s+accesses outside the windows or AXI rules broken\s+│\s+0 │", output);
        // The corruptions reach the machine's checks: some end in an error code.
        Assert.Matches(@"│\s+ended by an error code\s+│\s+[1-9]", output);
    }

    /// <summary>
    /// Found by <c>bench isa-fuzz --corrupt 2000</c>: a fault while a write beat waited for WREADY changed the beat
    /// (its strobes cleared, the queue under it emptied), which AXI forbids. Seed 178 is a wild STORE offset stopped
    /// by its window, seed 1835 a program the host aborts at the watchdog; both stop mid-write.
    /// </summary>
    [Theory]
    [InlineData(178)]
    [InlineData(1835)]
    public void A_fault_leaves_the_write_beat_on_offer_unchanged(int seed)
    {
        var (code, output, error) = CommandLine.Run("bench", "isa-fuzz", "--programs", "0", "--corrupt", "1", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(code == 0, output + error);
        Assert.Matches(@"│\s+accesses outside the windows or AXI rules broken\s+│\s+0 │", output);
    }

    [Fact]
    public void Bad_counts_are_refused()
    {
        var (code, _, error) = CommandLine.Run("bench", "isa-fuzz", "--programs", "0", "--corrupt", "0");
        Assert.Equal(1, code);
        Assert.Contains("--programs and --corrupt", error, StringComparison.Ordinal);
    }
}
