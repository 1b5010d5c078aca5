using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Datapath;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;
using DiffAcc.Sim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// The whole datapath under Verilator with the test as its controller: two groups share the
/// broadcast weights and each works on its own activations; sums drain into the accumulator
/// banks and are requantized with step-group tables. Every output is compared with the golden.
/// </summary>
public sealed class DatapathCosimTests
{
    private const int Pixels = 24, Terms = 5, StepGroup = 1;
    private static readonly AcceleratorConfig Config = Presets.Small;

    private sealed class Controller : IStimulus, ICycleObserver
    {
        private readonly List<Action<ulong[]>> steps = [];
        private readonly PortLayout ports;

        public Controller(PortLayout ports, sbyte[,,,] acts, sbyte[,] weights, RequantParameters[] requant, int latency)
        {
            this.ports = ports;
            int g = Config.Groups, tm = Config.Tm, tn = Config.Tn;
            Step(r => Set(r, "rst", 1));
            Step(r => Set(r, "rst", 1));
            for (var group = 0; group < g; group++)
            {
                for (var p = 0; p < Pixels; p++)
                {
                    for (var t = 0; t < Terms; t++)
                    {
                        var (gg, pp, tt) = (group, p, t);
                        Step(r =>
                        {
                            Set(r, "ActWrite", 1);
                            Set(r, "ActWriteGroup", gg);
                            Set(r, "ActWriteLanes", (1L << tn) - 1);
                            Set(r, "ActWriteAddress", (pp * Terms) + tt);
                            for (var n = 0; n < tn; n++)
                                Set(r, $"ActWriteData_{n}", acts[gg, pp, tt, n]);
                        });
                    }
                }
            }
            for (var t = 0; t < Terms; t++)
            {
                var tt = t;
                Step(r =>
                {
                    Set(r, "WeightWrite", 1);
                    Set(r, "WeightWriteAddress", tt);
                    for (var i = 0; i < tm * tn; i++)
                        Set(r, $"WeightWriteData_{i}", weights[tt, i]);
                });
            }
            Step(r => Set(r, "WeightFillDone", 1));
            for (var m = 0; m < tm; m++)
            {
                var mm = m;
                Step(r =>
                {
                    Set(r, "Table_Write", 1);
                    Set(r, "Table_Lane", mm);
                    Set(r, "Table_StepGroup", StepGroup);
                    Set(r, "Table_ChannelBlock", 0);
                    Set(r, "Table_Bias", requant[mm].Bias);
                    Set(r, "Table_Multiplier", requant[mm].Multiplier);
                    Set(r, "Table_Shift", requant[mm].Shift);
                });
            }
            // Terms back to back; each pixel's sum is drained on the one cycle the accumulators hold it.
            var start = steps.Count;
            var total = Pixels * Terms;
            for (var i = 0; i < total + latency + 4; i++)
                Step(_ => { });
            for (var i = 0; i < total; i++)
            {
                var (p, t) = (i / Terms, i % Terms);
                Add(start + i, r =>
                {
                    Set(r, "TermValid", 1);
                    Set(r, "TermFirst", t == 0 ? 1 : 0);
                    Set(r, "ActReadAddress", (p * Terms) + t);
                    Set(r, "WeightReadAddress", t);
                });
                if (t == Terms - 1)
                {
                    Add(start + i + 1 + latency, r =>
                    {
                        Set(r, "Drain", 1);
                        Set(r, "DrainFirst", 1);
                        Set(r, "DrainRow", p);
                    });
                }
            }
            for (var p = 0; p < Pixels; p++)
            {
                var pp = p;
                Step(r =>
                {
                    Set(r, "Requantize", 1);
                    Set(r, "RequantizeRow", pp);
                    Set(r, "ChannelBlock", 0);
                    Set(r, "StepGroup", StepGroup);
                });
            }
            for (var i = 0; i < 10; i++)
                Step(_ => { });
        }

        public List<sbyte[]>[] Outputs { get; } = [.. Enumerable.Range(0, Config.Groups).Select(_ => new List<sbyte[]>())];

        public int Length => steps.Count;

        public void Fill(long cycle, Span<ulong> inputs)
        {
            var record = new ulong[inputs.Length];
            steps[(int)cycle](record);
            record.CopyTo(inputs);
        }

        public void Observe(long cycle, ReadOnlySpan<ulong> inputs, ReadOnlySpan<ulong> outputs)
        {
            for (var g = 0; g < Config.Groups; g++)
            {
                if (outputs[ports.Output($"OutValid_{g}").Offset] == 0)
                    continue;
                var pixel = new sbyte[Config.Tm];
                for (var m = 0; m < Config.Tm; m++)
                    pixel[m] = (sbyte)outputs[ports.Output($"Quantized_{(g * Config.Tm) + m}").Offset];
                Outputs[g].Add(pixel);
            }
        }

        private void Step(Action<ulong[]> action) => steps.Add(action);

        private void Add(int cycle, Action<ulong[]> action)
        {
            var before = steps[cycle];
            steps[cycle] = r => { before(r); action(r); };
        }

        private void Set(ulong[] r, string name, long value) => r[ports.Input(name).Offset] = (ulong)value & ((1UL << ports.Input(name).Width) - 1);
    }

    [Fact]
    public async Task Two_groups_share_the_weights_and_requantize_their_own_sums()
    {
        var random = new Random(21);
        int g = Config.Groups, tm = Config.Tm, tn = Config.Tn;
        var acts = new sbyte[g, Pixels, Terms, tn];
        var weights = new sbyte[Terms, tm * tn];
        foreach (var (a, p, t, n) in from a in Enumerable.Range(0, g) from p in Enumerable.Range(0, Pixels) from t in Enumerable.Range(0, Terms) from n in Enumerable.Range(0, tn) select (a, p, t, n))
            acts[a, p, t, n] = (sbyte)(p == 7 ? -128 : random.Next(-128, 128));
        foreach (var (t, i) in from t in Enumerable.Range(0, Terms) from i in Enumerable.Range(0, tm * tn) select (t, i))
            weights[t, i] = (sbyte)random.Next(-128, 128);
        var requant = Enumerable.Range(0, tm).Select(m => RequantParameters.FromScale(60.0 / (Math.Sqrt(Terms * tn) * 5500), random.Next(-2000, 2000))).ToArray();

        PeGroup? probe = null;
        _ = HdlFlow.For(() => probe = new PeGroup(Config)).Run();
        var design = HdlFlow.For(() => new DiffAccDatapath(Config)).Run();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var controller = new Controller(model.Layout, acts, weights, requant, probe!.Latency);
        await Cosimulation.Of(model).WithStimulus(controller).WithObserver(controller).WithCycles(controller.Length).RunAsync();

        for (var group = 0; group < g; group++)
        {
            Assert.Equal(Pixels, controller.Outputs[group].Count);
            for (var p = 0; p < Pixels; p++)
            {
                var expected = new sbyte[tm];
                for (var m = 0; m < tm; m++)
                {
                    var dot = 0;
                    for (var t = 0; t < Terms; t++)
                    {
                        for (var n = 0; n < tn; n++)
                            dot += weights[t, (m * tn) + n] * acts[group, p, t, n];
                    }
                    expected[m] = Requantization.Apply(dot, requant[m]);
                }
                Assert.True(expected.AsSpan().SequenceEqual(controller.Outputs[group][p]), $"group {group} pixel {p}: expected [{string.Join(",", expected)}] got [{string.Join(",", controller.Outputs[group][p])}]");
            }
        }
    }
}
