using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// The vector unit: the non-linear operators of the diffusion UNet beside the PE arrays, each a
/// stream block of <see cref="AcceleratorConfig.VectorLanes"/> lanes with its own ports (prefixes
/// <c>GroupNorm_</c>, <c>Silu_</c>, <c>Softmax_</c>, <c>Add_</c>), so the controller can run them
/// concurrently. Nearest upsampling is an addressing mode of the activation buffer and needs no block.
/// </summary>
public sealed class VectorUnit : Module
{
    public VectorUnit(AcceleratorConfig config)
    {
        Config = config;
        Domain = config.ClockDomain;
        var lanes = config.VectorLanes;
        ExposePorts(Instance(new GroupNormUnit(lanes, config.ClockDomain), "group_norm"), "GroupNorm_");
        ExposePorts(Instance(new ActivationTableUnit(lanes, config.ActivationTableSlots, config.ClockDomain), "silu"), "Silu_");
        ExposePorts(Instance(new SoftmaxUnit(lanes, config.ClockDomain), "softmax"), "Softmax_");
        ExposePorts(Instance(new ScaleAddUnit(lanes, config.ClockDomain), "add"), "Add_");
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => $"VectorUnit{Config.VectorLanes}";
}
