using DiffAcc.Hdl;
using DiffAcc.Sim.Axi;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Tests;

/// <summary>The AXI system harness: a DMA copy through the DDR model under random latency and back-pressure, and the AXI rules it enforces.</summary>
public sealed class AxiSystemTests
{
    private const long Ddr = 0x8000_0000;

    private static Task<VerilatorModel> Build(AxiCopy.Fault fault = AxiCopy.Fault.None)
        => VerilatorBuild.For(HdlFlow.For(() => new AxiCopy(fault)).Run()).WithHarness(new AxiSystemHarness()).BuildAsync();

    private static (byte[] Image, AxiHostScript Script) Copy(int beats, long from, long to)
    {
        var image = new byte[8192];
        new Random(5).NextBytes(image.AsSpan(0, 4096));
        var script = AxiHostScript.Empty
            .Write(0x08, (uint)(Ddr + from)).Write(0x0C, (uint)(Ddr + to)).Write(0x10, (uint)beats).Write(0x00, 1)
            .WaitInterrupt(100_000).Read(0x04);
        return (image, script);
    }

    [Theory]
    [InlineData(1UL, 100, 200, 0.7, 0.2)]
    [InlineData(2UL, 1, 1, 1.0, 0.0)]
    [InlineData(3UL, 0, 30, 0.2, 0.8)]
    public async Task A_copy_moves_every_byte_under_random_latency_and_back_pressure(ulong seed, int min, int max, double ready, double gap)
    {
        var (image, script) = Copy(37, 0x100, 0x1000);
        var result = await AxiSystemRun.Of(await Build()).WithDdr(Ddr, image).WithScript(script).WithSeed(seed).WithLatency(min, max).WithBackPressure(ready, gap).RunAsync();
        Assert.True(result.Completed, string.Join("; ", result.Violations));
        Assert.False(result.Events.Single(e => e.Operation == "wait-interrupt").Timeout);
        Assert.Equal(0b10UL, result.Events.Last().Value);
        Assert.Equal(image.AsSpan(0x100, 37 * 16).ToArray(), result.Ddr.AsSpan(0x1000, 37 * 16).ToArray());
        Assert.Equal(image.AsSpan(0, 0x1000).ToArray(), result.Ddr.AsSpan(0, 0x1000).ToArray());
        Assert.All(result.Ddr.AsSpan(0x1000 + (37 * 16)).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(37, result.Ports.Single().ReadBeats);
        Assert.Equal(37 * 16, result.Ports.Single().BytesWritten);
    }

    [Theory]
    [InlineData(AxiCopy.Fault.WriteBeforeAddress, "m_axi_mem W: a write beat before its address")]
    [InlineData(AxiCopy.Fault.ReadAddressDropped, "m_axi_mem AR: ARVALID or the address changed before ARREADY")]
    [InlineData(AxiCopy.Fault.NoLast, "m_axi_mem W: WLAST is low on the last beat of a burst")]
    public async Task A_broken_axi_rule_stops_the_run_and_is_reported(AxiCopy.Fault fault, string message)
    {
        var (image, script) = Copy(9, 0x100, 0x1000);
        var result = await AxiSystemRun.Of(await Build(fault)).WithDdr(Ddr, image).WithScript(script).WithLatency(2, 5).WithBackPressure(0.5, 0.3).RunAsync();
        Assert.False(result.Completed);
        Assert.Equal("violation", result.Stop);
        Assert.Contains(result.Violations, v => v.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_burst_across_a_4_KB_boundary_is_a_violation()
    {
        var (image, script) = Copy(4, 0xFE0, 0x1400);
        var result = await AxiSystemRun.Of(await Build()).WithDdr(Ddr, image).WithScript(script).RunAsync();
        Assert.Contains(result.Violations, v => v.Contains("m_axi_mem AR: the burst crosses a 4 KB boundary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_watchdog_ends_a_wait_for_an_interrupt_that_never_comes()
    {
        var (image, _) = Copy(1, 0, 0x1000);
        var script = AxiHostScript.Empty.WaitInterrupt(500).Read(0x04);
        var result = await AxiSystemRun.Of(await Build()).WithDdr(Ddr, image).WithScript(script).RunAsync();
        Assert.True(result.Completed);
        var wait = result.Events.Single(e => e.Operation == "wait-interrupt");
        Assert.True(wait.Timeout);
        Assert.Equal(500UL, wait.Value);
    }
}
