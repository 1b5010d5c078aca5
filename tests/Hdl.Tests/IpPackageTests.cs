using System.Xml.Linq;
using DiffAcc.Hdl.Emit.IpXact;
using DiffAcc.Hdl.Emit.Xdc;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Hdl.Tests;

/// <summary>A register slave, a read-only AXI master and an interrupt: the shape of a packaged accelerator.</summary>
public sealed class PackagedPeripheral : Module
{
    public PackagedPeripheral(bool wrongDirection = false)
    {
        Control = Input(AxiLite.Of(6), name: "s_axi_ctrl");
        Memory = Output(Axi4.Of(new Axi4Shape(32, 64, Write: false)), name: "m_axi_mem");
        Irq = wrongDirection ? Input(Bool(), name: "irq") : Output(Bool(), name: "irq");
        var counter = Reg(UInt(8), reset: 0, name: "counter");
        counter.Assign(counter.AddWrap(1));
        Control.AwReady.Assign(true);
        Control.WReady.Assign(true);
        Control.BValid.Assign(false);
        Control.BResp.Assign(0);
        Control.ArReady.Assign(true);
        Control.RValid.Assign(false);
        Control.RData.Assign(counter.Resize(32));
        Control.RResp.Assign(0);
        Memory.Read!.Ar.Payload.AssignIncrementingBurst(counter.Resize(32), Lit(0, 8), Memory.Shape);
        Memory.Read!.Ar.Valid.Assign(false);
        Memory.Read!.R.Ready.Assign(true);
        if (!wrongDirection)
            ((Bool)Irq).Assign(counter == 255);
    }

    public AxiLite Control { get; }

    public Axi4 Memory { get; }

    public Signal Irq { get; }
}

public sealed class IpPackageTests
{
    private static readonly XNamespace Spirit = "http://www.spiritconsortium.org/XMLSchema/SPIRIT/1685-2009";

    private static readonly IReadOnlyList<IpRegister> Registers =
    [
        new("ID", 0x0, IpRegisterAccess.ReadOnly, "identity & version"),
        new("CONTROL", 0x4, IpRegisterAccess.WriteOnly, "bit 0 starts"),
        new("IRQ_STATUS", 0x8, IpRegisterAccess.WriteOneToClear, "write 1 to clear"),
    ];

    private static IpPackage Package(bool wrongDirection = false)
        => IpPackage.Of(HdlFlow.For(() => new PackagedPeripheral(wrongDirection)).Run().ThrowIfFailed().Design)
            .Identified("example.org", "test", "2.1")
            .WithAxiLiteSlave("s_axi_ctrl", Registers).WithAxiMaster("m_axi_mem").WithInterrupt("irq")
            .WithFiles(["rtl/PackagedPeripheral.v"], "constraints/PackagedPeripheral.xdc");

    [Fact]
    public void The_component_maps_every_bus_signal_to_a_port_of_the_top_with_its_direction_and_width()
    {
        var package = Package();
        var xml = XDocument.Parse(package.Emit().Text);
        var ports = package.Design.Top.Ports.ToDictionary(p => p.Name);
        var declared = xml.Descendants(Spirit + "port").ToDictionary(p => p.Element(Spirit + "name")!.Value);
        Assert.Equal(ports.Keys.Order(StringComparer.Ordinal), declared.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, element) in declared)
        {
            var wire = element.Element(Spirit + "wire")!;
            Assert.Equal(ports[name].Kind == Ir.NetKind.Input ? "in" : "out", wire.Element(Spirit + "direction")!.Value);
            var left = wire.Element(Spirit + "vector")?.Element(Spirit + "left")?.Value;
            Assert.Equal(ports[name].Width - 1, left is null ? 0 : int.Parse(left, System.Globalization.CultureInfo.InvariantCulture));
        }
        var buses = xml.Descendants(Spirit + "busInterface").ToDictionary(b => b.Element(Spirit + "name")!.Value);
        Assert.Equal(["clk", "irq", "m_axi_mem", "rst", "s_axi_ctrl"], buses.Keys.Order(StringComparer.Ordinal));
        var physical = buses.Values.SelectMany(b => b.Descendants(Spirit + "physicalPort")).Select(p => p.Element(Spirit + "name")!.Value).ToList();
        Assert.All(physical, p => Assert.Contains(p, ports.Keys));
        Assert.Equal(physical.Count, physical.Distinct().Count());
        Assert.Equal(ports.Count, physical.Count);
        Assert.Equal("ARADDR", buses["m_axi_mem"].Descendants(Spirit + "portMap").First(m => m.Descendants(Spirit + "name").Last().Value == "m_axi_mem_araddr").Descendants(Spirit + "name").First().Value);
        Assert.NotNull(buses["m_axi_mem"].Element(Spirit + "master"));
        Assert.NotNull(buses["s_axi_ctrl"].Element(Spirit + "slave"));
        var clockParameters = buses["clk"].Descendants(Spirit + "parameter").ToDictionary(p => p.Element(Spirit + "name")!.Value, p => p.Element(Spirit + "value")!.Value);
        Assert.Equal("s_axi_ctrl:m_axi_mem", clockParameters["ASSOCIATED_BUSIF"]);
        Assert.Equal("rst", clockParameters["ASSOCIATED_RESET"]);
        Assert.Equal("300000000", clockParameters["FREQ_HZ"]);
        Assert.Equal("ACTIVE_HIGH", buses["rst"].Descendants(Spirit + "value").Single().Value);
        Assert.Equal("64", xml.Descendants(Spirit + "addressSpace").Single().Element(Spirit + "width")!.Value);
    }

    [Fact]
    public void The_register_map_is_the_one_given_with_offsets_access_and_escaped_descriptions()
    {
        var xml = XDocument.Parse(Package().Emit().Text);
        var registers = xml.Descendants(Spirit + "register").Select(r => (
            Name: r.Element(Spirit + "name")!.Value, Offset: r.Element(Spirit + "addressOffset")!.Value, Access: r.Element(Spirit + "access")!.Value,
            Description: r.Element(Spirit + "description")!.Value, Modified: r.Descendants(Spirit + "modifiedWriteValue").SingleOrDefault()?.Value)).ToList();
        Assert.Equal([("ID", "0x0", "read-only", "identity & version", null), ("CONTROL", "0x4", "write-only", "bit 0 starts", null), ("IRQ_STATUS", "0x8", "read-write", "write 1 to clear", "oneToClear")], registers);
        Assert.Equal("reg0", xml.Descendants(Spirit + "addressBlock").Single().Element(Spirit + "name")!.Value);
        Assert.Equal("example.org", xml.Root!.Element(Spirit + "vendor")!.Value);
        Assert.Equal(["rtl/PackagedPeripheral.v", "constraints/PackagedPeripheral.xdc"], xml.Descendants(Spirit + "fileSet").First().Elements(Spirit + "file").Select(f => f.Element(Spirit + "name")!.Value));
    }

    [Fact]
    public void A_port_of_the_wrong_direction_is_refused_with_its_name_and_line()
    {
        var e = Assert.Throws<HdlException>(() => Package(wrongDirection: true).Emit());
        Assert.Contains("interrupt 'irq' must be a 1-bit output", e.Message, StringComparison.Ordinal);
        Assert.Contains("IpPackageTests.cs:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("m_axi_nothing", "no port of PackagedPeripheral starts with 'm_axi_nothing_'")]
    [InlineData("s_axi_ctrl", "port 's_axi_ctrl_awaddr' is an input, but an AXI master makes awaddr an output")]
    public void A_master_that_does_not_match_the_ports_is_refused(string prefix, string message)
    {
        var e = Assert.Throws<HdlException>(() => Package().WithAxiMaster(prefix).Emit());
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registers_outside_the_slave_or_sharing_an_offset_are_refused()
    {
        var design = Package().Design;
        var outside = Assert.Throws<HdlException>(() => IpPackage.Of(design).WithAxiLiteSlave("s_axi_ctrl", [new("FAR", 0x40, IpRegisterAccess.ReadOnly, "")]).Emit());
        Assert.Contains("register FAR at 0x40 is not a 32-bit aligned offset inside the 64-byte space", outside.Message, StringComparison.Ordinal);
        var shared = Assert.Throws<HdlException>(() => IpPackage.Of(design).WithAxiLiteSlave("s_axi_ctrl", [new("A", 4, IpRegisterAccess.ReadOnly, ""), new("B", 4, IpRegisterAccess.ReadOnly, "")]).Emit());
        Assert.Contains("registers A and B of 's_axi_ctrl' share offset 0x4", shared.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_in_system_xdc_leaves_the_clock_to_the_system()
    {
        var design = Package().Design;
        Assert.Contains("create_clock -name sys -period 3.333 [get_ports clk]", XdcEmitter.Emit(design, "xczu9eg-ffvb1156-2-e").Text, StringComparison.Ordinal);
        var inSystem = XdcEmitter.Emit(design, "xczu9eg-ffvb1156-2-e", clocks: false).Text;
        Assert.DoesNotContain("create_clock", inSystem, StringComparison.Ordinal);
        Assert.Contains("Clocks come from the system around this design: clk (sys) at 3.333 ns.", inSystem, StringComparison.Ordinal);
    }
}

/// <summary>Two instances of a leaf inside a middle module, one placed by the middle module and one by the top.</summary>
public sealed class Floorplanned : Module
{
    public Floorplanned(bool placeStranger = false)
    {
        In = Input(UInt(8));
        Out = Output(UInt(8));
        var middle = Instance(new FloorplanMiddle(), "middle");
        middle.In.Assign(In);
        Out.Assign(middle.Out);
        Pblock(middle.Second, ["CLOCKREGION_X2Y0:CLOCKREGION_X3Y1", "DSP48E2_X0Y0:DSP48E2_X1Y23"]);
        if (placeStranger)
            Pblock(new FloorplanLeaf(), ["CLOCKREGION_X0Y0:CLOCKREGION_X0Y0"]); // @mark stranger
    }

    public UInt In { get; }

    public UInt Out { get; }
}

public sealed class FloorplanMiddle : Module
{
    public FloorplanMiddle()
    {
        In = Input(UInt(8));
        Out = Output(UInt(8));
        var first = Instance(new FloorplanLeaf(), "first");
        Second = Instance(new FloorplanLeaf(), "second");
        first.In.Assign(In);
        Second.In.Assign(first.Out);
        Out.Assign(Second.Out);
        Pblock(first, ["CLOCKREGION_X0Y0:CLOCKREGION_X1Y1"]);
    }

    public FloorplanLeaf Second { get; }

    public UInt In { get; }

    public UInt Out { get; }
}

public sealed class FloorplanLeaf : Module
{
    public FloorplanLeaf()
    {
        In = Input(UInt(8));
        Out = Output(UInt(8));
        Out.Assign(RegNext(In));
    }

    public UInt In { get; }

    public UInt Out { get; }
}

public sealed class PblockTests
{
    [Fact]
    public void Each_pblock_names_its_instance_by_the_full_path_and_lists_its_ranges()
    {
        var result = HdlFlow.For(() => new Floorplanned()).Run().ThrowIfFailed();
        Assert.Equal(1, result.Design.Modules.Count(m => m.Name == "FloorplanLeaf"));
        var xdc = result.Xdc!.Text;
        Assert.Contains("""
            create_pblock pblock_middle_second
            add_cells_to_pblock [get_pblocks pblock_middle_second] [get_cells middle/second]
            resize_pblock [get_pblocks pblock_middle_second] -add {CLOCKREGION_X2Y0:CLOCKREGION_X3Y1 DSP48E2_X0Y0:DSP48E2_X1Y23}
            create_pblock pblock_middle_first
            add_cells_to_pblock [get_pblocks pblock_middle_first] [get_cells middle/first]
            resize_pblock [get_pblocks pblock_middle_first] -add {CLOCKREGION_X0Y0:CLOCKREGION_X1Y1}
            """.ReplaceLineEndings("\n"), xdc, StringComparison.Ordinal);
        var paths = result.Design.InstanceTree().Select(t => t.Path).ToHashSet();
        Assert.All(result.Design.Pblocks, p => Assert.Contains(p.InstancePath, paths));
    }

    [Fact]
    public void Placing_a_module_that_is_not_an_instance_names_the_line()
    {
        var e = Assert.Throws<HdlException>(() => HdlFlow.For(() => new Floorplanned(placeStranger: true)).Run());
        Assert.Contains("FloorplanLeaf is not instantiated yet", e.Message, StringComparison.Ordinal);
        Assert.Contains($"IpPackageTests.cs:{SourceMarker.Line("stranger")}:", e.Message, StringComparison.Ordinal);
    }
}
