using System.Globalization;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.IpXact;

/// <summary>
/// Everything component.xml.sbn prints, decided and checked here: each bus interface's port map
/// (logical AXI names from the physical ports' suffixes), the clock and reset interfaces of every
/// domain with the buses they time, the slave's address block and the masters' address spaces.
/// </summary>
internal static class IpComponentModel
{
    // AXI4 logical signals (Xilinx aximm_rtl) a master drives; the rest it receives.
    private static readonly HashSet<string> MasterDriven = ["AWADDR", "AWLEN", "AWSIZE", "AWBURST", "AWCACHE", "AWPROT", "AWVALID", "WDATA", "WSTRB", "WLAST", "WVALID", "BREADY", "ARADDR", "ARLEN", "ARSIZE", "ARBURST", "ARCACHE", "ARPROT", "ARVALID", "RREADY", "AWID", "ARID", "AWLOCK", "ARLOCK", "AWQOS", "ARQOS"];

    private static readonly HashSet<string> SlaveDriven = ["AWREADY", "WREADY", "BRESP", "BVALID", "ARREADY", "RDATA", "RRESP", "RLAST", "RVALID", "BID", "RID"];

    private static readonly string[] LiteRequired = ["AWADDR", "AWVALID", "AWREADY", "WDATA", "WSTRB", "WVALID", "WREADY", "BRESP", "BVALID", "BREADY", "ARADDR", "ARVALID", "ARREADY", "RDATA", "RRESP", "RVALID", "RREADY"];

    private static readonly string[] ReadRequired = ["ARADDR", "ARLEN", "ARSIZE", "ARBURST", "ARVALID", "ARREADY", "RDATA", "RRESP", "RLAST", "RVALID", "RREADY"];

    private static readonly string[] WriteRequired = ["AWADDR", "AWLEN", "AWSIZE", "AWBURST", "AWVALID", "AWREADY", "WDATA", "WSTRB", "WLAST", "WVALID", "WREADY", "BRESP", "BVALID", "BREADY"];

    public static object Build(IpPackage package)
    {
        var top = package.Design.Top;
        var ports = top.Ports.ToDictionary(p => p.Name);
        var buses = new List<object>();
        var spaces = new List<object>();
        object? memoryMap = null;

        foreach (var bus in package.Interfaces)
        {
            switch (bus.Kind)
            {
                case IpInterfaceKind.Interrupt:
                    {
                        var port = Port(top, ports, bus.Name, $"interrupt '{bus.Name}'");
                        if (port.Kind != NetKind.Output || port.Width != 1)
                            throw new HdlException($"interrupt '{bus.Name}' must be a 1-bit output of {top.Name}, not a {port.Width}-bit {Direction(port)}", port.Location);
                        buses.Add(Signal(bus.Name, "interrupt", "INTERRUPT", port.Name, master: true, [("SENSITIVITY", "LEVEL_HIGH")]));
                        break;
                    }
                case IpInterfaceKind.AxiMaster:
                case IpInterfaceKind.AxiLiteSlave:
                    {
                        var master = bus.Kind == IpInterfaceKind.AxiMaster;
                        var maps = AxiPorts(top, ports, bus.Name, master);
                        var logical = maps.Select(m => m.Logical).ToHashSet();
                        var required = master
                            ? (logical.Contains("ARVALID") ? ReadRequired : []).Concat(logical.Contains("AWVALID") ? WriteRequired : []).ToArray()
                            : LiteRequired;
                        if (master && !logical.Contains("ARVALID") && !logical.Contains("AWVALID"))
                            throw new HdlException($"AXI master '{bus.Name}' has neither {bus.Name}_arvalid nor {bus.Name}_awvalid", top.Location);
                        var missing = required.Where(r => !logical.Contains(r)).ToList();
                        if (missing.Count > 0)
                            throw new HdlException($"AXI interface '{bus.Name}' lacks {string.Join(", ", missing.Select(m => $"{bus.Name}_{m.ToLowerInvariant()}"))}", top.Location);
                        var addressBits = ports[maps.First(m => m.Logical is "ARADDR" or "AWADDR").Physical].Width;
                        var dataBits = ports[maps.First(m => m.Logical is "RDATA" or "WDATA").Physical].Width;
                        if (master)
                        {
                            spaces.Add(new { bus.Name, Range = Size(1L << Math.Min(addressBits, 62)), Width = dataBits });
                            buses.Add(new { bus.Name, Type = "aximm", Abstraction = "aximm_rtl", Role = "master", Space = bus.Name, Map = (string?)null, Ports = maps.Select(m => new { m.Logical, m.Physical }).ToList(), Parameters = new List<object>() });
                        }
                        else
                        {
                            if (dataBits != 32)
                                throw new HdlException($"AXI4-Lite slave '{bus.Name}' has {dataBits}-bit data; its registers are 32 bits", ports[$"{bus.Name}_wdata"].Location);
                            var range = 1L << addressBits;
                            foreach (var r in bus.Registers)
                            {
                                if (r.Offset < 0 || r.Offset % 4 != 0 || r.Offset + 4 > range)
                                    throw new HdlException($"register {r.Name} at {IpPackage.Hex(r.Offset)} is not a 32-bit aligned offset inside the {range}-byte space of '{bus.Name}'", top.Location);
                            }
                            var duplicate = bus.Registers.GroupBy(r => r.Offset).FirstOrDefault(g => g.Count() > 1);
                            if (duplicate is not null)
                                throw new HdlException($"registers {string.Join(" and ", duplicate.Select(r => r.Name))} of '{bus.Name}' share offset {IpPackage.Hex(duplicate.Key)}", top.Location);
                            memoryMap = new
                            {
                                bus.Name,
                                // Vivado's block design shows an address segment by its block name; a 4 KiB minimum is what its address editor assigns.
                                Block = "reg0",
                                Range = Math.Max(range, 4096),
                                Registers = bus.Registers.OrderBy(r => r.Offset).Select(r => new
                                {
                                    r.Name,
                                    Offset = IpPackage.Hex(r.Offset),
                                    Access = r.Access switch
                                    {
                                        IpRegisterAccess.ReadOnly => "read-only",
                                        IpRegisterAccess.WriteOnly => "write-only",
                                        _ => "read-write",
                                    },
                                    OneToClear = r.Access == IpRegisterAccess.WriteOneToClear,
                                    r.Description,
                                }).ToList(),
                            };
                            buses.Add(new { bus.Name, Type = "aximm", Abstraction = "aximm_rtl", Role = "slave", Space = (string?)null, Map = bus.Name, Ports = maps.Select(m => new { m.Logical, m.Physical }).ToList(), Parameters = new List<object> { new { Name = "PROTOCOL", Value = "AXI4LITE" } } });
                        }
                        break;
                    }
            }
        }

        foreach (var domain in package.Design.Domains)
        {
            var clock = Port(top, ports, domain.ClockPort, $"clock of domain '{domain.Name}'");
            var timed = package.Interfaces.Where(i => i.Kind != IpInterfaceKind.Interrupt).Select(i => i.Name).ToList();
            var parameters = new List<(string, string)>
            {
                ("FREQ_HZ", ((long)Math.Round(domain.FrequencyMHz * 1e6)).ToString(CultureInfo.InvariantCulture)),
            };
            if (timed.Count > 0 && package.Design.Domains.Count == 1)
                parameters.Add(("ASSOCIATED_BUSIF", string.Join(":", timed)));
            if (domain.ResetPort is not null)
                parameters.Add(("ASSOCIATED_RESET", domain.ResetPort));
            buses.Add(Signal(clock.Name, "clock", "CLK", clock.Name, master: false, parameters));
            if (domain.ResetPort is not null)
            {
                var reset = Port(top, ports, domain.ResetPort, $"reset of domain '{domain.Name}'");
                buses.Add(Signal(reset.Name, "reset", "RST", reset.Name, master: false, [("POLARITY", domain.IsResetActiveLow ? "ACTIVE_LOW" : "ACTIVE_HIGH")]));
            }
        }

        var files = package.VerilogFiles.Select(f => new { Name = f, Type = "verilogSource", User = (string?)null }).ToList();
        return new
        {
            package.Vendor,
            package.Library,
            Name = top.Name,
            package.Version,
            package.Description,
            Buses = buses,
            Spaces = spaces,
            MemoryMap = memoryMap,
            Ports = top.Ports.Select(p => new { p.Name, Direction = p.Kind == NetKind.Input ? "in" : "out", Vector = p.Width > 1, Left = p.Width - 1 }).ToList(),
            Verilog = package.VerilogFiles,
            Constraints = package.ConstraintsFile,
            package.Families,
        };
    }

    private static object Signal(string name, string type, string logical, string physical, bool master, IEnumerable<(string Name, string Value)> parameters) => new
    {
        Name = name,
        Type = type,
        Abstraction = $"{type}_rtl",
        Role = master ? "master" : "slave",
        Space = (string?)null,
        Map = (string?)null,
        Ports = new[] { new { Logical = logical, Physical = physical } }.ToList(),
        Parameters = parameters.Select(p => new { p.Name, p.Value }).ToList(),
    };

    private static Net Port(ModuleDef top, Dictionary<string, Net> ports, string name, string what)
        => ports.TryGetValue(name, out var port) ? port : throw new HdlException($"the {what} names port '{name}', which {top.Name} does not have", top.Location);

    private static List<(string Logical, string Physical)> AxiPorts(ModuleDef top, Dictionary<string, Net> ports, string prefix, bool master)
    {
        var result = new List<(string, string)>();
        foreach (var port in top.Ports.Where(p => p.Name.StartsWith(prefix + "_", StringComparison.Ordinal)))
        {
            var logical = port.Name[(prefix.Length + 1)..].ToUpperInvariant();
            var masterDriven = MasterDriven.Contains(logical);
            if (!masterDriven && !SlaveDriven.Contains(logical))
                throw new HdlException($"port '{port.Name}' of AXI interface '{prefix}' is not an AXI signal ({logical.ToLowerInvariant()})", port.Location);
            var expected = masterDriven == master ? NetKind.Output : NetKind.Input;
            if (port.Kind != expected)
                throw new HdlException($"port '{port.Name}' is an {Direction(port)}, but an AXI {(master ? "master" : "slave")} makes {logical.ToLowerInvariant()} an {(expected == NetKind.Output ? "output" : "input")}", port.Location);
            result.Add((logical, port.Name));
        }
        if (result.Count == 0)
            throw new HdlException($"no port of {top.Name} starts with '{prefix}_', so the AXI interface '{prefix}' has no signals", top.Location);
        return result;
    }

    private static string Direction(Net port) => port.Kind == NetKind.Input ? "input" : "output";

    private static string Size(long bytes) => bytes.ToString(CultureInfo.InvariantCulture);
}
