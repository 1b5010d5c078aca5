using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim;

/// <summary>
/// Random inputs for any design: every data input random each cycle, half of the time an edge
/// value (zero, all ones, the sign bit alone, the largest positive); resets held for the first two
/// cycles and pulsed now and then. The same design and seed give the same stream.
/// </summary>
public sealed class RandomStimulus(Design design, int seed) : IStimulus
{
    private readonly PortLayout layout = new(design);
    private readonly Dictionary<string, ClockDomain> resets = design.Top.Ports.Where(p => p.ResetOf is not null).ToDictionary(p => p.Name, p => p.ResetOf!);
    private readonly Random random = new(seed);
    private ulong[] random64 = [];

    public void Fill(long cycle, Span<ulong> inputs)
    {
        foreach (var port in layout.Inputs)
        {
            if (resets.TryGetValue(port.Name, out var domain))
            {
                var active = cycle < 2 || random.Next(50) == 0;
                inputs[port.Offset] = active != domain.IsResetActiveLow ? 1UL : 0UL;
                continue;
            }
            if (random64.Length < port.Words)
                random64 = new ulong[port.Words];
            for (var w = 0; w < port.Words; w++)
                random64[w] = (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 32);
            // Edge values half of the time: all zeros, all ones, the sign bit alone, the largest positive.
            var edge = random.Next(8);
            var top = (port.Width - 1) / 64;
            for (var w = 0; w < port.Words; w++)
            {
                var sign = w == top ? 1UL << ((port.Width - 1) % 64) : 0;
                var value = edge switch
                {
                    0 => 0UL,
                    1 => ulong.MaxValue,
                    2 => sign,
                    3 => w < top ? ulong.MaxValue : sign - 1,
                    _ => random64[w],
                };
                var bits = Math.Min(64, port.Width - (64 * w));
                inputs[port.Offset + w] = bits == 64 ? value : value & ((1UL << bits) - 1);
            }
        }
    }
}
