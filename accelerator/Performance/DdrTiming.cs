namespace DiffAcc.Accelerator.Performance;

/// <summary>
/// How the DDR behind the AXI masters answers, as the cycle model sees it: a read burst's first beat
/// comes <see cref="MeanLatency"/> cycles after its address is accepted, an address or write beat is
/// accepted with probability <see cref="Ready"/> per cycle, a read beat that could come waits with
/// probability <see cref="Gap"/>, and at most <see cref="Outstanding"/> bursts per port are in flight.
/// The same parameters drive the Verilator harness's DDR (<c>AxiSystemRun</c>), so a model and a
/// measurement can be compared under one profile.
/// </summary>
public sealed record DdrTiming(int LatencyMin, int LatencyMax, double Ready, double Gap, int Outstanding)
{
    /// <summary>The profile the RTL runs of the test command and <c>sample --backend rtl</c> use.</summary>
    public static DdrTiming Testbench { get; } = new(100, 200, 0.7, 0.2, 8);

    /// <summary>
    /// A ZCU102 HP port at 300 MHz: about 500 ns to the first beat through the interconnect and the
    /// DDR4 controller (150 cycles), and 90 % of the port's 4.8 GB/s sustained.
    /// </summary>
    public static DdrTiming Board { get; } = new(150, 150, 0.95, 0.05, 8) { TotalBeatsPerCycle = 2.85 };

    /// <summary>
    /// The beats a cycle all ports together can move through the DDR controller; unlimited in the
    /// Verilator harness, whose ports each have their own memory. On the board: DDR4-2133 on a 64-bit bus
    /// (17.1 GB/s; the slower of the speeds ZCU102 designs run the PS's DDR at), of which about 80 % is
    /// kept under several streaming masters: 13.7 GB/s, 2.85 beats of 16 bytes a cycle at 300 MHz.
    /// </summary>
    public double TotalBeatsPerCycle { get; init; } = double.PositiveInfinity;

    /// <summary>The seed of the model's draws of each burst's latency between <see cref="LatencyMin"/> and <see cref="LatencyMax"/>.</summary>
    public int Seed { get; init; } = 1;

    public double MeanLatency => (LatencyMin + LatencyMax) / 2.0;

    /// <summary>Read data beats per cycle while data is waiting.</summary>
    public double ReadBeatsPerCycle => 1 - Gap;

    /// <summary>Write data beats per cycle.</summary>
    public double WriteBeatsPerCycle => Ready;

    /// <summary>Cycles per accepted address.</summary>
    public double CyclesPerAddress => 1 / Ready;
}
