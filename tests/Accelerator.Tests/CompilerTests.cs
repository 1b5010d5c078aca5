using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Host;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Accelerator.Performance;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Accelerator.Tests;

public class CompilerTests
{
    [Theory]
    [InlineData("small")]
    [InlineData("xczu9eg")]
    public void The_shipped_model_runs_on_the_functional_simulator_and_every_tensor_equals_the_int8_model(string preset)
    {
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var problems = EveryTensorAgainstTheInt8Model(ShippedModel.Quantized.Value, Presets.Get(preset), scheduler.Timesteps, 37, out _);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// SiLU outputs with a zero point per step group (quantize --silu-zero-point): the convolutions that read
    /// them pad with it (a pad value per step group) and fold it into their biases, bit for bit. A step group
    /// per step, 10 of them, is more than the 8 requantizer table slots: step 8 runs in step group 8 with its
    /// own tables from DDR in slot 0.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void A_quantization_with_SiLU_zero_points_and_a_step_group_per_step_runs_bit_exact(int step)
    {
        var unet = UNet2D.Load(Path.Combine(ShippedModel.Folder(), "unet"));
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 10);
        var file = StepwiseCalibration.Run(unet, NoiseSchedule.Ddpm, scheduler, "ddim", 1, 1).Quantize(10, StepGrouping.Equal, siluZeroPoint: true);
        var zeroPoints = file.ZeroPoints["up_blocks.2.resnets.1.norm2.silu"];
        Assert.True(zeroPoints.Distinct().Count() > 1 && zeroPoints.All(z => z != 0), $"zero points {string.Join(", ", zeroPoints)}");
        var problems = EveryTensorAgainstTheInt8Model(new QuantizedUNet(unet, file), Presets.Small, scheduler.Timesteps, step, out var compiled);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(Presets.Small.StepGroups < file.StepGroups.Count, $"{file.StepGroups.Count} step groups, {Presets.Small.StepGroups} table slots");
        Assert.Equal(step, compiled.StepGroupOfStep[step]);
        var padded = compiled.Program.Instructions.OfType<Conv>().Count(c => c.PadWithZeroPoint);
        Assert.True(padded >= file.ZeroPoints.Count, $"{padded} CONVs pad with a zero point");
    }

    /// <summary>
    /// Softmax probabilities unsigned in steps of 1/255 (quantize --unsigned-softmax): SOFTMAX stores p − 128 and
    /// P x V adds 128 x the sum of V in two more passes, bit for bit on both presets (the small preset's 256
    /// accumulator rows take the 64 queries' P x V in two tiles).
    /// </summary>
    [Theory]
    [InlineData("small")]
    [InlineData("xczu9eg")]
    public void Unsigned_softmax_probabilities_run_bit_exact(string preset)
    {
        var shipped = ShippedModel.Quantized.Value.Quantization;
        var file = new QuantizationFile(shipped.StepGroups, shipped.Scales, shipped.Calibration, shipped.ZeroPoints, ProbabilityFormat.Unsigned);
        var model = new QuantizedUNet(UNet2D.Load(Path.Combine(ShippedModel.Folder(), "unet")), file);
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var problems = EveryTensorAgainstTheInt8Model(model, Presets.Get(preset), scheduler.Timesteps, 21, out var compiled);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var softmaxes = compiled.Program.Instructions.OfType<Softmax>().ToList();
        Assert.True(softmaxes.Count > 0 && softmaxes.All(s => s.Unsigned), $"{softmaxes.Count} SOFTMAX, {softmaxes.Count(s => s.Unsigned)} unsigned");
        Assert.Contains(compiled.Program.Instructions.OfType<Conv>(), c => c.InPixelStride == 0 && c.Output == ConvOutput.AccumulatorAddRequantize);
        // At batch 1 the queries split over the groups: small's two groups take 32 each (in tiles of 8, half
        // the accumulator banks each), xczu9eg's four 16.
        var tiles = preset == "small" ? "2 groups x 4 query tile(s) of 8; unsigned probabilities: P x V in 3 passes, 1 tile(s) of 32" : "4 groups x 1 query tile(s) of 16; unsigned probabilities: P x V in 3 passes, 1 tile(s) of 16";
        Assert.All(compiled.Layers.Where(l => l.Operation == "attention"), l => Assert.Contains(tiles, l.Tiling));
    }

    /// <summary>
    /// Skip concatenations with split scales (quantize --split-concat): each part rescaled to its own power-of-two
    /// step, GroupNorm entries carrying the parts' exponents, and the shortcut convolution in one accumulator pass
    /// per part, each shifting its sums by its exponent; bit for bit on both presets, in an early step group (a
    /// skip part 8 x finer than the other) and a late one.
    /// </summary>
    [Theory]
    [InlineData("small", 2)]
    [InlineData("xczu9eg", 40)]
    public void Split_concat_scales_run_bit_exact(string preset, int step)
    {
        var shipped = ShippedModel.Quantized.Value.Quantization;
        var file = new QuantizationFile(shipped.StepGroups, shipped.Scales, shipped.Calibration, shipped.ZeroPoints, concat: ConcatScales.Split);
        var model = new QuantizedUNet(UNet2D.Load(Path.Combine(ShippedModel.Folder(), "unet")), file);
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var problems = EveryTensorAgainstTheInt8Model(model, Presets.Get(preset), scheduler.Timesteps, step, out var compiled);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var convs = compiled.Program.Instructions.OfType<Conv>().ToList();
        Assert.True(convs.Any(c => c.Exponent == 1) && convs.Any(c => c.Exponent == 2), "no CONV pass per part");
        var group = file.GroupOf(scheduler.Timesteps[step]);
        var exponents = new List<int>();
        model.PredictNoise(Noise(1, model.Config), scheduler.Timesteps[step], null, (point, t) =>
        {
            if (t.ChannelExponents is { } e)
                exponents.AddRange(e);
        });
        Assert.True(exponents.Max() >= (group == 0 ? 3 : 1), $"step group {group}: exponents up to {exponents.Max()}");
    }

    /// <summary>
    /// A batch smaller than the groups gives each sample G / B groups: every convolution layer's CONVs run on
    /// all four groups of xczu9eg at batch 1 and 2 (row parts of one sample, or two samples of two parts), and
    /// a group's LOADs and STOREs stay within its sample's tensors. The values are checked bit for bit by the
    /// tests above (batch 1) and by every `sample --compare int8` run.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Every_convolution_runs_on_every_group_whatever_the_batch(int batch)
    {
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var compiled = UNetCompiler.Compile(ShippedModel.Quantized.Value, Presets.Xczu9eg, scheduler.Timesteps, batch);
        var convLayers = compiled.Layers.Where(l => l.Operation.Contains("conv", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(convLayers);
        foreach (var layer in convLayers)
        {
            var instructions = compiled.Program.Instructions.Skip(layer.FirstInstruction).Take(layer.InstructionCount).ToList();
            Assert.All(instructions.OfType<Conv>(), c => Assert.True(c.GroupMask == 0b1111, $"{layer.Name}: a CONV on groups {Convert.ToString(c.GroupMask, 2)} at batch {batch}"));
            foreach (var transfer in instructions.OfType<ActivationTransfer>().Where(t => t.Base == BaseRegister.Work))
            {
                var sample = layer.Sample ?? (transfer.Group / (Presets.Xczu9eg.Groups / batch));
                var tensor = compiled.Tensors.Values.Single(t => transfer.Offset >= t.At(0) && transfer.Offset < t.At(0) + (t.SampleStride * batch));
                Assert.True(transfer.Offset >= tensor.At(sample) && transfer.Offset + ((long)transfer.Rows * Presets.Xczu9eg.Tn) <= tensor.At(sample) + tensor.Bytes, $"{layer.Name}: {transfer} of group {transfer.Group} leaves sample {sample}'s {tensor.Point}");
            }
        }
    }

    /// <summary>
    /// Tensors stay in the buffers between layers: a convolution whose input the layer before left there
    /// loads only single image rows (the halo of its groups' windows), and a GroupNorm or residual add that
    /// reads a tensor in place loads nothing of it; a concatenation in one band per group is one such. The values are checked bit for bit by the tests above;
    /// with the check that nothing wrote over a kept tensor left out, or a window placed one buffer row
    /// off, the shipped model's comparison fails at the first layer that reads one.
    /// </summary>
    [Theory]
    [InlineData("small", 1)]
    [InlineData("small", 2)]
    [InlineData("xczu9eg", 1)]
    [InlineData("xczu9eg", 4)]
    public void A_layer_reads_what_the_layer_before_left_in_the_buffers(string preset, int batch)
    {
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var compiled = UNetCompiler.Compile(ShippedModel.Quantized.Value, Presets.Get(preset), scheduler.Timesteps, batch);
        List<Instruction> Of(CompiledLayer layer) => [.. compiled.Program.Instructions.Skip(layer.FirstInstruction).Take(layer.InstructionCount)];
        var convolutions = compiled.Layers.Where(l => l.Tiling.Contains("input in the buffers", StringComparison.Ordinal)).ToList();
        var inPlace = compiled.Layers.Where(l => l.Tiling.Contains("in the buffers where the layer before left it", StringComparison.Ordinal) || l.Tiling.Contains("operands in the buffers", StringComparison.Ordinal)).ToList();
        Assert.True(convolutions.Count >= 10, $"{convolutions.Count} convolutions read their input in the buffers");
        Assert.True(inPlace.Count >= 10, $"{inPlace.Count} GroupNorms and adds read their input in the buffers");
        foreach (var layer in convolutions)
        {
            var conv = Of(layer).OfType<Conv>().First();
            Assert.All(Of(layer).OfType<Load>().Where(l => l.Base == BaseRegister.Work), l => Assert.True(l.Rows <= ResidentTensor.HaloRows * conv.InCols * conv.InPixelStride, $"{layer.Name}: {l} loads more than a halo row"));
        }
        foreach (var layer in inPlace.Where(l => l.Tiling.Contains("where the layer before", StringComparison.Ordinal) || l.Tiling.Contains("both", StringComparison.Ordinal)))
            Assert.DoesNotContain(Of(layer).OfType<Load>(), l => l.Base == BaseRegister.Work);
        // A concatenation rescaled in one band per group stays there: the resnet's shortcut convolution and
        // GroupNorm after it read it in place where their outputs have room.
        var layers = compiled.Layers.ToList();
        var staying = layers.Where(l => l.Operation == "concat + rescale" && l.Tiling.Contains("stays in the buffers", StringComparison.Ordinal)).ToList();
        var normalizedThere = staying.Count(c => layers.Skip(layers.IndexOf(c) + 1).First(l => l.Operation.StartsWith("GroupNorm", StringComparison.Ordinal)).Tiling.Contains("where the layer before left it", StringComparison.Ordinal));
        if (preset == "small" && batch == 2)
            Assert.True(normalizedThere >= 3, $"{staying.Count} concatenations stay in the buffers, {normalizedThere} GroupNorms read one there");
    }

    /// <summary>
    /// What no later LOAD reads (a convolution's output its GroupNorm normalizes in place, the rows of a GroupNorm's
    /// output between the halo rows) stays in the buffers: every STORE left writes bytes some LOAD reads or the
    /// output, and the comparisons read the pixels the STOREs write. Compiled for every tensor, the program
    /// stores each layer's whole output, and every one of them equals the int8 model's.
    /// </summary>
    [Fact]
    public void What_no_layer_loads_stays_in_the_buffers_unless_every_tensor_is_asked_for()
    {
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var model = ShippedModel.Quantized.Value;
        var tn = Presets.Small.Tn;
        var lean = UNetCompiler.Compile(model, Presets.Small, scheduler.Timesteps);
        var problems = EveryTensorAgainstTheInt8Model(model, Presets.Small, scheduler.Timesteps, 20, out var every, everyTensor: true);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.All(lean.Tensors.Keys, point => Assert.Contains(point, every.Tensors.Keys));
        var unstored = every.Tensors.Keys.Except(lean.Tensors.Keys).ToList();
        Assert.True(unstored.Count >= 10, $"{unstored.Count} tensors stay in the buffers");
        Assert.All(every.Tensors.Values, t => Assert.All(every.StoredPixels(t, 0), Assert.True));
        // No GroupNorm output keeps halo rows in DDR: the convolution after it reads the rows above and below each
        // group's band in the neighbouring group (HaloGroups), so nothing is stored in part.
        var partly = lean.Tensors.Values.Count(t => lean.StoredPixels(t, 0).Contains(false));
        Assert.True(partly == 0, $"{partly} tensors stored in part");
        Assert.Contains(lean.Program.Instructions.OfType<Conv>(), conv => conv.HaloGroups == Presets.Small.Groups);
        var loads = lean.Program.Instructions.OfType<Load>().Where(l => l.Base == BaseRegister.Work).SelectMany(l => l.Runs(l.Offset, tn)).ToList();
        var output = (Start: lean.Output.At(0), End: lean.Output.At(0) + lean.Output.Bytes);
        foreach (var store in lean.Program.Instructions.OfType<Store>().Where(s => s.Base == BaseRegister.Work))
        {
            var runs = store.Runs(store.Offset, tn).ToList();
            Assert.True(runs.Any(r => (r.Address < output.End && r.Address + r.Bytes > output.Start) || loads.Any(l => l.Address < r.Address + r.Bytes && l.Address + l.Bytes > r.Address)), $"{store} writes bytes no LOAD reads");
        }
        long Stored(CompiledUNet c) => c.Program.Instructions.OfType<Store>().Where(t => t.Base == BaseRegister.Work).Sum(t => (long)t.Rows * t.Chunks * tn);
        Assert.True(Stored(lean) < Stored(every), $"{Stored(lean)} bytes stored against {Stored(every)}");
    }

    /// <summary>
    /// A GroupNorm of a convolution's output that the convolution finished in output-channel chunks runs in two
    /// parts (the groups of the chunks before the last, then the last's): the first part's statistics start
    /// while the convolution's last CONV still computes (the cycle model's timeline), each part's GN_FINISH
    /// from its own first channel. The comparisons above check it bit for bit.
    /// </summary>
    [Fact]
    public void A_GroupNorm_starts_on_the_channels_a_convolution_has_finished_while_it_computes_the_rest()
    {
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var compiled = UNetCompiler.Compile(ShippedModel.Quantized.Value, Presets.Small, scheduler.Timesteps);
        var program = compiled.Program.Instructions;
        var parted = compiled.Layers.Where(l => program.Skip(l.FirstInstruction).Take(l.InstructionCount).OfType<GroupNormFinish>().Any(f => f.FirstChannel > 0)).ToList();
        Assert.True(parted.Count >= 4, $"{parted.Count} GroupNorms in parts");
        var layout = compiled.Layout();
        var estimate = CycleModel.For(compiled.Config).Run(program, compiled.Registers(layout, 0));
        var overlapped = 0;
        foreach (var layer in parted)
        {
            var before = compiled.Layers[compiled.Layers.ToList().IndexOf(layer) - 1];
            var lastConv = estimate.Instructions.Skip(before.FirstInstruction).Take(before.InstructionCount).Last(t => t.Instruction is Conv);
            var firstStatistics = estimate.Instructions.Skip(layer.FirstInstruction).Take(layer.InstructionCount).First(t => t.Instruction is GroupNormStatistics);
            overlapped += firstStatistics.Launch < lastConv.Done ? 1 : 0;
        }
        Assert.True(overlapped == parted.Count, $"{overlapped} of {parted.Count} GroupNorms start under the convolution before");
    }

    /// <summary>
    /// Attention's projections read one input in the buffers; each writes its output where the one before
    /// neither reads nor writes, so K's CONV computes while Q's STOREs still move Q out (the cycle model's timeline).
    /// </summary>
    /// <remarks>On `small` the buffer is too full of kept tensors for every pair to find such a place.</remarks>
    [Fact]
    public void Sibling_projections_write_apart_and_compute_back_to_back()
    {
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var compiled = UNetCompiler.Compile(ShippedModel.Quantized.Value, Presets.Xczu9eg, scheduler.Timesteps);
        var program = compiled.Program.Instructions;
        var estimate = CycleModel.For(compiled.Config).Run(program, compiled.Registers(compiled.Layout(), 0));
        var pairs = compiled.Layers.Zip(compiled.Layers.Skip(1)).Where(p => p.First.Name.EndsWith(".to_q", StringComparison.Ordinal) && p.Second.Name.EndsWith(".to_k", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(pairs);
        foreach (var (q, k) in pairs)
        {
            TimedInstruction Conv(CompiledLayer l) => estimate.Instructions.Skip(l.FirstInstruction).Take(l.InstructionCount).First(t => t.Instruction is Conv);
            Assert.NotEqual(((Conv)Conv(q).Instruction).OutRow, ((Conv)Conv(k).Instruction).OutRow);
            var lastStore = estimate.Instructions.Skip(q.FirstInstruction).Take(q.InstructionCount).Last(t => t.Instruction is Store);
            Assert.True(Conv(k).Launch < lastStore.Done, $"{k.Name}'s CONV starts at {Conv(k).Launch:0}, after {q.Name}'s stores end at {lastStore.Done:0}");
        }
    }

    /// <summary>
    /// The bit-exact checks (this file's, and <c>Int8Comparison</c> of every <c>sample --compare int8</c>) compare the
    /// program's named tensors; so every byte a STORE writes to the work region must lie in one of them, or a
    /// tensor the program writes would go unchecked. The int8 model's other activation points (a GroupNorm's
    /// output before its SiLU, Q, K and V inside an attention, and the like) never reach DDR.
    /// </summary>
    [Theory]
    [InlineData("small", 1)]
    [InlineData("small", 2)]
    [InlineData("small-wide", 1)]
    [InlineData("xczu9eg", 1)]
    public void Every_byte_a_program_stores_lies_in_a_tensor_the_comparison_checks(string preset, int batch)
    {
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var config = Presets.Get(preset);
        var compiled = UNetCompiler.Compile(ShippedModel.Quantized.Value, config, scheduler.Timesteps, batch);
        var compared = compiled.Tensors.Values.SelectMany(t => Enumerable.Range(0, batch).Select(b => (Start: t.At(b), End: t.At(b) + t.Bytes, t.Point))).OrderBy(r => r.Start).ToList();
        var stores = compiled.Program.Instructions.OfType<Store>().Where(s => s.Base == BaseRegister.Work).ToList();
        Assert.NotEmpty(stores);
        foreach (var store in stores)
        {
            foreach (var (address, bytes) in store.Runs(store.Offset, config.Tn))
                Assert.True(compared.Any(r => address >= r.Start && address + bytes <= r.End), $"{store} writes {bytes} bytes at work offset {address}, in no compared tensor");
        }
        // Every compared tensor is written by some STORE, in some sample's copy (the comparison reads nothing the program left alone).
        foreach (var tensor in compiled.Tensors.Values.Where(t => t.Point != compiled.Sample.Point))
            Assert.Contains(stores, s => s.Runs(s.Offset, config.Tn).Any(r => r.Address >= tensor.At(0) && r.Address < tensor.At(batch - 1) + tensor.Bytes));
    }

    /// <summary>One forward of <paramref name="step"/> on the functional simulator: every tensor the program writes against the int8 model's.</summary>
    private static List<string> EveryTensorAgainstTheInt8Model(QuantizedUNet model, AcceleratorConfig config, IReadOnlyList<int> timesteps, int step, out CompiledUNet compiled, bool everyTensor = false)
    {
        compiled = UNetCompiler.Compile(model, config, timesteps, everyTensor: everyTensor);
        var sample = Noise(1, model.Config);
        var expected = new Dictionary<string, Int8Tensor>(StringComparer.Ordinal);
        model.PredictNoise(sample, timesteps[step], null, (point, t) => expected[point] = t);

        var layout = compiled.Layout();
        var ddr = compiled.NewDdr(layout);
        compiled.WriteSample(ddr, layout, sample, 0, 1, step);
        var run = new FunctionalSimulator(compiled.Config).Run(compiled.Program, ddr, compiled.Registers(layout, step));
        var problems = run.Races.ToList();
        foreach (var (point, tensor) in compiled.Tensors)
        {
            var actual = compiled.Read(run.Ddr, layout, tensor, 0);
            var reference = expected[point].Data;
            var stored = compiled.StoredPixels(tensor, 0);
            var compared = Enumerable.Range(0, reference.Length).Where(i => stored[i % tensor.Pixels]).ToList();
            var first = compared.FirstOrDefault(i => actual[i] != reference[i], -1);
            if (first >= 0)
                problems.Add($"{point}: {compared.Count(i => actual[i] != reference[i])} of {compared.Count} stored values differ; first at {first}: {actual[first]} vs {reference[first]}");
        }
        return problems;
    }

    /// <summary>
    /// A batch as large as the groups: each sample on a group of its own, its vector work started as soon as
    /// its rows are in, and GroupNorm's samples one after another at the vector unit without a SYNC.
    /// </summary>
    [Theory]
    [InlineData("small-wide", 4)]
    [InlineData("xczu9eg", 4)]
    [InlineData("xczu9eg", 2)]
    public void A_batch_runs_bit_exact_with_its_samples_overlapped(string preset, int batch)
    {
        var model = ShippedModel.Quantized.Value;
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var compiled = UNetCompiler.Compile(model, Presets.Get(preset), scheduler.Timesteps, batch);
        Assert.DoesNotContain(compiled.Layers.Where(l => l.Operation.Contains("GroupNorm", StringComparison.Ordinal) && l.Tiling == "whole tensor"), l => compiled.Program.Instructions.Skip(l.FirstInstruction).Take(l.InstructionCount - 1).Any(i => i is Sync));
        // A layer lowered once per sample (small-wide's 32 x 32 and 16 x 16 layers take turns) places its weights and
        // tables once: the image is no larger than batch 1's (2,221,568 bytes against 1,499,648 with every copy placed)
        // but for the few kilobytes of tables a layer lowered otherwise at this batch brings (a residual add written by
        // the concatenation after it where its operands stay in the buffers: its rescale table, 960 bytes on small-wide).
        var single = UNetCompiler.Compile(model, Presets.Get(preset), scheduler.Timesteps).Image.Length;
        Assert.True(compiled.Image.Length <= single + 4096, $"the image of batch {batch} takes {compiled.Image.Length} bytes, batch 1's {single}");
        var predictor = new CompiledNoisePredictor(compiled, new FunctionalRunner());
        var sample = Noise(batch, model.Config);
        predictor.PredictNoise(sample, scheduler.Timesteps[20]);
        Assert.Null(Int8Comparison.Check(predictor, model, sample, scheduler.Timesteps[20]));
    }

    [Fact]
    public void A_wrong_value_is_reported_at_the_first_layer_that_has_it_with_its_position()
    {
        var model = ShippedModel.Quantized.Value;
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 50);
        var compiled = UNetCompiler.Compile(model, Presets.Small, scheduler.Timesteps, batch: 2);
        var predictor = new CompiledNoisePredictor(compiled, new FunctionalRunner());
        var sample = Noise(3, model.Config);
        predictor.PredictNoise(sample, scheduler.Timesteps[40]);
        Assert.Equal(2, predictor.Runs.Count);
        Assert.Null(Int8Comparison.Check(predictor, model, sample, scheduler.Timesteps[40]));

        // One byte of sample 2 (the second run's first sample) in the middle block's attention output.
        var tensor = compiled.Tensors["mid_block.attentions.0.attention"];
        var run = predictor.Runs[1].Run;
        var at = run.Ddr.Index(predictor.Layout.WorkAddress + tensor.At(0) + (5 * tensor.PixelBytes) + 3, 1, "test");
        run.Ddr.Bytes[at] ^= 0x40;
        var mismatch = Int8Comparison.Check(predictor, model, sample, scheduler.Timesteps[40]);
        Assert.NotNull(mismatch);
        Assert.Equal(("mid_block.attentions.0.attention", 2, 3, 0, 5, 1), (mismatch.Tensor, mismatch.Sample, mismatch.Channel, mismatch.Y, mismatch.X, mismatch.Differing));
    }

    private static Tensor Noise(int batch, UNetConfig config)
    {
        var x = new Tensor([batch, config.InChannels, config.SampleSize, config.SampleSize]);
        new GaussianNoise(5).Fill(x.Data);
        return x;
    }
}

/// <summary>The shipped Fashion-MNIST UNet with its shipped quantization (5 step groups).</summary>
internal static class ShippedModel
{
    public static string Folder([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.Combine(Path.GetDirectoryName(file)!, "..", "..", "model", "weights", "fashion-mnist");

    public static Lazy<QuantizedUNet> Quantized { get; } = new(() => QuantizedUNet.Load(UNet2D.Load(Path.Combine(Folder(), "unet")), Path.Combine(Folder(), "quantization.json")));
}

/// <summary>A UNet shaped like google/ddpm-cifar10-32 (random weights, a one-trajectory calibration) on the default preset.</summary>
public class CifarCompilerTests
{
    // Its one-trajectory calibration, made once for the tests below.
    private static readonly Lazy<(QuantizedUNet Model, DdimScheduler Scheduler)> Cifar = new(() =>
    {
        var fp32 = UNet2D.Random(UNetConfig.DdpmCifar10, 1);
        var scheduler = new DdimScheduler(NoiseSchedule.Ddpm, 2);
        var calibration = StepwiseCalibration.Run(fp32, NoiseSchedule.Ddpm, scheduler, "ddim", 1, 3);
        return (new QuantizedUNet(fp32, calibration.Quantize(2)), scheduler);
    });

    [Fact]
    public void A_ddpm_cifar10_shaped_unet_compiles_for_xczu9eg_and_one_step_is_bit_exact_on_the_functional_simulator()
    {
        var (model, scheduler) = Cifar.Value;
        var compiled = UNetCompiler.Compile(model, Presets.Xczu9eg, scheduler.Timesteps);
        // 52 3x3 convolutions, 13 1x1 shortcuts and 6 x 4 projections, 6 attention blocks (the middle one on 16 pixels, fewer keys than Tn = 32).
        Assert.Equal(52, compiled.Layers.Count(l => l.Operation is "conv 3x3" or "conv 3x3 / 2" or "upsample + conv"));
        Assert.Equal(13 + 24, compiled.Layers.Count(l => l.Operation == "conv 1x1"));
        Assert.Equal(6, compiled.Layers.Where(l => l.Operation == "attention").Select(l => l.Name).Distinct().Count());
        // One head over the four groups: each attention's output stays where P x V wrote it for its out projection.
        Assert.All(compiled.Layers.Where(l => l.Name.EndsWith(".to_out.0", StringComparison.Ordinal)), l => Assert.Contains("input in the buffers", l.Tiling, StringComparison.Ordinal));
        // The 16 x 16 attentions (one head, 64 queries a group) read Q and K where their projections left them.
        Assert.All(compiled.Layers.Where(l => l.Operation == "attention" && l.Name.StartsWith("down_blocks.1", StringComparison.Ordinal)), l => Assert.Contains("Q and K where their projections left them", l.Tiling, StringComparison.Ordinal));
        // conv_in's bands (three input channels: few terms an output row) would be bound by their stores: it takes one
        // band, and its GroupNorm reads its output where it lies.
        Assert.Contains("in the buffers where the layer before left it", compiled.Layers.Single(l => l.Name.StartsWith("down_blocks.0.resnets.0.norm1", StringComparison.Ordinal)).Tiling, StringComparison.Ordinal);
        // A tensor no later layer reads leaves the buffers: the concatenation up_blocks.3's first GroupNorm read frees
        // the rows its first convolution writes, since its own window ends too close to the buffer's end.
        Assert.Contains("input in the buffers", compiled.Layers.Single(l => l.Name == "up_blocks.3.resnets.0.conv1").Tiling, StringComparison.Ordinal);
        // A convolution's output goes around the tensors later layers read: every residual add but the first (its
        // shortcut is conv_in's output, written in bands) finds both operands in the buffers.
        Assert.All(compiled.Layers.Where(l => l.Operation == "residual add").Skip(1), l => Assert.Contains("both operands in the buffers", l.Tiling, StringComparison.Ordinal));
        // A concatenation reads its skip tensor or the up path's tensor, or both, where they lie: all of them but the
        // 32 x 32 level's first, whose up-path tensor the upsampling convolution writes in bands over the skip tensor.
        Assert.All(compiled.Layers.Where(l => l.Operation == "concat + rescale").Where(l => l.Name != "up_blocks.3.resnets.0.concat"), l => Assert.Contains("parts in the buffers", l.Tiling, StringComparison.Ordinal));
        // A GroupNorm after a residual add or a concatenation runs no statistics pass: the ADDs that wrote its input
        // gathered the statistics. It applies every part's edge and first rows first, and the convolution after it
        // computes those rows in a CONV of their own, as many rows again in a second and the rest in a third (then its
        // two other output chunks: five CONVs).
        IReadOnlyList<Instruction> Of(CompiledLayer layer) => [.. compiled.Program.Instructions.Skip(layer.FirstInstruction).Take(layer.InstructionCount)];
        foreach (var name in new[] { "down_blocks.0.resnets.1.norm1", "down_blocks.1.attentions.0.group_norm", "up_blocks.3.resnets.0.norm1", "conv_norm_out" })
        {
            var norm = compiled.Layers.Single(l => l.Name.StartsWith(name, StringComparison.Ordinal) && l.Operation.StartsWith("GroupNorm", StringComparison.Ordinal));
            Assert.Contains("statistics gathered by the ADDs that wrote it", norm.Tiling, StringComparison.Ordinal);
            Assert.Empty(Of(norm).OfType<GroupNormStatistics>());
        }
        Assert.Contains(compiled.Program.Instructions.OfType<Isa.Add>(), a => a.Statistics && a.StatisticsBase > 0);
        Assert.Contains("every part's first rows first", compiled.Layers.Single(l => l.Name.StartsWith("down_blocks.0.resnets.1.norm1", StringComparison.Ordinal)).Tiling, StringComparison.Ordinal);
        var conv1 = Of(compiled.Layers.Single(l => l.Name == "down_blocks.0.resnets.1.conv1"));
        Assert.Equal(5, conv1.OfType<Conv>().Count());
        Assert.Equal([2, 2, 4], conv1.OfType<Conv>().Take(3).Select(c => c.OutRows));
        // Its output is normalized next: the CONVs write it in chunks of two blocks, one and one (the last one block
        // alone), and the GroupNorm after it normalizes each chunk as its CONV finishes it, under the next one.
        Assert.Equal([2, 2, 2, 1, 1], conv1.OfType<Conv>().Select(c => c.CoutBlocks));
        var norm2 = Of(compiled.Layers.Single(l => l.Name.StartsWith("down_blocks.0.resnets.1.norm2", StringComparison.Ordinal)));
        Assert.Equal([0, 64, 96], norm2.OfType<GroupNormFinish>().Select(f => f.FirstChannel));
        // It reads the rows above and below each group's band in the neighbouring groups: it loads no halo rows.
        Assert.All(conv1.OfType<Conv>(), c => Assert.Equal(4, c.HaloGroups));
        Assert.Empty(conv1.OfType<Load>());
        // A residual block's sum that only the next concatenation reads has no pass of its own: the concatenation's
        // ADDs sum the two operands where they lie and write the sums through the rescale table into its first part.
        Assert.DoesNotContain(compiled.Layers, l => l.Name == "up_blocks.3.resnets.0.add");
        var concat = Of(compiled.Layers.Single(l => l.Name == "up_blocks.3.resnets.1.concat"));
        var sums = concat.OfType<Isa.Add>().Where(a => !a.SingleOperand).ToList();
        Assert.Equal(4, sums.Count);
        Assert.All(sums, a => Assert.True(a.ApplyTable && a.Statistics && a.StatisticsBase == 0 && a.DstStride == 8, $"{a} writes the sums into the first part"));
        // Its skip tensor, loaded from DDR, is rescaled under the convolution the sums wait for (EarlyVectorWork): its
        // loads and rescales come before the sums.
        var rescales = concat.OfType<Isa.Add>().Where(a => a.SingleOperand).ToList();
        Assert.Equal(4, rescales.Count);
        Assert.All(rescales, a => Assert.True(a.StatisticsBase > 0, $"{a} rescales the skip part"));
        Assert.True(concat.ToList().IndexOf(rescales[^1]) < concat.ToList().IndexOf(sums[0]), "the skip part's rescales come before the sums");
        Assert.NotEmpty(concat.OfType<Load>());
        var x = new Tensor([1, 3, 32, 32]);
        new GaussianNoise(5).Fill(x.Data);
        var predictor = new CompiledNoisePredictor(compiled, new FunctionalRunner());
        predictor.PredictNoise(x, scheduler.Timesteps[1]);
        Assert.Null(Int8Comparison.Check(predictor, model, x, scheduler.Timesteps[1]));
    }

    /// <summary>
    /// A batch of four: the samples take turns on all four groups in the 32 x 32 and 16 x 16 layers (each layer
    /// there lowered once per sample, in runs: down_blocks.0 and 1 for sample 0, then for sample 1, ...) and run
    /// side by side, a group each, in the 8 x 8 and 4 x 4 layers, whose weights one fetch serves the batch with.
    /// Every tensor of every sample equals the int8 model's.
    /// </summary>
    [Fact]
    public void A_cifar_shaped_batch_of_four_takes_turns_in_the_large_layers_and_is_bit_exact()
    {
        var (model, scheduler) = Cifar.Value;
        var compiled = UNetCompiler.Compile(model, Presets.Xczu9eg, scheduler.Timesteps, batch: 4);
        var convolutions = compiled.Layers.Where(l => l.Operation.Contains("conv", StringComparison.Ordinal)).ToList();
        Assert.All(convolutions.Where(l => l.Shape.Contains("32x32", StringComparison.Ordinal)), l => Assert.NotNull(l.Sample));
        Assert.All(convolutions.Where(l => l.Name.StartsWith("down_blocks.3", StringComparison.Ordinal) || l.Name.StartsWith("mid_block", StringComparison.Ordinal)), l => Assert.Null(l.Sample));
        Assert.All(convolutions.GroupBy(l => l.Name), g => Assert.Equal(g.First().Sample is null ? [null] : new int?[] { 0, 1, 2, 3 }, g.Select(l => l.Sample)));
        // The samples of a run follow each other: down_blocks.0 and 1 of sample 0 before any layer of sample 1.
        var firstOfSample1 = compiled.Layers.ToList().FindIndex(l => l.Sample == 1);
        Assert.Equal(("down_blocks.1.attentions.1.add", (int?)0), (compiled.Layers[firstOfSample1 - 1].Name, compiled.Layers[firstOfSample1 - 1].Sample));
        var x = new Tensor([4, 3, 32, 32]);
        new GaussianNoise(6).Fill(x.Data);
        var predictor = new CompiledNoisePredictor(compiled, new FunctionalRunner());
        predictor.PredictNoise(x, scheduler.Timesteps[1]);
        Assert.Null(Int8Comparison.Check(predictor, model, x, scheduler.Timesteps[1]));
    }
}
