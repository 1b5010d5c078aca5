using System.Globalization;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl.Emit;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Accelerator.Vivado;

/// <summary>
/// The accelerator on a ZCU102: the block design (<c>bd.tcl</c>: the Zynq UltraScale+ processing
/// system with the board preset, the accelerator IP, its masters on S_AXI_HP ports at 128 bits, its
/// registers on M_AXI_HPM0_FPD at a fixed address, pl_clk0 at the configured frequency,
/// proc_sys_reset, the interrupt on pl_ps_irq0) and the project script (<c>system.tcl</c>) that
/// builds it to a bitstream and a hardware platform (.xsa) for the host's Linux.
/// </summary>
public static class Zcu102System
{
    public const string Board = "xilinx.com:zcu102:part0:*";

    public const string BlockDesign = "diffacc";

    /// <summary>
    /// The processing system's slave port of each accelerator master: the data master on S_AXI_HP0, the
    /// weights masters on HP1 to HP3, and a fourth on S_AXI_HPC0 (its transactions are not marked
    /// shareable, so the CCI passes them to the DDR without snooping the caches).
    /// </summary>
    public static IReadOnlyList<PsSlavePort> MasterPorts(AcceleratorConfig config) => [.. AcceleratorIp.Masters(config).Select((m, i) => new PsSlavePort(m, SlavePorts[i].Port, SlavePorts[i].Gp))];

    // The PS configuration numbers its slave ports S_AXI_GP0 (HPC0), GP1 (HPC1), GP2 to GP5 (HP0 to HP3).
    private static readonly (string Port, int Gp)[] SlavePorts = [("HP0", 2), ("HP1", 3), ("HP2", 4), ("HP3", 5), ("HPC0", 0)];

    public static EmittedFile BlockDesignScript(AcceleratorConfig config, Design design) => new("bd.tcl", TemplateText.Render("bd.tcl.sbn", new
    {
        Design = BlockDesign,
        Vlnv = AcceleratorIp.Vlnv(design),
        Top = design.Top.Name,
        Clock = design.Domains.Single().ClockPort,
        Reset = design.Domains.Single().ResetPort,
        ClockMhz = config.ClockMHz.ToString("0.###", CultureInfo.InvariantCulture),
        Control = AcceleratorIp.ControlBus,
        ControlAddress = $"0x{AcceleratorIp.ControlAddress:X8}",
        ControlRange = $"0x{AcceleratorIp.ControlRange:X8}",
        AcceleratorInterrupt = AcceleratorIp.Interrupt,
        Masters = MasterPorts(config).Select(m => new { Name = m.Master, Port = m.Port, Gp = m.Gp }).ToList(),
    }, typeof(Zcu102System).Assembly));

    /// <summary>The interrupt pl_ps_irq0[0] as the A53s' GIC numbers it (shared peripheral interrupt 89, IRQ 121).</summary>
    public const int InterruptSpi = 89;

    /// <summary>The DMA window the overlay's u-dma-buf allocates (the CIFAR UNet's program, image and work regions fit).</summary>
    public const long DmaBytes = 256L << 20;

    /// <summary>
    /// The device-tree overlay (<c>diffacc.dtso</c>) that goes with the bitstream: the fpga-manager
    /// firmware and pl_clk0's rate, the registers and interrupt as a generic-uio node, and the DMA
    /// window as a u-dma-buf buffer.
    /// </summary>
    public static EmittedFile DeviceTreeOverlay(AcceleratorConfig config, Design design) => new($"{BlockDesign}.dtso", TemplateText.Render("diffacc.dtso.sbn", new
    {
        Design = BlockDesign,
        Top = design.Top.Name,
        ClockHz = ((long)Math.Round(config.ClockMHz * 1e6)).ToString(CultureInfo.InvariantCulture),
        ControlAddressHex = AcceleratorIp.ControlAddress.ToString("x", CultureInfo.InvariantCulture),
        ControlAddressText = $"0x{AcceleratorIp.ControlAddress:X8}",
        ControlAddressCell = $"0x{AcceleratorIp.ControlAddress:x}",
        ControlRangeCell = $"0x{AcceleratorIp.ControlRange:x}",
        ControlRangeText = $"{AcceleratorIp.ControlRange / 1024} KB",
        Spi = InterruptSpi,
        Udmabuf = "udmabuf0",
        DmaBytesCell = $"0x{DmaBytes:x}",
    }, typeof(Zcu102System).Assembly));

    public static EmittedFile ProjectScript(AcceleratorConfig config, Design design) => new("system.tcl", TemplateText.Render("system.tcl.sbn", new
    {
        Design = BlockDesign,
        Part = config.Part.Name,
        Board,
        Top = design.Top.Name,
    }, typeof(Zcu102System).Assembly));
}

/// <summary>An accelerator master and the processing system's slave port it reaches DDR through: <c>S_AXI_{Port}_FPD</c>, clocked by <c>saxi{port}_fpd_aclk</c>, S_AXI_GP{Gp} in the PS's configuration.</summary>
public sealed record PsSlavePort(string Master, string Port, int Gp);
