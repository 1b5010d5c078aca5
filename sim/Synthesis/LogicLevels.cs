using System.Text.Json;

namespace DiffAcc.Sim.Synthesis;

/// <summary>
/// One register-to-register path of a mapped netlist. <see cref="Levels"/> counts each LUT, MUXF and LUT
/// RAM read as a level and each carry chain as one level however long (a CARRY8 further along a chain
/// adds a few tens of picoseconds, a level a few hundred); <see cref="Carries"/> counts the CARRY8s.
/// </summary>
public sealed record LogicPath(int Levels, int Luts, int Chains, int Carries, int Muxes, int LutRams, string Start, string End)
{
    /// <summary>Like Vivado's report: "7 (LUT=4 CARRY8=5 in 2 chains MUXF=1)".</summary>
    public string Composition => $"{Levels} (LUT={Luts}{(Carries > 0 ? $" CARRY8={Carries} in {Chains} chain{(Chains == 1 ? "" : "s")}" : "")}{(Muxes > 0 ? $" MUXF={Muxes}" : "")}{(LutRams > 0 ? $" LUTRAM={LutRams}" : "")})";
}

/// <summary>
/// The logic depth of a flattened Xilinx netlist (Yosys <c>write_json</c> after <c>synth_xilinx -flatten</c>):
/// for every register, block RAM, DSP48E2 and shift register input, the deepest chain of LUT, carry,
/// MUXF7/8/9 and LUT RAM read cells from a sequential output or a top-level input (see
/// <see cref="LogicPath"/> for how levels count). Paths are attributed to the instance that holds the
/// endpoint and named by the registers' netlist names.
/// </summary>
public static class LogicLevels
{
    /// <summary>Every endpoint's deepest path, by the instance path (dot-separated, "" for the top) holding the endpoint.</summary>
    public static IReadOnlyList<(string Instance, LogicPath Path)> Analyze(JsonDocument netlist, string top)
    {
        var module = netlist.RootElement.GetProperty("modules").GetProperty(top);
        var names = new Dictionary<int, string>();
        foreach (var net in module.GetProperty("netnames").EnumerateObject())
        {
            var hidden = net.Value.TryGetProperty("hide_name", out var h) && h.GetInt32() != 0;
            if (hidden)
                continue;
            var bits = net.Value.GetProperty("bits").EnumerateArray().ToList();
            for (var i = 0; i < bits.Count; i++)
            {
                if (bits[i].ValueKind != JsonValueKind.Number)
                    continue;
                var name = bits.Count == 1 ? net.Name : $"{net.Name}[{i}]";
                // The deepest name is where the signal is made; its aliases in the parents only pass it on.
                if (!names.TryGetValue(bits[i].GetInt32(), out var known) || Depth(name) > Depth(known))
                    names[bits[i].GetInt32()] = name;
            }
        }

        var cells = new List<Cell>();
        var driver = new Dictionary<int, Cell>();
        foreach (var c in module.GetProperty("cells").EnumerateObject())
        {
            var type = c.Value.GetProperty("type").GetString()!;
            var directions = c.Value.TryGetProperty("port_directions", out var d) ? d.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()) : [];
            var inputs = new List<(string Port, int Bit)>();
            var outputs = new List<int>();
            foreach (var port in c.Value.GetProperty("connections").EnumerateObject())
            {
                var bits = port.Value.EnumerateArray().Where(b => b.ValueKind == JsonValueKind.Number).Select(b => b.GetInt32());
                var direction = directions.GetValueOrDefault(port.Name) ?? GuessDirection(port.Name);
                if (direction == "output")
                    outputs.AddRange(bits);
                else
                    inputs.AddRange(bits.Select(b => (port.Name, b)));
            }
            var cell = new Cell(c.Name, type, KindOf(type), inputs, outputs);
            cells.Add(cell);
            foreach (var bit in outputs)
                driver[bit] = cell;
        }

        var depth = new Dictionary<int, Arrival>();
        var zero = new Arrival(0, 0, 0, 0, 0, 0, 0, 0);
        Arrival ArrivalOf(int bit)
        {
            if (depth.TryGetValue(bit, out var known))
                return known ?? throw new InvalidOperationException($"a combinational loop runs through {names.GetValueOrDefault(bit, $"bit {bit}")}");
            depth[bit] = null!;
            Arrival result;
            if (!driver.TryGetValue(bit, out var cell) || cell.Kind == CellKind.Sequential)
            {
                result = zero with { StartBit = bit };
            }
            else
            {
                var through = cell.Kind == CellKind.LutRam ? cell.Inputs.Where(i => IsReadAddress(i.Port)) : cell.Inputs;
                var (worstBit, worst) = through.Select(i => (i.Bit, Arrival: ArrivalOf(i.Bit))).DefaultIfEmpty((Bit: bit, Arrival: zero with { StartBit = bit })).MaxBy(x => x.Arrival.Levels);
                result = cell.Kind switch
                {
                    CellKind.Free => worst,
                    CellKind.Lut => worst with { Levels = worst.Levels + 1, Luts = worst.Luts + 1, CarryRun = 0 },
                    CellKind.Mux => worst with { Levels = worst.Levels + 1, Muxes = worst.Muxes + 1, CarryRun = 0 },
                    CellKind.LutRam => worst with { Levels = worst.Levels + 1, LutRams = worst.LutRams + 1, CarryRun = 0 },
                    // Vivado maps a carry chain to CARRY8s; Yosys writes CARRY4s, two of which chained make one CARRY8 level.
                    _ when cell.Type == "CARRY4" => CarryLevel(worst, driver.TryGetValue(worstBit, out var previous) && previous.Type == "CARRY4", perCarry8: 2),
                    _ => CarryLevel(worst, driver.TryGetValue(worstBit, out var previous8) && previous8.Kind == CellKind.Carry, perCarry8: 1),
                };
            }
            depth[bit] = result;
            return result;
        }

        var paths = new List<(string, LogicPath)>();
        foreach (var cell in cells.Where(c => c.Kind is CellKind.Sequential or CellKind.LutRam))
        {
            var endpoints = cell.Kind == CellKind.LutRam ? cell.Inputs.Where(i => !IsReadAddress(i.Port) || IsWriteAddress(i.Port)) : cell.Inputs.Where(i => !IsClock(i.Port));
            var worst = endpoints.Select(i => ArrivalOf(i.Bit)).DefaultIfEmpty().MaxBy(a => a?.Levels ?? -1);
            if (worst is null)
                continue;
            // A cell without a named output is named by itself; flattening prefixes those names with "$flatten\".
            var end = cell.Outputs.Select(b => names.GetValueOrDefault(b)).FirstOrDefault(n => n is not null) ?? cell.Name.Replace("$flatten\\", "", StringComparison.Ordinal);
            var start = names.GetValueOrDefault(worst.StartBit) ?? (driver.TryGetValue(worst.StartBit, out var startCell) ? startCell.Name : $"bit {worst.StartBit}");
            var instance = end.Contains('.', StringComparison.Ordinal) ? end[..end.LastIndexOf('.')] : "";
            paths.Add((instance, new LogicPath(worst.Levels, worst.Luts, worst.Chains, worst.Carries, worst.Muxes, worst.LutRams, start, end)));
        }
        return paths;
    }

    // A chain entered from logic is one level; along it, every perCarry8 cells make one more CARRY8 (Yosys writes CARRY4s, Vivado packs two into a CARRY8).
    private static Arrival CarryLevel(Arrival worst, bool chained, int perCarry8)
    {
        var run = chained ? worst.CarryRun + 1 : 1;
        var carry8 = (run - 1) % perCarry8 == 0 ? 1 : 0;
        return worst with { Levels = worst.Levels + (chained ? 0 : 1), Chains = worst.Chains + (chained ? 0 : 1), Carries = worst.Carries + carry8, CarryRun = run };
    }

    private static int Depth(string name) => name.Count(c => c == '.');

    private static bool IsClock(string port) => port is "C" or "CLK" or "WCLK" or "CLKARDCLK" or "CLKBWRCLK";

    // LUT RAM read addresses: ADDRA..ADDRH of RAM32M/RAM64M/RAM64M8, DPRA and A of the RAMnX1D/S cells.
    private static bool IsReadAddress(string port) => port.StartsWith("ADDR", StringComparison.Ordinal) || port.StartsWith("DPRA", StringComparison.Ordinal) || (port.Length >= 2 && port[0] == 'A' && char.IsDigit(port[1])) || port == "A";

    // The last address port of a multi-port LUT RAM (and A of a dual-port one) is also its write address.
    private static bool IsWriteAddress(string port) => port is "ADDRD" or "ADDRH" or "A" || (port.Length >= 2 && port[0] == 'A' && char.IsDigit(port[1]));

    // Only for cells Yosys wrote without port directions: the outputs of the Xilinx cells it maps to.
    private static string GuessDirection(string port)
        => port is "O" or "Q" or "CO" or "SPO" or "DPO" || port.StartsWith("DO", StringComparison.Ordinal) || port.StartsWith("CASCADEOUT", StringComparison.Ordinal) ? "output" : "input";

    private static CellKind KindOf(string type) => type switch
    {
        _ when type.StartsWith("LUT", StringComparison.Ordinal) => CellKind.Lut,
        "CARRY8" or "CARRY4" => CellKind.Carry,
        "MUXF7" or "MUXF8" or "MUXF9" => CellKind.Mux,
        _ when type.StartsWith("RAM", StringComparison.Ordinal) && !type.StartsWith("RAMB", StringComparison.Ordinal) => CellKind.LutRam,
        "INV" or "BUFG" or "BUFGCE" or "IBUF" or "OBUF" or "GND" or "VCC" => CellKind.Free,
        _ => CellKind.Sequential,
    };

    private enum CellKind
    {
        Lut,
        Carry,
        Mux,
        LutRam,
        Free,
        Sequential,
    }

    private sealed record Cell(string Name, string Type, CellKind Kind, List<(string Port, int Bit)> Inputs, List<int> Outputs);

    /// <summary>The deepest way to a bit: its levels by kind, where it started, and how many CARRY4s end it in a chain.</summary>
    private sealed record Arrival(int Levels, int Luts, int Chains, int Carries, int Muxes, int LutRams, int StartBit, int CarryRun);
}
