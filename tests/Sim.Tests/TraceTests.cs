using DiffAcc.Hdl;
using DiffAcc.Hdl.Examples;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Regression;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Tests;

public sealed class TraceTests
{
    [Fact]
    public async Task A_traced_run_writes_a_VCD_with_the_top_level_signals_and_their_simulated_values()
    {
        const int cycles = 40;
        var design = HdlFlow.For(() => new MacArray(2, 2)).Run();
        var model = await VerilatorBuild.For(design).WithTrace().BuildAsync();
        var vcd = Path.Combine(Directory.CreateTempSubdirectory("diffacc-trace-").FullName, "mac.vcd");
        var result = await Cosimulation.Of(model).WithStimulus(new MacArrayStimulus(2, 2, 9)).WithModel(new MacArrayModel(2, 2)).WithCycles(cycles).WithTrace(vcd).RunAsync();
        Assert.True(result.Passed);

        // The model's outputs cycle by cycle are what the trace must show at times 10n (inputs applied, clock low).
        var golden = new MacArrayModel(2, 2);
        var stimulus = new MacArrayStimulus(2, 2, 9);
        var inputs = new ulong[model.Layout.InputWords];
        var outputs = new ulong[model.Layout.OutputWords];
        var expected = new List<ulong>();
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            stimulus.Fill(cycle, inputs);
            golden.Step(inputs, outputs);
            expected.Add(outputs[model.Layout.Output("Accs_3").Offset]);
        }

        var trace = Vcd.Read(vcd, "TOP");
        foreach (var signal in new[] { "clk", "Acts_0", "Acts_1", "Weights_0", "Clear", "Accs_3", "ActsOut_1", "WeightsOut_0" })
            Assert.Contains(signal, trace.Signals);
        for (var cycle = 0; cycle < cycles; cycle++)
            Assert.Equal(expected[cycle], trace.ValueAt("Accs_3", 10 * cycle));
        Assert.Equal(0UL, trace.ValueAt("clk", 10 * 7));
        Assert.Equal(1UL, trace.ValueAt("clk", (10 * 7) + 5));
    }

    [Fact]
    public void The_GTKWave_save_file_groups_signals_by_instance()
    {
        var design = HdlFlow.For(() => new MacArray(2, 2)).Run().ThrowIfFailed().Design;
        var text = GtkWaveSaveFile.For(design, "/tmp/mac.vcd");
        Assert.Contains("[dumpfile] \"/tmp/mac.vcd\"", text);
        Assert.Contains("-MacArray2x2\n", text);
        Assert.Contains("-pe_1_1\n", text);
        Assert.Contains("TOP.MacArray2x2.pe_1_1.acc[31:0]", text);
        Assert.Contains("TOP.MacArray2x2.Accs_3[31:0]", text);
    }

    private sealed class LaneChild : Module
    {
        public LaneChild()
        {
            In = Input(Vec(2, UInt(4)));
            Out = Output(Vec(2, UInt(4)));
            Out.ConnectFrom([In[1], In[0]]);
        }

        public Vec<UInt> In { get; }

        public Vec<UInt> Out { get; }
    }

    private sealed class LaneParent : Module
    {
        public LaneParent()
        {
            A = Input(Vec(2, UInt(4)));
            B = Output(Vec(2, UInt(4)));
            var child = Instance(new LaneChild(), "child");
            child.In.ConnectFrom(A);
            B.ConnectFrom(child.Out);
        }

        public Vec<UInt> A { get; }

        public Vec<UInt> B { get; }
    }

    [Fact]
    public async Task The_save_file_names_a_childs_packed_Vec_ports_as_the_VCD_has_them()
    {
        var design = HdlFlow.For(() => new LaneParent()).Run().ThrowIfFailed();
        var model = await VerilatorBuild.For(design).WithTrace().BuildAsync();
        var vcd = Path.Combine(Directory.CreateTempSubdirectory("diffacc-trace-").FullName, "lanes.vcd");
        var result = await Cosimulation.Of(model).WithStimulus(new RandomStimulus(design.Design, 3)).WithModel(new IrSimulator(design.Design)).WithCycles(20).WithTrace(vcd).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches));
        var text = GtkWaveSaveFile.For(design.Design, vcd);
        Assert.Contains("TOP.LaneParent.child.In[7:0]", text, StringComparison.Ordinal);
        Assert.Contains("TOP.LaneParent.A_0[3:0]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("child.In_0", text, StringComparison.Ordinal);
        // Every signal the save file lists for the child is in the VCD's scope of the child.
        var child = Vcd.Read(vcd, "TOP.LaneParent.child");
        var listed = text.Split('\n').Where(l => l.StartsWith("TOP.LaneParent.child.", StringComparison.Ordinal)).Select(l => l["TOP.LaneParent.child.".Length..].Split('[')[0]).ToList();
        Assert.Equal(["In", "Out"], listed);
        Assert.All(listed, name => Assert.Contains(name, child.Signals));
    }

    /// <summary>Just enough of a VCD reader for the test: the signals of one scope and their value changes.</summary>
    private sealed class Vcd
    {
        private readonly Dictionary<string, List<(long Time, ulong Value)>> changes = [];

        public HashSet<string> Signals { get; } = [];

        public ulong ValueAt(string signal, long time) => changes[signal].Last(c => c.Time <= time).Value;

        public static Vcd Read(string path, string scope)
        {
            var vcd = new Vcd();
            var ids = new Dictionary<string, string>();
            var scopes = new List<string>();
            long time = 0;
            foreach (var line in File.ReadLines(path))
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 0)
                    continue;
                switch (words[0])
                {
                    case "$scope":
                        scopes.Add(words[2]);
                        break;
                    case "$upscope":
                        scopes.RemoveAt(scopes.Count - 1);
                        break;
                    case "$var" when string.Join(".", scopes) == scope && !ids.ContainsKey(words[3]):
                        ids[words[3]] = words[4];
                        vcd.Signals.Add(words[4]);
                        vcd.changes[words[4]] = [];
                        break;
                    default:
                        if (line.StartsWith('#'))
                            time = long.Parse(line[1..], System.Globalization.CultureInfo.InvariantCulture);
                        else if (line.StartsWith('b') && ids.TryGetValue(words[1], out var vector))
                            vcd.changes[vector].Add((time, Convert.ToUInt64(words[0][1..], 2)));
                        else if (line[0] is '0' or '1' && ids.TryGetValue(line[1..], out var bit))
                            vcd.changes[bit].Add((time, (ulong)(line[0] - '0')));
                        break;
                }
            }
            return vcd;
        }
    }
}
