using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Datapath;

/// <summary>
/// A signed product in fabric logic instead of a DSP48E2: radix-4 Booth recoding of the narrow operand
/// <c>a</c> picks, per pair of its bits, one of 0, ±m, ±2m (precomputed once for a multiplier that many
/// lanes share) and the shifted picks sum to <c>a · m</c>. For products whose multiplier is a layer's
/// constant, so the DSP48E2 go to the MAC arrays (the residual add's 8 x 17-bit products).
/// </summary>
public static class BoothProduct
{
    /// <summary>The multiples a digit picks: m, 2m, −m, −2m, each two bits wider than the multiplier.</summary>
    public sealed record Multiples(SInt One, SInt Two, SInt MinusOne, SInt MinusTwo)
    {
        public int MultiplierWidth => One.Width - 2;
    }

    /// <summary>The multiples of <paramref name="m"/>; register them once for every lane.</summary>
    public static Multiples Of(SInt m)
    {
        var wide = m.SignExtend(m.Width + 2);
        var two = (wide << 1).Truncate(wide.Width);
        return new Multiples(wide, two, (-wide).Truncate(wide.Width), (-two).Truncate(wide.Width));
    }

    /// <summary>
    /// The partial products of <paramref name="a"/> (an even width) times the multiplier: digit i of
    /// (a[2i+1], a[2i], a[2i−1]) is −2 a[2i+1] + a[2i] + a[2i−1], weighted 4^i; each pick is shifted into
    /// place and sign-extended to the product's width, a.Width + the multiplier's. They sum to a · m exactly.
    /// </summary>
    public static IReadOnlyList<SInt> PartialProducts(SInt a, Multiples multiples)
    {
        if (a.Width % 2 != 0)
            throw new ArgumentException($"Booth radix-4 recoding takes an even width, not {a.Width}", nameof(a));
        var width = a.Width + multiples.MultiplierWidth;
        var zero = Hw.SLit(0, multiples.One.Width);
        var products = new List<SInt>();
        for (var i = 0; i < a.Width / 2; i++)
        {
            Bool below = i == 0 ? Hw.False : a[(2 * i) - 1], low = a[2 * i], high = a[(2 * i) + 1];
            // |digit| = 1 when the two lower bits differ; 2 for 011 and 100; the sign is the high bit.
            var one = low ^ below;
            var two = (high & !low & !below) | (!high & low & below);
            var pick = Hw.Mux(one, Hw.Mux(high, multiples.MinusOne, multiples.One), Hw.Mux(two, Hw.Mux(high, multiples.MinusTwo, multiples.Two), zero));
            var placed = pick.SignExtend(width - (2 * i));
            products.Add((placed << (2 * i)).Truncate(width));
        }
        return products;
    }
}
