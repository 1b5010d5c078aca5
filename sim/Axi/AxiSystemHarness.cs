using System.Text.RegularExpressions;
using DiffAcc.Hdl.Emit;
using DiffAcc.Hdl.Ir;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Axi;

/// <summary>
/// The harness for a design whose top level is a system on AXI: ports named as Vivado names them,
/// <c>m_axi_&lt;name&gt;_*</c> for AXI4 masters (read-only, write-only or both) and one
/// <c>s_axi_&lt;name&gt;_*</c> AXI4-Lite slave, plus a clock, a reset and an interrupt output. Every
/// master sees one DDR image with random latency and back-pressure, and every AXI rule the harness
/// checks is reported as a violation; a host script drives the slave (<see cref="AxiSystemRun"/>).
/// </summary>
public sealed partial record AxiSystemHarness : VerilatorHarness
{
    /// <summary>The top's interrupt output, or null for none.</summary>
    public string? Interrupt { get; init; } = "irq";

    /// <summary>
    /// C sources (and their headers) of a host program built into the binary: it defines
    /// <c>sim_host_main</c> (sim_host.h, written beside them) and drives the slave instead of a script.
    /// </summary>
    public IReadOnlyList<EmittedFile> HostProgram { get; init; } = [];

    public AxiSystemHarness WithHostProgram(IReadOnlyList<EmittedFile> files) => this with { HostProgram = files };

    public override IReadOnlyList<EmittedFile> Sources(Design design)
        => HostProgram.Count == 0 ? [] : [.. HostProgram, new EmittedFile("sim_host.h", TemplateText.Render("sim_host.h.sbn", new { Top = design.Top.Name }, typeof(AxiSystemHarness).Assembly))];

    public override string Render(Design design, bool trace)
    {
        var top = design.Top;
        var ports = top.Ports.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var masters = top.Ports.Select(p => MasterPort().Match(p.Name)).Where(m => m.Success).GroupBy(m => m.Groups[1].Value)
            .Select(g =>
            {
                var name = g.Key;
                bool Has(string signal) => ports.ContainsKey($"m_axi_{name}_{signal}");
                var read = Has("araddr");
                var write = Has("awaddr");
                var data = ports.GetValueOrDefault($"m_axi_{name}_rdata") ?? ports.GetValueOrDefault($"m_axi_{name}_wdata")
                    ?? throw new SimulationException($"AXI master m_axi_{name} has neither rdata nor wdata");
                if (data.Width % 8 != 0 || data.Width > 1024)
                    throw new SimulationException($"m_axi_{name}: a data width of {data.Width} bits is not whole bytes up to 1024 bits");
                return new { Name = name, Read = read, Write = write, Bytes = data.Width / 8, Words = (data.Width + 31) / 32, Wide = data.Width > 64 };
            }).ToList();
        var slaves = top.Ports.Select(p => SlavePort().Match(p.Name)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().ToList();
        if (slaves.Count > 1)
            throw new SimulationException($"the AXI system harness drives one AXI4-Lite slave, but {top.Name} has {string.Join(", ", slaves.Select(s => $"s_axi_{s}"))}");
        var clock = top.Ports.SingleOrDefault(p => p.ClockOf is not null) ?? throw new SimulationException($"{top.Name} needs exactly one clock for the AXI system harness");
        var reset = top.Ports.SingleOrDefault(p => p.ResetOf is not null) ?? throw new SimulationException($"{top.Name} needs a reset for the AXI system harness");
        var undriven = top.Ports.Where(p => p.Kind == NetKind.Input && p.ClockOf is null && p.ResetOf is null && !MasterPort().IsMatch(p.Name) && !SlavePort().IsMatch(p.Name)).Select(p => p.Name).ToList();
        if (undriven.Count > 0)
            throw new SimulationException($"the AXI system harness drives only AXI ports, a clock and a reset; {top.Name} also has the inputs {string.Join(", ", undriven)}");
        if (Interrupt is not null && !ports.ContainsKey(Interrupt))
            throw new SimulationException($"{top.Name} has no interrupt output '{Interrupt}'");
        var activeLow = reset.ResetOf!.IsResetActiveLow;
        return TemplateText.Render("axi_harness.cpp.sbn", new
        {
            Top = top.Name,
            Trace = trace,
            Masters = masters,
            Slave = slaves.Count == 1 ? new { Name = slaves[0] } : null,
            Clock = VerilatorNames.Member(clock.Name),
            Reset = new { Name = VerilatorNames.Member(reset.Name), Active = activeLow ? 0 : 1, Inactive = activeLow ? 1 : 0 },
            Interrupt = Interrupt is null ? null : VerilatorNames.Member(Interrupt),
            HostProgram = HostProgram.Count > 0,
            ClockMhz = clock.ClockOf!.FrequencyMHz.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        }, typeof(AxiSystemHarness).Assembly);
    }

    [GeneratedRegex("^m_axi_([a-z0-9]+)_(ar|aw|r|w|b)[a-z]+$")]
    private static partial Regex MasterPort();

    [GeneratedRegex("^s_axi_([a-z0-9]+)_(ar|aw|r|w|b)[a-z]+$")]
    private static partial Regex SlavePort();
}
