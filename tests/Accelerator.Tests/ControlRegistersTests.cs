using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Machine;
using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Accelerator.Tests;

/// <summary>
/// The AXI4-Lite slave decodes its whole 4 KB window: the registers answer in the first 256 bytes,
/// and above them reads return 0 and writes change nothing (with 8 decoded bits, 0x110 was CONTROL).
/// </summary>
public sealed class ControlRegistersTests
{
    private sealed class Host(IrSimulator sim, ControlRegisters dut)
    {
        public uint Read(int offset)
        {
            sim.Poke(dut.Bus.ArAddr, (ulong)offset);
            sim.Poke(dut.Bus.ArValid, true);
            sim.Poke(dut.Bus.RReady, true);
            sim.Tick();
            sim.Poke(dut.Bus.ArValid, false);
            sim.Eval();
            Assert.True(sim.Peek(dut.Bus.RValid));
            var value = (uint)sim.Peek(dut.Bus.RData);
            sim.Tick();
            return value;
        }

        public bool Write(int offset, uint value)
        {
            sim.Poke(dut.Bus.AwAddr, (ulong)offset);
            sim.Poke(dut.Bus.AwValid, true);
            sim.Poke(dut.Bus.WData, value);
            sim.Poke(dut.Bus.WStrb, 0xF);
            sim.Poke(dut.Bus.WValid, true);
            sim.Poke(dut.Bus.BReady, true);
            sim.Eval();
            var started = sim.Peek(dut.Start);
            sim.Tick();
            sim.Poke(dut.Bus.AwValid, false);
            sim.Poke(dut.Bus.WValid, false);
            sim.Tick();
            return started;
        }
    }

    /// <summary>The register file of the small preset under the IR simulator, reset, with a host on its bus.</summary>
    private static (IrSimulator Sim, ControlRegisters Dut, Host Host) AfterReset()
    {
        ControlRegisters? dut = null;
        var design = HdlFlow.For(() => dut = new ControlRegisters(Presets.Small)).Run().ThrowIfFailed();
        var sim = new IrSimulator(design.Design);
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        return (sim, dut!, new Host(sim, dut!));
    }

    [Fact]
    public void Registers_answer_in_the_first_256_bytes_and_the_rest_of_the_window_reads_zero_and_ignores_writes()
    {
        var (sim, dut, host) = AfterReset();

        Assert.Equal(RegisterMap.Magic | (uint)RegisterMap.Version, host.Read(RegisterMap.Id.Offset));
        Assert.Equal(RegisterMap.WindowBytes, 1 << dut.Bus.ArAddr.Width);
        foreach (var alias in new[] { 0x100, 0x800, RegisterMap.WindowBytes - RegisterMap.FileBytes })
            Assert.Equal(0u, host.Read(alias + RegisterMap.Id.Offset));

        host.Write(RegisterMap.StepGroup.Offset + 0x100, 1);
        Assert.Equal(0u, host.Read(RegisterMap.StepGroup.Offset));
        Assert.False(host.Write(RegisterMap.Control.Offset + 0x100, 1));
        Assert.Equal(0u, host.Read(RegisterMap.Status.Offset) & 1);
        Assert.True(host.Write(RegisterMap.Control.Offset, 1));
        Assert.Equal(1u, host.Read(RegisterMap.Status.Offset) & 1);
    }

    [Fact]
    public void Start_clears_the_interrupt_an_earlier_program_left()
    {
        var (sim, dut, host) = AfterReset();
        host.Write(RegisterMap.InterruptEnable.Offset, 1);
        Assert.True(host.Write(RegisterMap.Control.Offset, 1));
        // The program ends (the end is registered on its way in); nobody clears its interrupt.
        sim.Poke(dut.End, true);
        sim.Tick();
        sim.Poke(dut.End, false);
        sim.Tick();
        sim.Eval();
        Assert.True(sim.Peek(dut.Interrupt));
        Assert.Equal(1u, host.Read(RegisterMap.InterruptStatus.Offset));
        // The next START: the stale interrupt is gone, so only this program's end raises it again.
        Assert.True(host.Write(RegisterMap.Control.Offset, 1));
        Assert.Equal(0u, host.Read(RegisterMap.InterruptStatus.Offset));
        sim.Eval();
        Assert.False(sim.Peek(dut.Interrupt));
    }
}
