namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// The DDR controller behind every port in the cycle model: reads and writes of all ports together move
/// at most <see cref="DdrTiming.TotalBeatsPerCycle"/> 16-byte beats a cycle. Time is cut into windows,
/// each with room for that many beats; a transfer fills the windows from its start at its port's own
/// rate, or with what is left of a window others filled. Instructions are timed in about the order they
/// run, not strictly, so a transfer placed early in time sees the later ones already placed and shares
/// with them as the controller would.
/// </summary>
internal sealed class DdrController(double totalBeatsPerCycle)
{
    private const int WindowCycles = 32;

    private readonly List<double> placed = [];

    /// <summary>
    /// The cycle the last of <paramref name="beats"/> beats that could move from <paramref name="from"/>
    /// at <paramref name="rate"/> a cycle has moved, with the windows' room what the other ports left.
    /// </summary>
    public double Transfer(double from, double beats, double rate)
    {
        if (double.IsPositiveInfinity(totalBeatsPerCycle) || beats <= 0)
            return from + (beats / rate);
        var t = from;
        var left = beats;
        while (true)
        {
            var window = (int)(t / WindowCycles);
            while (placed.Count <= window)
                placed.Add(0);
            var windowEnd = (window + 1.0) * WindowCycles;
            var room = (totalBeatsPerCycle * WindowCycles) - placed[window];
            var portCan = (windowEnd - t) * rate;
            var moved = Math.Min(left, Math.Min(Math.Max(0, room), portCan));
            placed[window] += moved;
            left -= moved;
            if (left <= 1e-9)
                return moved < room && moved < portCan ? t + (moved / rate) : windowEnd;
            t = windowEnd;
        }
    }
}
