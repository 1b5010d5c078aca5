using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Datapath;
using DiffAcc.Accelerator.Goldens;
using DiffAcc.Hdl;
using DiffAcc.Model.Numerics;
using DiffAcc.Sim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// The convolution tile under Verilator: loads activations, weights and requantization tables
/// through its ports, runs a layer, and every output pixel is compared with the golden convolution.
/// </summary>
public sealed class ConvTileTests
{
    private static readonly AcceleratorConfig Config = Presets.Small with { Groups = 1, Tm = 8, Tn = 8, MaxChannels = 32, StepGroups = 4 };
    private const int StepGroup = 2;

    /// <summary>Drives the load phase, the start pulse and then idles; built from a layer and its data.</summary>
    private sealed class Program(ConvLayer layer, sbyte[,,] input, sbyte[,,,] weights, RequantParameters[] requant, PortLayout ports) : IStimulus, ICycleObserver
    {
        private readonly List<Action<ulong[]>> steps = Build(layer, input, weights, requant, ports);

        public List<sbyte[]> Outputs { get; } = [];

        public long DoneAt { get; private set; } = -1;

        public int Length => steps.Count;

        public void Fill(long cycle, Span<ulong> inputs)
        {
            var record = new ulong[inputs.Length];
            if (cycle < steps.Count)
                steps[(int)cycle](record);
            record.CopyTo(inputs);
        }

        public void Observe(long cycle, ReadOnlySpan<ulong> inputs, ReadOnlySpan<ulong> outputs)
        {
            if (outputs[ports.Output("OutValid").Offset] != 0)
            {
                var pixel = new sbyte[Config.Tm];
                for (var m = 0; m < Config.Tm; m++)
                    pixel[m] = (sbyte)outputs[ports.Output($"Out_{m}").Offset];
                Outputs.Add(pixel);
            }
            if (outputs[ports.Output("Done").Offset] != 0)
                DoneAt = cycle;
        }

        private static List<Action<ulong[]>> Build(ConvLayer layer, sbyte[,,] input, sbyte[,,,] weights, RequantParameters[] requant, PortLayout ports)
        {
            int tm = Config.Tm, tn = Config.Tn, cinBlocks = layer.InChannels / tn, coutBlocks = layer.OutChannels / tm, taps = layer.Kernel * layer.Kernel;
            void Set(ulong[] r, string name, long value) => r[ports.Input(name).Offset] = (ulong)value & ((1UL << ports.Input(name).Width) - 1);
            var steps = new List<Action<ulong[]>> { r => Set(r, "rst", 1), r => Set(r, "rst", 1) };
            for (var y = 0; y < layer.Height; y++)
            {
                for (var x = 0; x < layer.Width; x++)
                {
                    for (var cb = 0; cb < cinBlocks; cb++)
                    {
                        var (yy, xx, b) = (y, x, cb);
                        steps.Add(r =>
                        {
                            Set(r, "ActWrite", 1);
                            Set(r, "ActAddress", (((yy * layer.Width) + xx) * cinBlocks) + b);
                            for (var n = 0; n < tn; n++)
                                Set(r, $"ActData_{n}", input[(b * tn) + n, yy, xx]);
                        });
                    }
                }
            }
            for (var ob = 0; ob < coutBlocks; ob++)
            {
                for (var tap = 0; tap < taps; tap++)
                {
                    for (var cb = 0; cb < cinBlocks; cb++)
                    {
                        var (o, t, b) = (ob, tap, cb);
                        steps.Add(r =>
                        {
                            Set(r, "WeightWrite", 1);
                            Set(r, "WeightAddress", (((o * taps) + t) * cinBlocks) + b);
                            for (var m = 0; m < tm; m++)
                            {
                                for (var n = 0; n < tn; n++)
                                    Set(r, $"WeightData_{(m * tn) + n}", weights[(o * tm) + m, (b * tn) + n, t / layer.Kernel, t % layer.Kernel]);
                            }
                        });
                    }
                }
            }
            steps.Add(r => Set(r, "WeightFillDone", 1));
            for (var co = 0; co < layer.OutChannels; co++)
            {
                var c = co;
                steps.Add(r =>
                {
                    Set(r, "Table_Write", 1);
                    Set(r, "Table_Lane", c % tm);
                    Set(r, "Table_StepGroup", StepGroup);
                    Set(r, "Table_ChannelBlock", c / tm);
                    Set(r, "Table_Bias", requant[c].Bias);
                    Set(r, "Table_Multiplier", requant[c].Multiplier);
                    Set(r, "Table_Shift", requant[c].Shift);
                });
            }
            steps.Add(r =>
            {
                Set(r, "Start", 1);
                Set(r, "Height", layer.Height);
                Set(r, "Width", layer.Width);
                Set(r, "CinBlocks", cinBlocks);
                Set(r, "CoutBlocks", coutBlocks);
                Set(r, "Kernel3x3", layer.Kernel3x3 ? 1 : 0);
                Set(r, "Stride2", layer.Stride2 ? 1 : 0);
                Set(r, "StepGroup", StepGroup);
            });
            // The layer parameters stay on the ports while the tile runs.
            var hold = steps[^1];
            var compute = layer.OutHeight * layer.OutWidth * coutBlocks * taps * cinBlocks;
            for (var i = 0; i < compute + 40; i++)
                steps.Add(r => { hold(r); Set(r, "Start", 0); });
            return steps;
        }
    }

    public static TheoryData<string, bool, bool> Layers => new()
    {
        { "3x3 stride 1", true, false },
        { "3x3 stride 2", true, true },
        { "1x1 stride 1", false, false },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task A_16x16x32_to_32_convolution_matches_the_golden(string name, bool kernel3x3, bool stride2)
    {
        var layer = new ConvLayer(16, 16, 32, 32, kernel3x3, stride2);
        var random = new Random(name.Length * 31);
        var input = new sbyte[32, 16, 16];
        var weights = new sbyte[32, 32, 3, 3];
        foreach (var (c, y, x) in from c in Enumerable.Range(0, 32) from y in Enumerable.Range(0, 16) from x in Enumerable.Range(0, 16) select (c, y, x))
            input[c, y, x] = (sbyte)(y == 3 ? -128 : random.Next(-128, 128));
        foreach (var (o, i, ky, kx) in from o in Enumerable.Range(0, 32) from i in Enumerable.Range(0, 32) from ky in Enumerable.Range(0, 3) from kx in Enumerable.Range(0, 3) select (o, i, ky, kx))
            weights[o, i, ky, kx] = (sbyte)(o == 5 ? 127 : o == 6 ? -128 : random.Next(-128, 128));
        var requant = Enumerable.Range(0, 32).Select(co => co switch
        {
            0 => new RequantParameters(0, 65535, 0),       // saturates
            1 => new RequantParameters(12345, 1, 1),       // ties
            _ => RequantParameters.FromScale(40.0 / (Math.Sqrt(32 * (kernel3x3 ? 9 : 1)) * 5500), random.Next(-5000, 5000)), // outputs spread over the int8 range
        }).ToArray();

        var tile = HdlFlow.For(() => new ConvTile(Config.Validated(), 16, 16, 4, 4)).Run();
        var model = await VerilatorBuild.For(tile).BuildAsync();
        var program = new Program(layer, input, weights, requant, model.Layout);
        var result = await Cosimulation.Of(model).WithStimulus(program).WithObserver(program).WithCycles(program.Length).RunAsync();
        Assert.True(result.Cycles == program.Length);

        var expected = ConvolutionGolden.Run(layer, input, weights, requant, Config.Tm);
        Assert.True(program.DoneAt > 0, $"{name}: Done never rose");
        Assert.Equal(expected.Count, program.Outputs.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(expected[i].AsSpan().SequenceEqual(program.Outputs[i]), $"{name}: pixel {i}: expected [{string.Join(",", expected[i])}] got [{string.Join(",", program.Outputs[i])}]");
        Assert.Contains(expected, p => p.Contains((sbyte)127) || p.Contains((sbyte)-128));
        Assert.True(expected.SelectMany(p => p.Skip(2)).Distinct().Count() > 100, "the outputs should spread over the int8 range");
    }
}
