using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Tests;

/// <summary>The differential check the tests share: a design under Verilator and under the IR simulator on the same random stimulus, every output of every cycle compared.</summary>
internal static class SimulatorsAgree
{
    public static async Task<HdlResult> OnRandomStimulusAsync(Func<Module> top, int seed, long cycles)
    {
        var design = HdlFlow.For(top).Run().ThrowIfFailed();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model).WithStimulus(new RandomStimulus(design.Design, seed)).WithModel(new IrSimulator(design.Design)).WithCycles(cycles).RunAsync();
        Assert.True(result.Passed && result.ComparedWords > 0, string.Join("\n", result.Mismatches));
        return design;
    }
}
