using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl.Emit;
using DiffAcc.Hdl.Emit.IpXact;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Accelerator.Vivado;

/// <summary>
/// DiffAccTop as a Vivado IP: its VLNV, its bus interfaces (the AXI4-Lite register slave with the
/// register map of <see cref="RegisterMap"/>, the two AXI4 masters to DDR, the interrupt) and files.
/// The block design and the host refer to it through the names defined here.
/// </summary>
public static class AcceleratorIp
{
    public const string Vendor = "diffacc.org";

    public const string Library = "diffacc";

    public const string Version = "1.0";

    public const string ControlBus = "s_axi_control";

    /// <summary>The AXI4 masters, each to its own high-performance port of the processing system.</summary>
    public static IReadOnlyList<string> Masters(AcceleratorConfig config) => ["m_axi_data", .. Enumerable.Range(0, config.WeightPorts).Select(Machine.DiffAccTop.WeightMaster)];

    public const string Interrupt = "irq";

    /// <summary>Where the block design maps the registers in the A53's address space (the M_AXI_HPM0_FPD window).</summary>
    public const long ControlAddress = 0xA000_0000;

    /// <summary>The size of that mapping: the smallest the address editor assigns.</summary>
    public const long ControlRange = Isa.RegisterMap.WindowBytes;

    public static string Vlnv(Design design) => $"{Vendor}:{Library}:{design.Top.Name}:{Version}";

    public static IReadOnlyList<IpRegister> Registers { get; } = [.. RegisterMap.All.Select(r => new IpRegister(r.Name, r.Offset, r.Access switch
    {
        RegisterAccess.ReadOnly => IpRegisterAccess.ReadOnly,
        RegisterAccess.WriteOnly => IpRegisterAccess.WriteOnly,
        RegisterAccess.WriteOneToClear => IpRegisterAccess.WriteOneToClear,
        _ => IpRegisterAccess.ReadWrite,
    }, r.Meaning))];

    /// <summary>component.xml for the design, its files named relative to the IP folder.</summary>
    public static EmittedFile Component(AcceleratorConfig config, Design design, IReadOnlyList<string> verilog, string constraints)
    {
        var package = IpPackage.Of(design).Identified(Vendor, Library, Version)
            .Described($"Diff-Acc int8 diffusion accelerator ({config.Name}: {config.Groups} PE groups of {config.Tm} x {config.Tn} MACs, {config.ClockMHz:0.#} MHz)")
            .WithAxiLiteSlave(ControlBus, Registers)
            .WithInterrupt(Interrupt)
            .WithFiles(verilog, constraints);
        return Masters(config).Aggregate(package, (p, m) => p.WithAxiMaster(m)).Emit();
    }
}
