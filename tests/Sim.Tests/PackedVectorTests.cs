using DiffAcc.Hdl;
using DiffAcc.Sim.Icarus;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// Vec ports of bits print as one packed vector below the top (part-selects inside, one connection per
/// vector): signed lanes read through <c>$signed</c>, slices and sign extensions of a lane select bits
/// of the vector, a vector copied lane for lane prints as one assign. Verilator and Icarus run the
/// printed Verilog against the IR simulator, every output of every cycle.
/// </summary>
public sealed class PackedVectorTests
{
    /// <summary>The ports both test modules have: Vecs of signed, unsigned and Bool lanes, and a scalar or two.</summary>
    private abstract class LanePorts : Module
    {
        protected LanePorts()
        {
            In = Input(Vec(4, SInt(8)));
            Flags = Input(Vec(3, Bool()));
            Shift = Input(UInt(3));
            Out = Output(Vec(4, SInt(8)));
            Wide = Output(Vec(4, SInt(12)));
            Low = Output(Vec(4, UInt(3)));
            Negative = Output(Vec(4, Bool()));
            Chosen = Output(SInt(8));
        }

        public Vec<SInt> In { get; }

        public Vec<Bool> Flags { get; }

        public UInt Shift { get; }

        public Vec<SInt> Out { get; }

        public Vec<SInt> Wide { get; }

        public Vec<UInt> Low { get; }

        public Vec<Bool> Negative { get; }

        public SInt Chosen { get; }
    }

    private sealed class Lanes : LanePorts
    {
        public Lanes()
        {
            for (var i = 0; i < 4; i++)
            {
                // A signed lane in arithmetic, a comparison and an arithmetic shift.
                Out[i].Assign(Hw.Mux(Flags[i % 3], In[i] >> Shift, (In[i] + In[(i + 1) % 4]).Truncate(8)));
                Wide[i].Assign(In[i].SignExtend(12));
                Low[i].Assign(In[i].AsUInt()[4, 2]);
                Negative[i].Assign(In[i] < Hw.SLit(0, 8));
            }
            Chosen.Assign(In.Select(Shift[1, 0]));
        }
    }

    private sealed class Chain : LanePorts
    {
        public Chain()
        {
            Reversed = Output(Vec(4, SInt(8)));
            var first = Instance(new Lanes(), "first");
            var second = Instance(new Lanes(), "second");
            var third = Instance(new Lanes(), "third");
            first.In.ConnectFrom(In);
            first.Flags.ConnectFrom(Flags);
            first.Shift.Assign(Shift);
            // Lane for lane from another instance's vector: one assign of the whole vector.
            second.In.ConnectFrom(first.Out);
            // Lane by lane from expressions: one part-select assign per lane.
            second.Flags.ConnectFrom([first.Negative[0] ^ first.Negative[1], first.Negative[2], ~first.Negative[3]]);
            second.Shift.Assign(Shift);
            Out.ConnectFrom(second.Out);
            Wide.ConnectFrom(second.Wide);
            Low.ConnectFrom(first.Low);
            Negative.ConnectFrom(second.Negative);
            Chosen.Assign((first.Chosen + second.Chosen).Truncate(8));
            // Every lane from the same vector, but in another order: not a copy of the whole.
            third.In.ConnectFrom([first.Out[3], first.Out[2], first.Out[1], first.Out[0]]);
            third.Flags.ConnectFrom(Flags);
            third.Shift.Assign(Shift);
            Reversed.ConnectFrom(third.Out);
        }

        public Vec<SInt> Reversed { get; }
    }

    [Fact]
    public async Task Packed_lanes_agree_with_the_IR_simulator_under_Verilator_and_Icarus()
    {
        var design = await SimulatorsAgree.OnRandomStimulusAsync(() => new Chain(), seed: 11, cycles: 2000);
        var icarus = await IcarusSimulation.Of(design).WithStimulus(new RandomStimulus(design.Design, 12)).WithModel(new IrSimulator(design.Design)).WithCycles(500).RunAsync();
        Assert.True(icarus.Passed && icarus.ComparedWords > 0, string.Join("\n", icarus.Mismatches));

        var lanes = design.Verilog.Single(f => f.Name == "Lanes.v").Text;
        Assert.Contains("input wire [31:0] In,", lanes, StringComparison.Ordinal);
        Assert.Contains("output wire [47:0] Wide,", lanes, StringComparison.Ordinal);
        Assert.Contains("$signed(In[15:8]) <", lanes, StringComparison.Ordinal);
        Assert.DoesNotContain("[7:0] In_0,", lanes, StringComparison.Ordinal);
        var chain = design.Verilog.Single(f => f.Name == "Chain.v").Text;
        // The top keeps one port per lane; its instances take one connection per vector.
        Assert.Contains("input wire signed [7:0] In_0,", chain, StringComparison.Ordinal);
        Assert.Contains(".In(second_In)", chain, StringComparison.Ordinal);
        Assert.Contains("assign second_In = first_Out;", chain, StringComparison.Ordinal);
        Assert.Contains("assign second_Flags[1] = first_Negative[2];", chain, StringComparison.Ordinal);
        Assert.Contains("assign third_In[7:0] = first_Out[31:24];", chain, StringComparison.Ordinal);
        Assert.DoesNotContain("first_In_0;", chain, StringComparison.Ordinal);
    }
}
