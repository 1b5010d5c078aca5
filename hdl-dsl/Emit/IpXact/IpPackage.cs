using System.Globalization;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.IpXact;

/// <summary>How software may access a register of an IP's memory map (IP-XACT's access values).</summary>
public enum IpRegisterAccess
{
    ReadOnly,
    ReadWrite,
    WriteOnly,

    /// <summary>Read-write, where writing 1 to a bit clears it.</summary>
    WriteOneToClear,
}

/// <summary>One 32-bit register of an AXI4-Lite slave's memory map.</summary>
public sealed record IpRegister(string Name, int Offset, IpRegisterAccess Access, string Description);

/// <summary>The kinds of bus interface a packaged IP declares.</summary>
public enum IpInterfaceKind
{
    AxiMaster,
    AxiLiteSlave,
    Interrupt,
}

/// <summary>One declared bus interface: its name, kind and, for a slave, its registers.</summary>
public sealed record IpInterface(string Name, IpInterfaceKind Kind, IReadOnlyList<IpRegister> Registers);

/// <summary>
/// Packages an elaborated design as a Vivado IP: an IP-XACT (IEEE 1685-2009) <c>component.xml</c>
/// whose bus interfaces, port list and register map come from the design, so the IP drops into any
/// block design. Built fluently and immutably, checked when emitted: every port a bus maps must exist
/// with the direction the bus gives it, and every register must fit the slave's address space.
/// <code>
/// IpPackage.Of(design).Identified("example.org", "user", "1.0")
///     .WithAxiLiteSlave("s_axi_control", registers).WithAxiMaster("m_axi_mem").WithInterrupt("irq")
///     .WithFiles(verilogFiles, "constraints/top.xdc").Emit();
/// </code>
/// </summary>
public sealed record IpPackage
{
    private IpPackage(Design design) => Design = design;

    public Design Design { get; }

    public string Vendor { get; private init; } = "user.org";

    public string Library { get; private init; } = "user";

    public string Version { get; private init; } = "1.0";

    public string Description { get; private init; } = "";

    public IReadOnlyList<IpInterface> Interfaces { get; private init; } = [];

    public IReadOnlyList<string> VerilogFiles { get; private init; } = [];

    public string? ConstraintsFile { get; private init; }

    /// <summary>The FPGA families the IP declares support for (Vivado's names).</summary>
    public IReadOnlyList<string> Families { get; private init; } = ["zynquplus"];

    public static IpPackage Of(Design design) => new(design);

    /// <summary>The IP's VLNV: vendor, library and version (the name is the top module's).</summary>
    public IpPackage Identified(string vendor, string library, string version) => this with { Vendor = vendor, Library = library, Version = version };

    public IpPackage Described(string description) => this with { Description = description };

    public IpPackage ForFamilies(params string[] families) => this with { Families = families };

    /// <summary>An AXI4 master whose ports are <c>{prefix}_awaddr</c>, <c>{prefix}_rdata</c>, ... (read-only or write-only allowed).</summary>
    public IpPackage WithAxiMaster(string prefix) => this with { Interfaces = [.. Interfaces, new IpInterface(prefix, IpInterfaceKind.AxiMaster, [])] };

    /// <summary>An AXI4-Lite slave with these 32-bit registers.</summary>
    public IpPackage WithAxiLiteSlave(string prefix, IReadOnlyList<IpRegister> registers) => this with { Interfaces = [.. Interfaces, new IpInterface(prefix, IpInterfaceKind.AxiLiteSlave, registers)] };

    /// <summary>A level-high interrupt output.</summary>
    public IpPackage WithInterrupt(string port) => this with { Interfaces = [.. Interfaces, new IpInterface(port, IpInterfaceKind.Interrupt, [])] };

    /// <summary>The IP's files, relative to the folder that holds component.xml.</summary>
    public IpPackage WithFiles(IReadOnlyList<string> verilog, string? constraints) => this with { VerilogFiles = verilog, ConstraintsFile = constraints };

    /// <summary>The <c>component.xml</c>; throws <see cref="HdlException"/> naming the interface and port when the design does not match.</summary>
    public EmittedFile Emit() => new("component.xml", TemplateText.Render("component.xml.sbn", IpComponentModel.Build(this)));

    internal static string Hex(long value) => "0x" + value.ToString("X", CultureInfo.InvariantCulture);
}
