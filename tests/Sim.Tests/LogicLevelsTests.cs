using System.Text.Json;
using System.Text.Json.Nodes;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Examples;
using DiffAcc.Sim.Synthesis;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// <see cref="LogicLevels"/> on hand-made netlists whose depths are known, and on a real Yosys run:
/// how LUTs, carry chains, MUXFs and LUT RAM reads count, where paths start and end, and loops.
/// </summary>
public sealed class LogicLevelsTests
{
    /// <summary>A netlist in Yosys's JSON form: cells as (name, type, inputs port to bits, outputs port to bits); named nets.</summary>
    private static JsonDocument Netlist(IEnumerable<(string Name, string Type, (string Port, int[] Bits)[] Inputs, (string Port, int[] Bits)[] Outputs)> cells, params (string Name, int Bit)[] nets)
    {
        var cellObject = new JsonObject();
        foreach (var (name, type, inputs, outputs) in cells)
        {
            var connections = new JsonObject();
            var directions = new JsonObject();
            foreach (var (port, bits) in inputs)
            {
                connections[port] = new JsonArray([.. bits.Select(b => (JsonNode)b)]);
                directions[port] = "input";
            }
            foreach (var (port, bits) in outputs)
            {
                connections[port] = new JsonArray([.. bits.Select(b => (JsonNode)b)]);
                directions[port] = "output";
            }
            cellObject[name] = new JsonObject { ["type"] = type, ["port_directions"] = directions, ["connections"] = connections };
        }
        var netObject = new JsonObject();
        foreach (var (name, bit) in nets)
            netObject[name] = new JsonObject { ["hide_name"] = 0, ["bits"] = new JsonArray(bit) };
        var root = new JsonObject { ["modules"] = new JsonObject { ["top"] = new JsonObject { ["cells"] = cellObject, ["netnames"] = netObject } } };
        return JsonDocument.Parse(root.ToJsonString());
    }

    private static (string, string, (string, int[])[], (string, int[])[]) Ff(string name, int d, int q) => (name, "FDRE", [("C", [1]), ("CE", [2]), ("R", [3]), ("D", [d])], [("Q", [q])]);

    private static (string, string, (string, int[])[], (string, int[])[]) Lut(string name, int input, int output, string type = "LUT2") => (name, type, [("I0", [input]), ("I1", [input])], [("O", [output])]);

    [Fact]
    public void Luts_count_one_level_each_and_a_carry_chain_one_level_with_two_CARRY4s_per_CARRY8()
    {
        // a.q(10) -> LUT -> LUT -> CARRY4 -> CARRY4 -> CARRY4 -> LUT -> b.d ; a.q also reaches c.d through one LUT
        using var netlist = Netlist(
        [
            Ff("a", 99, 10), Lut("l1", 10, 11), Lut("l2", 11, 12),
            ("c1", "CARRY4", [("CI", [12]), ("S", [12, 12, 12, 12]), ("DI", [12, 12, 12, 12])], [("CO", [20, 21, 22, 23]), ("O", [24, 25, 26, 27])]),
            ("c2", "CARRY4", [("CI", [23]), ("S", [12, 12, 12, 12]), ("DI", [12, 12, 12, 12])], [("CO", [30, 31, 32, 33]), ("O", [34, 35, 36, 37])]),
            ("c3", "CARRY4", [("CI", [33]), ("S", [12, 12, 12, 12]), ("DI", [12, 12, 12, 12])], [("CO", [40, 41, 42, 43]), ("O", [44, 45, 46, 47])]),
            Lut("l3", 47, 50, "LUT6"), Ff("b", 50, 51), Lut("l4", 10, 60), Ff("c", 60, 61),
        ], ("x.a", 10), ("x.y.b", 51), ("c", 61));
        var paths = LogicLevels.Analyze(netlist, "top").ToDictionary(p => p.Path.End);
        var b = paths["x.y.b"].Path;
        Assert.Equal((4, 3, 1, 2, 0, 0, "x.a"), (b.Levels, b.Luts, b.Chains, b.Carries, b.Muxes, b.LutRams, b.Start));
        Assert.Equal("x.y", paths["x.y.b"].Instance);
        Assert.Equal(1, paths["c"].Path.Levels);
        Assert.Equal("", paths["c"].Instance);
        Assert.Equal(0, paths["x.a"].Path.Levels);
        Assert.Equal("4 (LUT=3 CARRY8=2 in 1 chain)", b.Composition);
    }

    [Fact]
    public void Muxes_and_lut_ram_reads_are_levels_and_a_lut_ram_write_is_an_endpoint()
    {
        // a.q -> LUT -> RAM64X1D read address -> MUXF7 -> b.d ; the LUT also drives the RAM's data input (an endpoint, 1 level)
        using var netlist = Netlist(
        [
            Ff("a", 99, 10), Lut("l1", 10, 11),
            ("ram", "RAM64X1D", [("WCLK", [1]), ("WE", [11]), ("D", [11]), ("A0", [10]), ("DPRA0", [11])], [("SPO", [20]), ("DPO", [21])]),
            ("mux", "MUXF7", [("I0", [21]), ("I1", [10]), ("S", [10])], [("O", [30])]),
            Ff("b", 30, 31),
        ], ("a", 10), ("b", 31), ("ram_out", 21));
        var paths = LogicLevels.Analyze(netlist, "top");
        var b = paths.Single(p => p.Path.End == "b").Path;
        Assert.Equal((3, 1, 1, 1), (b.Levels, b.Luts, b.Muxes, b.LutRams));
        Assert.Equal(1, paths.Single(p => p.Path.End == "ram_out").Path.Levels);
    }

    [Fact]
    public void A_combinational_loop_is_reported_with_a_net_on_it()
    {
        using var netlist = Netlist([Lut("l1", 11, 10), Lut("l2", 10, 11), Ff("a", 11, 12)], ("loop", 10));
        var e = Assert.Throws<InvalidOperationException>(() => LogicLevels.Analyze(netlist, "top"));
        Assert.Contains("combinational loop", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_synthesized_MAC_array_every_endpoint_is_found_and_named_by_its_C_sharp_line()
    {
        var result = HdlFlow.For(() => new MacArray(4)).Run().ThrowIfFailed();
        using var netlist = await YosysSynthesis.For(result).FlatNetlistAsync();
        var paths = LogicLevels.Analyze(netlist, result.Design.Top.Name);
        Assert.NotEmpty(paths);
        var modules = ModuleTiming.Of(result.Design, paths);
        Assert.All(modules, m => Assert.Equal(m.Endpoints, m.LevelCounts.Sum()));
        Assert.True(modules.Any(m => m.EndLocation.IsKnown && m.EndLocation.FilePath.EndsWith("MacPe.cs", StringComparison.Ordinal) && m.Module == "MacPe"), string.Join("; ", modules.Select(m => $"{m.Module} {m.Worst.Start} -> {m.Worst.End} {m.EndLocation}")));
        Assert.True(modules.Max(m => m.Worst.Levels) <= 7, string.Join("; ", modules.Select(m => $"{m.Module} {m.Worst.Composition}")));
    }
}
