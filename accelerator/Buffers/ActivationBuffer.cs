using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Accelerator.Buffers;

/// <summary>
/// The banked activation buffer of one PE group: one int8 bank per input-channel lane, so a read
/// returns the Tn activations of one pixel in one cycle. The banks are the byte lanes of one block
/// RAM word (byte write enables select the banks a write touches). Reads are registered: data one
/// cycle after the address.
/// </summary>
public sealed class ActivationBuffer : Module
{
    public ActivationBuffer(int lanes, int depth, ClockDomain? domain = null)
    {
        Domain = domain ?? ClockDomain.Default;
        Lanes = lanes;
        Depth = depth;
        var addressBits = Hw.BitsFor(depth);
        WriteEnable = Input(Bool());
        WriteLanes = Input(UInt(lanes));
        WriteAddress = Input(UInt(addressBits));
        WriteData = Input(Vec(lanes, SInt(8)));
        ReadEnable = Input(Bool());
        ReadAddress = Input(UInt(addressBits));
        ReadData = Output(Vec(lanes, SInt(8)));

        var banks = Mem(UInt(8 * lanes), depth, RamStyle.Block, byteWidth: 8, name: "banks");
        When(WriteEnable, () => banks.Write(WriteAddress, Cat([.. WriteData.Reverse()]), byteEnable: WriteLanes));
        var word = banks.Read(ReadAddress, ReadEnable, name: "read_word");
        for (var lane = 0; lane < lanes; lane++)
            ReadData[lane].Assign(word[(8 * lane) + 7, 8 * lane].AsSInt());
    }

    public int Lanes { get; }

    public int Depth { get; }

    public override string ModuleName => $"ActivationBuffer{Lanes}x{Depth}";

    public Bool WriteEnable { get; }

    /// <summary>One bit per lane: the banks this write touches.</summary>
    public UInt WriteLanes { get; }

    public UInt WriteAddress { get; }

    public Vec<SInt> WriteData { get; }

    public Bool ReadEnable { get; }

    public UInt ReadAddress { get; }

    public Vec<SInt> ReadData { get; }
}
