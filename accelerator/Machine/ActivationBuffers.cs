using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The G activation buffers and who may use their one read and one write port each cycle. The
/// compute engine reads every group of its mask at one address (a term issues only when all are
/// granted) and writes requantized outputs into every group at once, always first: its pipeline
/// cannot wait. The other engines use one group at a time. Read priority: <see cref="ReadPriority"/>;
/// write priority: compute, vector, load.
/// </summary>
public sealed class ActivationBuffers : Module
{
    /// <summary>
    /// Who gets a group's read port, highest first: the finite streams (store, weight gather, vector)
    /// before the compute engine, so the PE array loses a cycle rather than a DMA a beat. The arbiter
    /// below and the cycle model's read ports both follow this list.
    /// </summary>
    public static IReadOnlyList<Engine> ReadPriority { get; } = [Engine.Store, Engine.Weight, Engine.Vector, Engine.Compute];

    public ActivationBuffers(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        int groups = config.Groups, tn = config.Tn;
        var addressBits = Hw.BitsFor(config.ActivationRows);
        ComputeRead = Input(ComputeBufferRead.Of(config));
        ComputeWrite = Input(ComputeBufferWrite.Of(config));
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
            var buffer = Instance(new ActivationBuffer(tn, config.ActivationRows, config.ClockDomain), $"group_{g}");
            var requests = new Dictionary<Engine, (Bool Wants, UInt Address)>
            {
                [Engine.Store] = (StoreRead.Valid & (StoreRead.Group == g), StoreRead.Address),
                [Engine.Weight] = (WeightRead.Valid & (WeightRead.Group == g), WeightRead.Address),
                [Engine.Vector] = (VectorRead.Valid & (VectorRead.Group == g), VectorRead.Address),
                [Engine.Compute] = (ComputeRead.Valid & ComputeRead.Mask[g], ComputeRead.Address),
            };
            var grants = new Dictionary<Engine, Bool>();
            foreach (var reader in ReadPriority)
                grants[reader] = grants.Values.Aggregate(requests[reader].Wants, (wants, higher) => wants & !higher);
            buffer.ReadEnable.Assign(grants.Values.Aggregate((a, b) => a | b));
            var lowest = ReadPriority[^1];
            buffer.ReadAddress.Assign(ReadPriority.SkipLast(1).Reverse().Aggregate(requests[lowest].Address, (address, reader) => Mux(grants[reader], requests[reader].Address, address)));
            storeGranted |= grants[Engine.Store];
            weightGranted |= grants[Engine.Weight];
            vectorGranted |= grants[Engine.Vector];
            computeGranted &= !ComputeRead.Mask[g] | grants[Engine.Compute];
            for (var n = 0; n < tn; n++)
                ReadData[(g * tn) + n].Assign(buffer.ReadData[n]);

            var computeWrite = ComputeWrite.Mask[g];
            var vectorWrite = VectorWrite.Valid & (VectorWrite.Group == g) & !computeWrite;
            var loadWrite = LoadWrite.Valid & (LoadWrite.Group == g) & !computeWrite & !vectorWrite;
            buffer.WriteEnable.Assign(computeWrite | vectorWrite | loadWrite);
            buffer.WriteAddress.Assign(Mux(computeWrite, ComputeWrite.Address, Mux(vectorWrite, VectorWrite.Address, LoadWrite.Address)));
            buffer.WriteLanes.Assign(Mux(computeWrite, ComputeWrite.Lanes, Lit((1L << tn) - 1, tn)));
            for (var n = 0; n < tn; n++)
                buffer.WriteData[n].Assign(Mux(computeWrite, ComputeWrite.Data[(g * tn) + n], Mux(vectorWrite, VectorWrite.Data[n], LoadWrite.Data[n])));
            vectorWriteGranted |= vectorWrite;
            loadGranted |= loadWrite;
        }
        ComputeRead.Granted.Assign(computeGranted);
        StoreRead.Granted.Assign(storeGranted);
        WeightRead.Granted.Assign(weightGranted);
        VectorRead.Granted.Assign(vectorGranted);
        VectorWrite.Granted.Assign(vectorWriteGranted);
        LoadWrite.Granted.Assign(loadGranted);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"ActivationBuffers{Config.Groups}x{Config.Tn}x{Config.ActivationRows}";

    public ComputeBufferRead ComputeRead { get; }

    public ComputeBufferWrite ComputeWrite { get; }

    public BufferRead StoreRead { get; }

    public BufferRead WeightRead { get; }

    public BufferRead VectorRead { get; }

    public BufferWrite VectorWrite { get; }

    public BufferWrite LoadWrite { get; }

    /// <summary>Group g's row read in the previous cycle at elements g x Tn ...</summary>
    public Vec<SInt> ReadData { get; }
}
