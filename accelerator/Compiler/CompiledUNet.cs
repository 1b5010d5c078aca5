using System.Globalization;
using System.Text.Json;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;
using DiffAcc.Hdl.Emit;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Sampling;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// Where the parts of the image lie (byte offsets from its start) and how far apart the copies of
/// the replicated tables are: the host points BASE0, BASE2 and BASE3 here.
/// </summary>
public sealed record ImageRegions(long ConstantsOffset, long ConstantsBytes, long StepGroupTablesOffset, long StepGroupTablesBytes, long StepGroupStride, long StepTablesOffset, long StepTablesBytes, long StepStride);

/// <summary>
/// A UNet compiled for one configuration: the program, the DDR image, the work region's size and
/// the place of every activation, the steps and step groups it was compiled for, and the per-layer
/// tiling. <see cref="Save"/> writes program.bin, image.bin, manifest.json and diffacc_model.h.
/// </summary>
public sealed class CompiledUNet
{
    private List<(long Address, long Bytes)>? storeRuns;

    public required AcceleratorConfig Config { get; init; }

    public required UNetConfig Model { get; init; }

    public required int Batch { get; init; }

    public required AcceleratorProgram Program { get; init; }

    public required byte[] Image { get; init; }

    public required ImageRegions Regions { get; init; }

    /// <summary>Bytes of the work region (BASE1) the host provides; every activation of a forward pass lies in it.</summary>
    public required long WorkBytes { get; init; }

    public required DdrTensor Sample { get; init; }

    public required DdrTensor Output { get; init; }

    /// <summary>Every tensor the program writes, by activation point.</summary>
    public required IReadOnlyDictionary<string, DdrTensor> Tensors { get; init; }

    public required IReadOnlyList<int> Timesteps { get; init; }

    /// <summary>The model's noise schedule and prediction type: the host's DDIM update between forwards needs them.</summary>
    public SchedulerConfig Sampling { get; init; } = SchedulerConfig.Default;

    public required IReadOnlyList<int> StepGroupOfStep { get; init; }

    public required IReadOnlyList<double> SampleScales { get; init; }

    public required IReadOnlyList<double> OutputScales { get; init; }

    public required IReadOnlyList<CompiledLayer> Layers { get; init; }

    public static readonly string[] FileNames = ["program.bin", "image.bin", "manifest.json", "diffacc_model.h"];

    /// <summary>The step index (the STEP register) of a timestep the program was compiled for.</summary>
    public int StepOf(int timestep)
    {
        for (var i = 0; i < Timesteps.Count; i++)
        {
            if (Timesteps[i] == timestep)
                return i;
        }
        throw new ArgumentException($"the program was compiled for timesteps {Timesteps[0]} .. {Timesteps[^1]} ({Timesteps.Count} steps), not {timestep}", nameof(timestep));
    }

    /// <summary>The DDR window of a run at <paramref name="address"/>: the image, the work region, the program.</summary>
    public DdrLayout Layout(long address = 0x1000_0000)
    {
        var work = Align(Image.Length);
        var program = Align(work + WorkBytes);
        return new DdrLayout(address, address + work, address + program, program + (Program.Count * InstructionSet.Bytes));
    }

    /// <summary>A fresh DDR window holding the image and the program, the work region zeroed.</summary>
    public DdrImage NewDdr(DdrLayout layout)
    {
        var bytes = new byte[layout.Bytes];
        Image.CopyTo(bytes, 0);
        Program.Encode().CopyTo(bytes, layout.ProgramAddress - layout.Address);
        return new DdrImage(layout.Address, bytes);
    }

    /// <summary>The registers the host sets for one step.</summary>
    public MachineRegisters Registers(DdrLayout layout, int step) => new()
    {
        Bases = [layout.Address + Regions.ConstantsOffset, layout.WorkAddress, layout.Address + Regions.StepGroupTablesOffset, layout.Address + Regions.StepTablesOffset],
        Step = step,
        StepGroup = StepGroupOfStep[step],
        // The image (constants) and the program are only read; the work region (samples, activations, outputs) is read and written.
        Windows =
        [
            DmaWindow.Covering(layout.Address, layout.WorkAddress - layout.Address, write: false),
            DmaWindow.Covering(layout.WorkAddress, layout.ProgramAddress - layout.WorkAddress, write: true),
            DmaWindow.Covering(layout.ProgramAddress, layout.Address + layout.Bytes - layout.ProgramAddress, write: false),
        ],
    };

    /// <summary>Writes samples <paramref name="first"/> .. of a [N, C, H, W] batch, quantized with the step group's sample scale, into the input slots.</summary>
    public void WriteSample(DdrImage ddr, DdrLayout layout, Tensor sample, int first, int count, int step)
    {
        var scale = SampleScales[StepGroupOfStep[step]];
        var plane = Sample.Channels * Sample.Pixels;
        for (var b = 0; b < count; b++)
        {
            var chw = new sbyte[plane];
            for (var i = 0; i < plane; i++)
                chw[i] = LayerConstants.Quantize(sample.Data[((first + b) * plane) + i], scale);
            Place(ddr, layout, Sample, b, TensorLayout.ToHwc(chw, Sample.Channels, Sample.Height, Sample.Width, Sample.PixelBytes));
        }
    }

    /// <summary>
    /// Which pixels of sample <paramref name="b"/>'s copy of <paramref name="tensor"/> the program's STOREs write: a
    /// comparison reads those (a GroupNorm's output keeps only the halo rows the next convolution loads; a sample
    /// whose turn kept the whole tensor in the buffers, none); all of a tensor no STORE writes in any sample's
    /// copy, which the host writes (the sample).
    /// </summary>
    public bool[] StoredPixels(DdrTensor tensor, int b)
    {
        var stored = new bool[tensor.Pixels];
        var start = tensor.At(b);
        // The comparisons ask for every tensor of every step: the program's STORE runs are gathered once.
        storeRuns ??= [.. Program.Instructions.OfType<Store>().Where(s => s.Base == BaseRegister.Work).SelectMany(s => s.Runs(s.Offset, Config.Tn))];
        var written = storeRuns.Any(r => r.Address < tensor.At(Batch - 1) + tensor.Bytes && r.Address + r.Bytes > tensor.At(0));
        foreach (var (address, bytes) in storeRuns)
        {
            var (from, to) = (Math.Max(address, start), Math.Min(address + bytes, start + tensor.Bytes));
            for (var p = (from - start) / tensor.PixelBytes; from < to && p < (to - start + tensor.PixelBytes - 1) / tensor.PixelBytes; p++)
                stored[p] = true;
        }
        if (!written)
            Array.Fill(stored, true);
        return stored;
    }

    /// <summary>The int8 values of a tensor's copy for sample <paramref name="b"/>, as [C, H, W].</summary>
    public sbyte[] Read(DdrImage ddr, DdrLayout layout, DdrTensor tensor, int b)
    {
        var at = ddr.Index(layout.WorkAddress + tensor.At(b), tensor.Bytes, tensor.Point);
        var hwc = ddr.Bytes.AsSpan(at, (int)tensor.Bytes);
        var chw = new sbyte[tensor.Channels * tensor.Pixels];
        for (var c = 0; c < tensor.Channels; c++)
        {
            var physical = tensor.ChannelMap[c];
            for (var p = 0; p < tensor.Pixels; p++)
                chw[(c * tensor.Pixels) + p] = (sbyte)hwc[(p * tensor.PixelBytes) + physical];
        }
        return chw;
    }

    /// <summary>The noise prediction of sample <paramref name="b"/>, dequantized with the step group's output scale, into <paramref name="target"/>.</summary>
    public void ReadOutput(DdrImage ddr, DdrLayout layout, int b, int step, Span<float> target)
    {
        var scale = OutputScales[StepGroupOfStep[step]];
        var values = Read(ddr, layout, Output, b);
        for (var i = 0; i < values.Length; i++)
            target[i] = (float)(values[i] * scale);
    }

    /// <summary>Writes the four files into <paramref name="folder"/>, all or none.</summary>
    public IReadOnlyList<string> Save(string folder)
    {
        var contents = new[] { Program.Encode(), Image, JsonSerializer.SerializeToUtf8Bytes(Manifest(), ManifestJson), System.Text.Encoding.UTF8.GetBytes(Header()) };
        return StagedWrite.Files(FileNames.Zip(contents, (name, bytes) => (Path.Combine(folder, name), bytes)));
    }

    /// <summary>manifest.json: what a host needs to run the program, and what the compiler decided.</summary>
    public object Manifest() => new
    {
        Format = "diffacc-program",
        Version = 1,
        Preset = new { Config.Name, Config.Groups, Config.Tm, Config.Tn, Config.VectorLanes, Config.ActivationRows, Config.WeightRows, Config.AccumulatorRows, Config.MaxChannels, Config.StepGroups, Part = Config.Part.Name, Config.ClockMHz },
        Model = new { Model.SampleSize, Model.InChannels, Model.OutChannels, Model.BlockOutChannels },
        Scheduler = new { Sampling.TrainSteps, Sampling.BetaStart, Sampling.BetaEnd, Sampling.BetaSchedule, PredictionType = Sampling.PredictionTypeName },
        Batch,
        Program = new { File = FileNames[0], Instructions = Program.Count, Bytes = Program.Count * InstructionSet.Bytes },
        Image = new
        {
            File = FileNames[1],
            Bytes = Image.Length,
            Regions = new object[]
            {
                new { Name = "constants", Base = $"BASE{BaseRegister.Constants}", Offset = Regions.ConstantsOffset, Bytes = Regions.ConstantsBytes },
                new { Name = "step group tables", Base = $"BASE{BaseRegister.StepGroupTables}", Offset = Regions.StepGroupTablesOffset, Bytes = Regions.StepGroupTablesBytes, Stride = Regions.StepGroupStride, Copies = SampleScales.Count },
                new { Name = "step tables", Base = $"BASE{BaseRegister.StepTables}", Offset = Regions.StepTablesOffset, Bytes = Regions.StepTablesBytes, Stride = Regions.StepStride, Copies = Timesteps.Count },
            },
        },
        Work = new { Base = $"BASE{BaseRegister.Work}", Bytes = WorkBytes },
        Input = TensorEntry(Sample),
        Output = TensorEntry(Output),
        Steps = Timesteps.Select((t, i) => new { Step = i, Timestep = t, StepGroup = StepGroupOfStep[i] }).ToList(),
        StepGroups = SampleScales.Select((s, g) => new { StepGroup = g, SampleScale = s, OutputScale = OutputScales[g] }).ToList(),
        Tensors = Tensors.Values.OrderBy(t => t.Offset).Select(TensorEntry).ToList(),
        Layers = Layers.Select(l => new { l.Name, l.Operation, l.Shape, l.Tiling, l.FirstInstruction, Instructions = l.InstructionCount, l.Macs }).ToList(),
    };

    /// <summary>diffacc_model.h: the manifest's numbers for C host code.</summary>
    public string Header() => TemplateText.Render("diffacc_model.h.sbn", new
    {
        Preset = Config.Name,
        Config.Groups,
        Config.Tm,
        Config.Tn,
        Batch,
        Instructions = Program.Count,
        ProgramBytes = Program.Count * InstructionSet.Bytes,
        ImageBytes = Image.Length,
        WorkBytes,
        Regions,
        Input = TensorEntry(Sample),
        Output = TensorEntry(Output),
        Steps = Timesteps.Count,
        Timesteps = string.Join(", ", Timesteps),
        StepGroupOfStep = string.Join(", ", StepGroupOfStep),
        StepGroups = SampleScales.Count,
        SampleScales = string.Join(", ", SampleScales.Select(s => s.ToString("R", CultureInfo.InvariantCulture))),
        OutputScales = string.Join(", ", OutputScales.Select(s => s.ToString("R", CultureInfo.InvariantCulture))),
        BetaStart = Schedule.Betas[0].ToString("R", CultureInfo.InvariantCulture),
        BetaEnd = Schedule.Betas[^1].ToString("R", CultureInfo.InvariantCulture),
        TrainSteps = Schedule.TrainSteps,
        PredictsV = Sampling.Prediction == PredictionType.V ? 1 : 0,
        PredictionType = Sampling.PredictionTypeName,
        AlphasCumprod = string.Join(", ", Timesteps.Select(t => Schedule.AlphasCumprod[t].ToString("R", CultureInfo.InvariantCulture))),
        OutputChannelMap = string.Join(", ", Output.ChannelMap.Take(Output.Channels)),
    }, typeof(CompiledUNet).Assembly);

    private NoiseSchedule Schedule => Sampling.Schedule;

    private static object TensorEntry(DdrTensor t) => new { t.Point, t.Offset, t.SampleStride, t.Channels, t.Height, t.Width, t.PixelBytes, Contiguous = t.Contiguous };

    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private void Place(DdrImage ddr, DdrLayout layout, DdrTensor tensor, int b, byte[] hwc)
    {
        var at = ddr.Index(layout.WorkAddress + tensor.At(b), hwc.Length, tensor.Point);
        hwc.CopyTo(ddr.Bytes, at);
    }

    private static long Align(long bytes) => (bytes + 4095) / 4096 * 4096;
}

/// <summary>A run's DDR window: the image at <see cref="Address"/>, then the work region and the program, 4 KB aligned.</summary>
public sealed record DdrLayout(long Address, long WorkAddress, long ProgramAddress, long Bytes);
