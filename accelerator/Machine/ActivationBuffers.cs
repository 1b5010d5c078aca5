using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The G activation buffers and who may use their one read and one write port each cycle. The
/// compute engine reads every group of its mask at one address (a term issues only when all are
/// granted) and writes requantized outputs into every group at once, always first: its pipeline
/// cannot wait. The other engines use one group at a time. Read priority: store, weight, vector,
/// compute (the finite streams first, so the PE array loses a cycle rather than a DMA a beat); write
/// priority: compute, vector, load.
/// </summary>
public sealed class ActivationBuffers : Module
{
    public ActivationBuffers(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int groups = config.Groups, tn = config.Tn;
        var addressBits = Hw.BitsFor(config.ActivationRows);
        ComputeReadValid = Input(Bool());
        ComputeReadMask = Input(UInt(groups));
        ComputeReadAddress = Input(UInt(addressBits));
        ComputeReadGranted = Output(Bool());
        ComputeWriteMask = Input(UInt(groups));
        ComputeWriteAddress = Input(UInt(addressBits));
        ComputeWriteLanes = Input(UInt(tn));
        ComputeWriteData = Input(Vec(groups * tn, SInt(8)));
        StoreRead = Input(BufferRead.Of(config));
        WeightRead = Input(BufferRead.Of(config));
        VectorRead = Input(BufferRead.Of(config));
        VectorWrite = Input(BufferWrite.Of(config));
        LoadWrite = Input(BufferWrite.Of(config));
        ReadData = Output(Vec(groups * tn, SInt(8)));

        var computeGranted = Hw.True;
        Bool storeGranted = Hw.False, weightGranted = Hw.False, vectorGranted = Hw.False, vectorWriteGranted = Hw.False, loadGranted = Hw.False;
        for (var g = 0; g < groups; g++)
        {
            var buffer = Instance(new ActivationBuffer(tn, config.ActivationRows), $"group_{g}");
            var store = StoreRead.Valid & (StoreRead.Group == g);
            var weight = WeightRead.Valid & (WeightRead.Group == g) & !store;
            var vector = VectorRead.Valid & (VectorRead.Group == g) & !store & !weight;
            var compute = ComputeReadValid & ComputeReadMask[g] & !store & !weight & !vector;
            buffer.ReadEnable.Assign(store | weight | vector | compute);
            buffer.ReadAddress.Assign(Mux(store, StoreRead.Address, Mux(weight, WeightRead.Address, Mux(vector, VectorRead.Address, ComputeReadAddress))));
            storeGranted |= store;
            weightGranted |= weight;
            vectorGranted |= vector;
            computeGranted &= !ComputeReadMask[g] | compute;
            for (var n = 0; n < tn; n++)
                ReadData[(g * tn) + n].Assign(buffer.ReadData[n]);

            var computeWrite = ComputeWriteMask[g];
            var vectorWrite = VectorWrite.Valid & (VectorWrite.Group == g) & !computeWrite;
            var loadWrite = LoadWrite.Valid & (LoadWrite.Group == g) & !computeWrite & !vectorWrite;
            buffer.WriteEnable.Assign(computeWrite | vectorWrite | loadWrite);
            buffer.WriteAddress.Assign(Mux(computeWrite, ComputeWriteAddress, Mux(vectorWrite, VectorWrite.Address, LoadWrite.Address)));
            buffer.WriteLanes.Assign(Mux(computeWrite, ComputeWriteLanes, Lit((1L << tn) - 1, tn)));
            for (var n = 0; n < tn; n++)
                buffer.WriteData[n].Assign(Mux(computeWrite, ComputeWriteData[(g * tn) + n], Mux(vectorWrite, VectorWrite.Data[n], LoadWrite.Data[n])));
            vectorWriteGranted |= vectorWrite;
            loadGranted |= loadWrite;
        }
        ComputeReadGranted.Assign(computeGranted);
        StoreRead.Granted.Assign(storeGranted);
        WeightRead.Granted.Assign(weightGranted);
        VectorRead.Granted.Assign(vectorGranted);
        VectorWrite.Granted.Assign(vectorWriteGranted);
        LoadWrite.Granted.Assign(loadGranted);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"ActivationBuffers{Config.Groups}x{Config.Tn}x{Config.ActivationRows}";

    public Bool ComputeReadValid { get; }

    public UInt ComputeReadMask { get; }

    public UInt ComputeReadAddress { get; }

    /// <summary>Every group of the mask reads this cycle.</summary>
    public Bool ComputeReadGranted { get; }

    public UInt ComputeWriteMask { get; }

    public UInt ComputeWriteAddress { get; }

    /// <summary>One bit per byte of the row: the Tm requantized channels' place.</summary>
    public UInt ComputeWriteLanes { get; }

    /// <summary>Group g's row at elements g x Tn ...</summary>
    public Vec<SInt> ComputeWriteData { get; }

    public BufferRead StoreRead { get; }

    public BufferRead WeightRead { get; }

    public BufferRead VectorRead { get; }

    public BufferWrite VectorWrite { get; }

    public BufferWrite LoadWrite { get; }

    /// <summary>Group g's row read in the previous cycle at elements g x Tn ...</summary>
    public Vec<SInt> ReadData { get; }
}
