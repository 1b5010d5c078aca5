using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// Lowers a quantized diffusers UNet2DModel onto a configuration: one program per forward pass,
/// parameterised by the step (the host sets STEP and STEP_GROUP; the tables of every step group and
/// the folded time-embedding biases of every step are in the image), the DDR image, and where every
/// stored activation lies. Each layer tiles itself into the buffers (<see cref="CompiledLayer.Tiling"/>);
/// a tensor stays there for the next layer where it fits (<see cref="ResidentTensor"/>), and only what a
/// later layer loads or the host reads goes to DDR. A batch's samples take turns on all PE groups in the large
/// layers and run side by side, G / B groups each, in the small ones, where one weight fetch serves the
/// whole batch (<see cref="BatchRuns"/>).
/// </summary>
public static class UNetCompiler
{
    /// <summary>
    /// One program for every forward of the sampler's <paramref name="timesteps"/>, for <paramref name="batch"/> samples;
    /// <paramref name="sampling"/> (the model's schedule and prediction type, default DDPM and epsilon) goes into
    /// diffacc_model.h for the host's DDIM update. A tensor no later layer loads stays in the buffers only
    /// (<see cref="UnreadStores"/>) unless <paramref name="everyTensor"/> asks for every layer's output in DDR,
    /// for comparing a run layer by layer.
    /// </summary>
    public static CompiledUNet Compile(QuantizedUNet model, AcceleratorConfig config, IReadOnlyList<int> timesteps, int batch = 1, SchedulerConfig? sampling = null, bool everyTensor = false)
    {
        config = config.Validated(config.Name);
        var stepGroups = model.Quantization.StepGroups.Count;
        if (stepGroups > 1 << AcceleratorConfig.StepGroupBits)
            throw new CompileException("quantization", $"{stepGroups} step groups exceed the {1 << AcceleratorConfig.StepGroupBits} that STEP_GROUP can name");
        if (batch < 1 || batch > config.Groups)
            throw new CompileException("batch", $"a batch of {batch} needs 1 to {config.Groups} PE groups (preset {config.Name})");
        if (timesteps.Count < 1)
            throw new CompileException("steps", "the sampler has no steps");

        var ctx = new LoweringContext(config, model, timesteps, batch);
        var m = model.Config;
        // Each sample counts its reads apart (null: the samples side by side).
        var reads = new Dictionary<int, TensorReads>();
        var lowering = new UNetLowering(ctx, sample => reads.TryGetValue(sample ?? -1, out var r) ? r : reads[sample ?? -1] = TensorReads.Of(m, batch, model.HasParameter));
        foreach (var run in BatchRuns.Of(model, config, batch))
        {
            foreach (var sample in run.BySample ? Enumerable.Range(0, batch).Select(s => (int?)s) : [null])
            {
                lowering.Begin(run, sample);
                UNetGraph.Forward(m, lowering, new Tensor([batch, m.InChannels, m.SampleSize, m.SampleSize]), model.HasParameter);
            }
        }
        ctx.FlushDeferredBeforeLastSync();

        foreach (var (region, what) in new[] { (ctx.StepGroupTables, "step group"), (ctx.StepTables, "step") })
        {
            if (region.Stride >= 1L << 24)
                throw new CompileException("tables", $"the tables of one {what} take {region.Stride} bytes; STEP-relative addresses reach 16 MB");
        }
        // The last layer's SYNC becomes FINISH; table loads learn how far apart the copies lie.
        var instructions = ctx.Instructions.Take(ctx.Instructions.Count - 1).Select(i => i switch
        {
            DmaInstruction { StepMode: StepMode.StepGroup } t => t with { StepStride = ctx.StepGroupTables.Stride },
            DmaInstruction { StepMode: StepMode.Step } t => t with { StepStride = ctx.StepTables.Stride },
            _ => i,
        }).Append(new Finish()).ToList() as IReadOnlyList<Instruction>;
        IReadOnlyList<CompiledLayer> compiledLayers = ctx.Layers;
        IReadOnlyDictionary<string, DdrTensor> tensors = lowering.Tensors;
        if (!everyTensor)
            (instructions, compiledLayers, tensors) = UnreadStores.Apply(config.Tn, batch, instructions, compiledLayers, tensors, lowering.OutputTensor!);
        var (overlapped, layers) = OverlappedLayers.Apply(config, instructions, compiledLayers);
        AcceleratorProgram program;
        try
        {
            program = new ProgramBuilder(config).Add(overlapped).Build();
        }
        catch (ProgramException e)
        {
            throw new InvalidOperationException($"the compiler wrote a program the builder rejects (a compiler bug): {e.Message}", e);
        }

        var constants = ctx.Constants.Build();
        var groupTables = ctx.StepGroupTables.Build();
        var stepTables = ctx.StepTables.Build();
        var image = new byte[constants.Length + groupTables.Length + stepTables.Length];
        constants.CopyTo(image, 0);
        groupTables.CopyTo(image, constants.Length);
        stepTables.CopyTo(image, constants.Length + groupTables.Length);
        return new CompiledUNet
        {
            Config = config,
            Model = m,
            Batch = batch,
            Sampling = sampling ?? SchedulerConfig.Default,
            Program = program,
            Image = image,
            Regions = new ImageRegions(0, constants.Length, constants.Length, groupTables.Length, ctx.StepGroupTables.Stride, constants.Length + groupTables.Length, stepTables.Length, ctx.StepTables.Stride),
            WorkBytes = (ctx.Work.Length + ByteRegion.Alignment - 1) / ByteRegion.Alignment * ByteRegion.Alignment,
            Sample = lowering.SampleTensor!,
            Output = lowering.OutputTensor!,
            Tensors = tensors,
            Timesteps = [.. timesteps],
            StepGroupOfStep = [.. Enumerable.Range(0, timesteps.Count).Select(ctx.StepGroupOf)],
            SampleScales = [.. Enumerable.Range(0, stepGroups).Select(g => model.Quantization.Scale("sample", g))],
            OutputScales = [.. Enumerable.Range(0, stepGroups).Select(g => model.Quantization.Scale(lowering.OutputTensor!.Point, g))],
            Layers = layers,
        };
    }
}
