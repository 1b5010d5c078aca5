using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// What the PE groups take a cycle after a term issued: its activation rows (a padding term's lanes
/// hold 0, or the pad value LOAD_TABLE wrote: the input's zero point), the valid and clear of the
/// term, and the input exponent the sums are shifted by (the CONV's slot of the two LOAD_TABLE wrote).
/// </summary>
public sealed class PeArrayFeed : Module
{
    public PeArrayFeed(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int groups = config.Groups, tn = config.Tn;
        PadWithZeroPoint = Input(Bool());
        ExponentSlot = Input(UInt(FieldOf<Conv>.Bits(c => c.Exponent)));
        Issue = Input(Bool());
        First = Input(Bool());
        Inside = Input(Bool());
        Neighbour = Input(UInt(2));
        HaloGroups = Input(UInt(FieldOf<Conv>.Bits(c => c.HaloGroups)));
        ActData = Input(Vec(groups * tn, SInt(8)));
        PadWrite = Input(Bool());
        PadValue = Input(SInt(8));
        ExponentWrite = Input(Bool());
        ExponentA = Input(UInt(SplitConcat.ExponentBits));
        ExponentB = Input(UInt(SplitConcat.ExponentBits));
        Acts = Output(Vec(groups * tn, SInt(8)));
        Valid = Output(Bool());
        Clear = Output(Bool());
        Exponent = Output(UInt(SplitConcat.ExponentBits));

        // The pad value changes only between layers (its LOAD_TABLE and the CONVs that read it are ordered by
        // tokens), and the walk starts two cycles after the instruction, so the registered choice is in time.
        var padValue = Reg(SInt(8), reset: 0, name: "pad_value");
        When(PadWrite, () => padValue.Assign(PadValue));
        var padTerm = RegNext(Mux(PadWithZeroPoint, padValue, Hw.SLit(0, 8)), name: "pad_term");
        // Loaded, like the pad value, between layers; the CONV's choice is registered long before its first sum.
        var exponentA = Reg(UInt(SplitConcat.ExponentBits), reset: 0, name: "exponent_a");
        var exponentB = Reg(UInt(SplitConcat.ExponentBits), reset: 0, name: "exponent_b");
        When(ExponentWrite, () =>
        {
            exponentA.Assign(ExponentA);
            exponentB.Assign(ExponentB);
        });
        Exponent.Assign(RegNext(Mux(ExponentSlot == 1, exponentA, Mux(ExponentSlot == 2, exponentB, Lit(0, SplitConcat.ExponentBits))), name: "exponent"));

        // The term's data arrives a cycle after it issued.
        Valid.Assign(RegNext(Issue, reset: 0, name: "term_valid"));
        Clear.Assign(RegNext(First, name: "term_first"));
        var outside = RegNext(!Inside, name: "term_outside");
        var neighbour = RegNext(Neighbour, name: "term_neighbour");
        var (above, below) = (neighbour == ConvWalker.FromAbove, neighbour == ConvWalker.FromBelow);
        // The run lengths a program may name (ProgramValidation: HaloGroups divides the groups).
        var runLengths = Enumerable.Range(1, groups).Where(h => groups % h == 0).ToList();
        for (var g = 0; g < groups; g++)
        {
            // A run of HaloGroups groups holds one image: its first group has padding above, its last below.
            var runFirst = runLengths.Where(h => g % h == 0).Aggregate(!Hw.True, (any, h) => any | (HaloGroups == h));
            var runLast = runLengths.Where(h => g % h == h - 1).Aggregate(!Hw.True, (any, h) => any | (HaloGroups == h));
            var padded = outside | (above & (g == 0 ? Hw.True : runFirst)) | (below & (g == groups - 1 ? Hw.True : runLast));
            for (var n = 0; n < tn; n++)
            {
                var own = ActData[(g * tn) + n];
                var fromAbove = g == 0 ? own : ActData[((g - 1) * tn) + n];
                var fromBelow = g == groups - 1 ? own : ActData[((g + 1) * tn) + n];
                Acts[(g * tn) + n].Assign(Mux(padded, padTerm, Mux(above, fromAbove, Mux(below, fromBelow, own))));
            }
        }
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"PeArrayFeed{Config.Groups}x{Config.Tn}";

    /// <summary>The CONV's <see cref="Conv.PadWithZeroPoint"/>.</summary>
    public Bool PadWithZeroPoint { get; }

    /// <summary>The CONV's <see cref="Conv.Exponent"/>: 0 none, 1 the first input's exponent, 2 the second's.</summary>
    public UInt ExponentSlot { get; }

    /// <summary>A term issued this cycle.</summary>
    public Bool Issue { get; }

    /// <summary>It is its pixel's first term.</summary>
    public Bool First { get; }

    /// <summary>It lies inside the input grid (outside: a padding term, nothing read).</summary>
    public Bool Inside { get; }

    /// <summary>Whose row the term reads (<see cref="ConvWalker.Neighbour"/>): each group its own, the group above's or the group below's.</summary>
    public UInt Neighbour { get; }

    /// <summary>The CONV's <see cref="Conv.HaloGroups"/>: where a run of groups, one image, starts and ends.</summary>
    public UInt HaloGroups { get; }

    /// <summary>Every group's row read for the term issued last cycle, at elements g x Tn ...</summary>
    public Vec<SInt> ActData { get; }

    /// <summary>Pulse: a new pad value (LOAD_TABLE <see cref="TableKind.Padding"/>).</summary>
    public Bool PadWrite { get; }

    public SInt PadValue { get; }

    /// <summary>Pulse: new input exponents (LOAD_TABLE <see cref="TableKind.InputExponents"/>).</summary>
    public Bool ExponentWrite { get; }

    public UInt ExponentA { get; }

    public UInt ExponentB { get; }

    /// <summary>The PE groups' activations for the term issued last cycle.</summary>
    public Vec<SInt> Acts { get; }

    /// <summary>The term issued last cycle.</summary>
    public Bool Valid { get; }

    /// <summary>That term was its pixel's first.</summary>
    public Bool Clear { get; }

    public UInt Exponent { get; }
}
