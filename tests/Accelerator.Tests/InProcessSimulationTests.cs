using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Sim;
using DiffAcc.Sim.IrSim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// The machine's blocks with values over 64 bits (instructions, 128-bit AXI data) run in-process
/// in the IR simulator and agree with Verilator on every output word under random stimulus.
/// </summary>
public sealed class InProcessSimulationTests
{
    public static TheoryData<string> Blocks => ["InstructionFetch", "Dispatcher", "LoadEngine", "StoreEngine"];

    private static Module Make(string block) => block switch
    {
        "InstructionFetch" => new InstructionFetch(Presets.Small),
        "Dispatcher" => new Dispatcher(Presets.Small),
        "LoadEngine" => new LoadEngine(Presets.Small),
        _ => new StoreEngine(Presets.Small),
    };

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task A_wide_machine_block_agrees_with_Verilator_in_the_IR_simulator(string block)
    {
        var design = HdlFlow.For(() => Make(block)).Run().ThrowIfFailed();
        Assert.Contains(design.Design.Modules.SelectMany(m => m.AllNets), n => n.Width > 64);
        var verilator = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(verilator).WithStimulus(new RandomStimulus(design.Design, 17)).WithModel(new IrSimulator(design.Design)).WithCycles(3000).RunAsync();
        Assert.True(result.Passed && result.ComparedWords > 0, string.Join("\n", result.Mismatches.Take(5)));
    }
}
