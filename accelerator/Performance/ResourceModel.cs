using DiffAcc.Accelerator.Configuration;

namespace DiffAcc.Accelerator.Performance;

/// <summary>What a configuration takes of the part, without synthesis.</summary>
public sealed record ResourceEstimate(int Luts, int Dsp48E2, int Ramb36)
{
    /// <summary>The largest share of the part any resource takes.</summary>
    public double Share(PartInfo part) => Math.Max(Math.Max((double)Luts / part.Luts, (double)Dsp48E2 / part.Dsp48E2), (double)Ramb36 / part.Ramb36);
}

/// <summary>
/// Resources of a configuration for design-space exploration, where a Yosys run per point (17 minutes
/// for xczu9eg) is too slow. DSP48E2 are the configuration's plan, which synthesis matches exactly;
/// RAMB36E2 are the planned buffers plus a block per requantizer lane (its tables) and two for each
/// DMA beat queue (the load engine's and one per weights port); LUTs are linear in what each part of the machine scales with, the coefficients
/// fitted to the two synthesized presets (docs/accelerator.md): xczu9eg 218,730 measured against
/// 223,204 here, small 21,788 against 21,348.
/// </summary>
public static class ResourceModel
{
    /// <summary>LUTs per int8 MAC of the PE groups (adder trees, operand registers, packing correction).</summary>
    public const double LutsPerMac = 24;

    /// <summary>LUTs per requantizer lane (rounding shift, saturation, table read).</summary>
    public const double LutsPerRequantizerLane = 318;

    /// <summary>LUTs per accumulator-bank lane (the add before the write, the read multiplexers).</summary>
    public const double LutsPerAccumulatorLane = 160;

    /// <summary>LUTs per vector lane (GroupNorm, SiLU table, softmax, residual add with its products in fabric logic).</summary>
    public const double LutsPerVectorLane = 2200;

    /// <summary>The controller's fixed part: registers, fetch, dispatcher, DMA walkers and queues.</summary>
    public const double ControllerLuts = 6500;

    /// <summary>LUTs per weight-row byte: the weight engine's gather into any byte of a row, the buffers' write enables.</summary>
    public const double LutsPerWeightByte = 21.5;

    /// <summary>RAMB36E2 of a DMA beat queue (512 beats of 128 bits): the load engine's and each weights port's.</summary>
    public const int QueueRamb36 = 2;

    public static ResourceEstimate Of(AcceleratorConfig config)
    {
        var lanes = config.Groups * config.Tm;
        var luts = (LutsPerMac * config.Macs) + (LutsPerRequantizerLane * lanes) + (LutsPerAccumulatorLane * lanes)
            + (LutsPerVectorLane * config.VectorLanes) + ControllerLuts + (LutsPerWeightByte * config.Tm * config.Tn);
        return new ResourceEstimate((int)Math.Round(luts), config.TotalDsps, config.BufferRamb36 + lanes + (QueueRamb36 * (1 + config.WeightPorts)));
    }
}
