namespace DiffAcc.Hdl.Library;

/// <summary>
/// A counter that steps up or down by one, wrapping at <see cref="Width"/> bits, for a queue's fill level
/// and the like. It keeps <c>count + 1</c> and <c>count - 1</c> in registers of their own, so the next count
/// is one LUT after <see cref="Up"/> and <see cref="Down"/>: written as <c>count ± 1</c> behind the
/// handshake, synthesis shares one adder between the two directions and puts its carry chain after the
/// handshake logic, a level or two deeper on what is usually a design's longest control path.
/// </summary>
public sealed class UpDownCounter : Module
{
    public UpDownCounter(int width, ClockDomain? domain = null)
    {
        if (width is < 1 or > 62)
            throw new HdlException($"a counter has 1 to 62 bits, not {width}", SourceLocation.OfCaller());
        Domain = domain ?? Domain;
        Width = width;
        Up = Input(Bool());
        Down = Input(Bool());
        Clear = Input(Bool());
        Count = Output(UInt(width));

        var count = Reg(UInt(width), reset: 0, name: "count");
        var above = Reg(UInt(width), reset: 1 % (1L << width), name: "count_plus_one");
        var below = Reg(UInt(width), reset: (1L << width) - 1, name: "count_minus_one");
        var up = Up & !Down;
        var down = Down & !Up;
        When(up, () =>
        {
            below.Assign(count);
            count.Assign(above);
            above.Assign(above.AddWrap(1));
        }).ElseWhen(down, () =>
        {
            above.Assign(count);
            count.Assign(below);
            below.Assign(below.SubWrap(1));
        });
        When(Clear, () =>
        {
            count.Assign(0);
            above.Assign(1 % (1L << width));
            below.Assign((1L << width) - 1);
        });
        Count.Assign(count);
    }

    public int Width { get; }

    public override string ModuleName => $"UpDownCounter{Width}";

    /// <summary>Count one up (no change when <see cref="Down"/> is high as well).</summary>
    public Bool Up { get; }

    /// <summary>Count one down (no change when <see cref="Up"/> is high as well).</summary>
    public Bool Down { get; }

    /// <summary>Back to zero; wins over <see cref="Up"/> and <see cref="Down"/>.</summary>
    public Bool Clear { get; }

    public UInt Count { get; }
}
