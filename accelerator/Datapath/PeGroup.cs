using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;

namespace DiffAcc.Accelerator.Datapath;

/// <summary>
/// One PE group: Tm x Tn int8 MACs per cycle (Tn input channels into Tm output channels) with
/// int32 accumulation, fully pipelined. Weight <c>Weights[m * Tn + n]</c> multiplies activation
/// <c>Acts[n]</c> into output channel m. With DSP packing, output channels 2j and 2j+1 share the
/// activation in one wide product <c>((w[2j] &lt;&lt; 18) + w[2j+1]) * x</c>; up to seven such products
/// are summed (the DSP48E2 post-adder / cascade) before the lanes are split (docs/numerics.md).
/// The accumulation of inputs presented at cycle t shows in <see cref="Acc"/> at t + <see cref="Latency"/>.
/// </summary>
public sealed class PeGroup : Module
{
    public PeGroup(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int tm = config.Tm, tn = config.Tn;
        Weights = Input(Vec(tm * tn, SInt(8)));
        Acts = Input(Vec(tn, SInt(8)));
        InValid = Input(Bool());
        Clear = Input(Bool());
        Acc = Output(Vec(tm, SInt(config.AccumulatorWidth)));
        OutValid = Output(Bool());

        // Operand registers (DSP48E2 A/B input registers).
        var w = Weights.Select((v, i) => RegNext(v, name: $"w_{i / tn}_{i % tn}")).ToArray();
        var x = Acts.Select((v, n) => RegNext(v, name: $"x_{n}")).ToArray();
        var stages = 1;

        // Products (M register), then the terms each output channel sums.
        var terms = new List<SInt>[tm];
        for (var m = 0; m < tm; m++)
            terms[m] = [];
        if (config.DspPacking)
        {
            for (var pair = 0; pair < tm / 2; pair++)
            {
                var products = Enumerable.Range(0, tn)
                    .Select(n => RegNext(((w[(2 * pair * tn) + n] << PackedMultiply.LaneShift) + w[(((2 * pair) + 1) * tn) + n]) * x[n], name: $"packed_{pair}_{n}"))
                    .ToArray();
                for (var start = 0; start < tn; start += PackedMultiply.MaxTerms)
                {
                    // At most seven packed products per sum: the low 18-bit lane cannot overflow.
                    // Summed as a balanced tree (three adders deep for seven), not a chain of six.
                    var chunk = Balanced(products.Skip(start).Take(PackedMultiply.MaxTerms).ToList());
                    var sum = RegNext(chunk, name: $"chain_{pair}_{start / PackedMultiply.MaxTerms}");
                    var low = sum[PackedMultiply.LaneShift - 1, 0].AsSInt();
                    var borrow = Cat(Lit(0, 1), low.Sign).AsSInt();
                    var high = (sum >> PackedMultiply.LaneShift) + borrow;
                    terms[2 * pair].Add(high);
                    terms[(2 * pair) + 1].Add(low);
                }
            }
            stages += 2;
        }
        else
        {
            for (var m = 0; m < tm; m++)
            {
                for (var n = 0; n < tn; n++)
                    terms[m].Add(RegNext(w[(m * tn) + n] * x[n], name: $"product_{m}_{n}"));
            }
            stages += 1;
        }

        // Adder trees with a register every AdderLevelsPerStage levels.
        var dots = new SInt[tm];
        var treeStages = 0;
        for (var m = 0; m < tm; m++)
            (dots[m], treeStages) = AdderTree(terms[m], config.AdderLevelsPerStage, $"dot_{m}");
        stages += treeStages;

        // valid and clear travel beside the data; only they are reset.
        var valid = InValid;
        var clear = Clear;
        for (var s = 0; s < stages; s++)
        {
            valid = RegNext(valid, reset: 0, name: $"valid_{s}");
            clear = RegNext(clear, name: $"clear_{s}");
        }

        for (var m = 0; m < tm; m++)
        {
            var acc = Reg(SInt(config.AccumulatorWidth), name: $"acc_{m}");
            var dot = dots[m].Width > config.AccumulatorWidth ? dots[m].Truncate(config.AccumulatorWidth) : dots[m].SignExtend(config.AccumulatorWidth);
            var last = clear;
            When(valid, () => When(last, () => acc.Assign(dot)).Otherwise(() => acc.Assign(acc.AddWrap(dot))));
            Acc[m].Assign(acc);
        }
        OutValid.Assign(RegNext(valid, reset: 0, name: "out_valid"));
        Latency = stages + 1;
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"PeGroup{Config.Tm}x{Config.Tn}{(Config.DspPacking ? "Packed" : "")}";

    /// <summary>Cycles from an input to its effect on <see cref="Acc"/>.</summary>
    public int Latency { get; }

    public Vec<SInt> Weights { get; }

    public Vec<SInt> Acts { get; }

    public Bool InValid { get; }

    /// <summary>With <see cref="InValid"/>: this input starts a new sum instead of adding to the last.</summary>
    public Bool Clear { get; }

    public Vec<SInt> Acc { get; }

    public Bool OutValid { get; }

    private static SInt Balanced(List<SInt> terms)
    {
        while (terms.Count > 1)
            terms = [.. Enumerable.Range(0, (terms.Count + 1) / 2).Select(i => 2 * i + 1 < terms.Count ? terms[2 * i] + terms[(2 * i) + 1] : terms[2 * i])];
        return terms[0];
    }

    private (SInt Sum, int Stages) AdderTree(List<SInt> terms, int levelsPerStage, string name)
    {
        var level = terms;
        var levels = 0;
        var stages = 0;
        while (level.Count > 1)
        {
            var next = new List<SInt>();
            for (var i = 0; i < level.Count; i += 2)
                next.Add(i + 1 < level.Count ? level[i] + level[i + 1] : level[i]);
            level = next;
            if (++levels % levelsPerStage == 0 || level.Count == 1)
            {
                level = [.. level.Select((v, i) => RegNext(v, name: $"{name}_s{stages}_{i}"))];
                stages++;
            }
        }
        return (level[0], stages);
    }
}
