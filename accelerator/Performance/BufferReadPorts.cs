using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;

namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// The activation buffers' read ports in the cycle model: one per group, granted by the hardware's
/// priority (<see cref="ActivationBuffers.ReadPriority"/>). An instruction that reads a group
/// records the share of its port's cycles it takes; a lower-priority one on the same group progresses
/// only on the cycles left to it.
/// </summary>
internal sealed class BufferReadPorts
{
    private readonly List<(int Groups, Engine Reader, double From, double To, double Share)> uses = [];

    // Indexed by Engine: the read priority's order, engines that do not read (load) after it. Read on every
    // overlap test of Finish, so looked up once.
    private static readonly int[] Ranks = [.. Enum.GetValues<Engine>().Select(e => ActivationBuffers.ReadPriority.TakeWhile(reader => reader != e).Count())];

    /// <summary>An engine's place in the read priority, 0 highest; engines that do not read (load) come last.</summary>
    public static int Rank(Engine engine) => Ranks[(int)engine];

    /// <summary>Records that <paramref name="reader"/> takes <paramref name="share"/> of the read cycles of the groups in <paramref name="groups"/> over [from, to).</summary>
    public void Occupy(int groups, Engine reader, double from, double to, double share)
    {
        if (to > from && share > 0)
            uses.Add((groups, reader, from, to, Math.Min(1, share)));
    }

    /// <summary>
    /// The cycle a reader of <paramref name="groups"/> that needs <paramref name="work"/> cycles from
    /// <paramref name="start"/>, reading on <paramref name="readShare"/> of them, finishes, with the
    /// cycles higher-priority readers take.
    /// </summary>
    public double Finish(int groups, Engine reader, double start, double work, double readShare)
    {
        var above = uses.Where(u => Rank(u.Reader) < Rank(reader) && (u.Groups & groups) != 0 && u.To > start).OrderBy(u => u.From).ToList();
        if (above.Count == 0 || readShare <= 0)
            return start + work;
        var t = start;
        var left = work;
        while (left > 1e-9)
        {
            var taken = above.Where(u => u.From <= t && u.To > t).Sum(u => u.Share);
            var boundary = above.SelectMany(u => new[] { u.From, u.To }).Where(b => b > t).DefaultIfEmpty(double.PositiveInfinity).Min();
            var rate = taken <= 0 ? 1 : Math.Clamp((1 - Math.Min(1, taken)) / readShare, 0, 1);
            if (rate <= 0)
            {
                t = boundary;
                continue;
            }
            var need = left / rate;
            if (t + need <= boundary)
                return t + need;
            left -= (boundary - t) * rate;
            t = boundary;
        }
        return t;
    }
}
