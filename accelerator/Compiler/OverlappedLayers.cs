using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// The last pass: layers overlap. The lowering closes every layer (and some phases inside one) with a
/// SYNC, which waits for every engine; this pass drops them and lets <see cref="TokenPlacement"/> order
/// exactly what depends on what (buffer rows, accumulator rows, tables, DDR lines), so the next layer's
/// loads and weight fetches run under this layer's convolutions and stores. Before the tokens,
/// <see cref="EarlyVectorWork"/> puts ready vector work first and <see cref="RequantizerBanks"/> gives the
/// layers' requantizer tables the two banks in turn. The layers' instruction ranges follow the instructions.
/// </summary>
public static class OverlappedLayers
{
    public static (IReadOnlyList<Instruction> Program, IReadOnlyList<CompiledLayer> Layers) Apply(AcceleratorConfig config, IReadOnlyList<Instruction> program, IReadOnlyList<CompiledLayer> layers)
    {
        var moved = LayerRanges.AfterRemoving(program, layers, i => i is Sync);
        var (early, earlyLayers) = EarlyVectorWork.Apply(config, [.. program.Where(i => i is not Sync)], moved);
        return (TokenPlacement.Place(config, RequantizerBanks.Apply(early)), earlyLayers);
    }
}
