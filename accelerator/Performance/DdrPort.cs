namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// One AXI master port in the cycle model: when it can take its next address and its next data beat.
/// DMA instructions on the same port (a LOAD and the instruction fetch; the weight engine alone on its
/// port) queue behind each other's bursts; those on different ports overlap. Ports that move in step
/// (the weights ports, each reading its share of the same rows) are timed as one with <c>lanes</c> of
/// them: their latencies are drawn alike, and their beats are placed together on the DDR controller,
/// which shares its bandwidth among them evenly.
/// </summary>
internal sealed class DdrPort(DdrTiming ddr, int outstanding, DdrController controller, int lanes = 1)
{
    // Each burst draws its latency as the DDR model does: reads return in order, so a slow burst holds
    // up the ones behind it, which the mean latency alone would miss on streams of short bursts.
    private readonly Random latencies = new(ddr.Seed);
    private double nextAddress;
    private double nextData;

    public DdrTiming Ddr { get; } = ddr;

    public int Outstanding { get; } = outstanding;

    /// <summary>Beats moved through this port.</summary>
    public long Beats { get; private set; }

    /// <summary>
    /// Reads <paramref name="bursts"/> from cycle <paramref name="start"/>: an address a cycle at most
    /// (accepted with the DDR's probability), at most <see cref="Outstanding"/> bursts in flight, at most
    /// <paramref name="credit"/> beats asked for and not yet taken by a consumer that takes
    /// <paramref name="consumerRate"/> beats a cycle from <paramref name="takeFrom"/> on. Returns the cycle
    /// the last beat is taken.
    /// </summary>
    public double Read(double start, IReadOnlyList<int> bursts, double consumerRate, int credit, double takeFrom = 0)
    {
        var rate = Math.Min(Ddr.ReadBeatsPerCycle, consumerRate);
        var ends = new double[bursts.Count];
        var cumulative = new long[bursts.Count];
        var address = Math.Max(start, nextAddress);
        double lastEnd = start;
        long asked = 0;
        // The first burst not yet wholly taken by the consumer; it only moves forward, as the beats owed do.
        var taken = 0;
        for (var i = 0; i < bursts.Count; i++)
        {
            var issue = address;
            if (i >= Outstanding)
                issue = Math.Max(issue, ends[i - Outstanding] + TagReleaseCycles);
            // Credits: the beats asked for beyond the queue must have been taken first.
            var mustHaveTaken = asked + bursts[i] - credit;
            if (mustHaveTaken > 0)
                issue = Math.Max(issue, TakenBy(mustHaveTaken, i));
            address = issue + Ddr.CyclesPerAddress;
            var first = Math.Max(issue + latencies.Next(Ddr.LatencyMin, Ddr.LatencyMax + 1), Math.Max(nextData, lastEnd));
            nextData = controller.Transfer(first, bursts[i] * lanes, Ddr.ReadBeatsPerCycle * lanes);
            lastEnd = Math.Max(Math.Max(first, takeFrom) + (bursts[i] / rate), nextData);
            ends[i] = lastEnd;
            asked += bursts[i];
            cumulative[i] = asked;
            Beats += bursts[i] * lanes;
        }
        nextAddress = address;
        return lastEnd;

        // When the consumer has taken the first beats beats of the bursts before 'before'.
        double TakenBy(long beats, int before)
        {
            while (taken < before && cumulative[taken] < beats)
                taken++;
            return taken < before ? ends[taken] - ((cumulative[taken] - beats) / rate) : lastEnd;
        }
    }

    /// <summary>
    /// Writes <paramref name="bursts"/> whose beats the engine produces at <paramref name="producerRate"/>
    /// a cycle from <paramref name="start"/>; returns the cycle the last write response arrives.
    /// </summary>
    public double Write(double start, IReadOnlyList<int> bursts, double producerRate)
    {
        var rate = Math.Min(Ddr.WriteBeatsPerCycle, producerRate);
        var data = Math.Max(start, nextData);
        foreach (var beats in bursts)
        {
            data = controller.Transfer(data, beats * lanes, rate * lanes);
            Beats += beats * lanes;
        }
        nextData = data;
        // The last response: a few cycles after the last beat.
        return data + WriteResponseCycles;
    }

    /// <summary>Cycles from a burst's last read beat until its slot among the outstanding bursts takes a new address.</summary>
    public const double TagReleaseCycles = 2;

    /// <summary>Cycles from a burst's last write beat to its response in the harness's DDR (1 to 8).</summary>
    public const double WriteResponseCycles = 4.5;
}
