using DiffAcc.Accelerator.Compiler;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.Quantization;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Accelerator.Scenarios;

/// <summary>
/// The hand-written programs of the system testbenches: each layer type of the UNet on the
/// machine, from a DDR image to DDR results, with random and edge-case data, checked against the
/// int8 operators of model/ (Int8Ops, IntegerGroupNorm, IntegerSoftmax, ResidualAdd, ActivationTable).
/// Channels are multiples of Tn; the buffers must be at least the small preset's in rows (1,024 activation rows).
/// </summary>
public static class SystemScenarios
{
    /// <summary>The small build with the default preset's shape (<see cref="Presets.SmallWide"/>): the scenarios run on it beside the small preset.</summary>
    public static AcceleratorConfig Wide => Presets.SmallWide;

    public static IReadOnlyList<string> Names { get; } = ["conv3x3", "conv3x3-stride2", "conv1x1", "conv-passes", "groupnorm-silu", "residual-add", "concat-conv", "upsample-conv", "attention", "step-groups", "strided-copy", "conv-zero-point", "attention-unsigned", "add-statistics", "requantizer-banks", "conv-halo", "add-into-concat"];

    public static Scenario Get(string name, AcceleratorConfig config, int seed = 1) => name switch
    {
        "conv3x3" => Conv3x3(config, seed),
        "conv3x3-stride2" => Conv3x3Stride2(config, seed),
        "conv1x1" => Conv1x1(config, seed),
        "conv-passes" => ConvPasses(config, seed),
        "groupnorm-silu" => GroupNormSilu(config, seed),
        "residual-add" => ResidualAddition(config, seed),
        "concat-conv" => ConcatConv(config, seed),
        "upsample-conv" => UpsampleConv(config, seed),
        "attention" => Attention(config, seed),
        "attention-unsigned" => Attention(config, seed, ProbabilityFormat.Unsigned),
        "step-groups" => StepGroups(config, seed),
        "strided-copy" => StridedCopy(config, seed),
        "conv-zero-point" => ConvZeroPoint(config, seed),
        "add-statistics" => AddStatistics(config, seed),
        "requantizer-banks" => RequantizerBanks(config, seed),
        "conv-halo" => ConvHalo(config, seed),
        "add-into-concat" => AddIntoConcat(config, seed),
        _ => throw new ArgumentException($"no scenario '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };

    public static IEnumerable<Scenario> All(AcceleratorConfig config, int seed = 1) => Names.Select(n => Get(n, config, seed));

    /// <summary>3x3 convolution, stride 1, zero padding, in two bands of rows (halo rows, padding above and below), both groups with their own image.</summary>
    public static Scenario Conv3x3(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed);
        int cin = 2 * tn, cout = tn;
        const int h = 8, w = 8;
        var image = new ScenarioImage(config);
        var layer = ConvLayer.Random(r, cin, cout, 3);
        int groups = config.Groups, all = (1 << groups) - 1;
        var inputs = Enumerable.Range(0, groups).Select(g => g == 0 ? Edgy(r, cin * h * w) : r.Int8(cin * h * w)).ToArray();
        var inAt = inputs.Select(x => image.Put(TensorLayout.ToHwc(x, cin, h, w, cin))).ToArray();
        var weightsAt = image.PutWeights(TensorLayout.ConvWeightRows(layer.Weights, cout, cin, 3, tm, tn, 0, cout / tm));
        var tableAt = image.Put(layer.Requant.Select(RequantizerEntry.Of));
        var outAt = inputs.Select(_ => image.Reserve(h * w * cout)).ToArray();
        int cinBlocks = cin / tn, band = 4;
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = cout })
            .Add(new LoadWeights { Offset = weightsAt, Rows = cout / tm * 9 * cinBlocks, Complete = true });
        for (var b = 0; b < h / band; b++)
        {
            // Rows -1 .. band of the band: the row above is padding for the first band, a halo row otherwise.
            var top = Math.Max(0, (b * band) - 1);
            var rows = Math.Min(h, (b * band) + band + 1) - top;
            var inRow = b * 100;
            var outRow = 200 + (b * 40);
            for (var g = 0; g < groups; g++)
                program = program.Add(new Load { Group = g, Offset = inAt[g] + (top * w * cin), ActRow = inRow, Rows = rows * w * cinBlocks, Chunks = 1, Signal = g == groups - 1 ? Engines.Compute : Engines.None });
            program = program.Add(new Conv
            {
                GroupMask = all,
                InRow = inRow,
                InPixelStride = cinBlocks,
                CinBlocks = cinBlocks,
                InRows = rows,
                InCols = w,
                RowOffset = (b * band) - 1 - top,
                ColOffset = -1,
                Kernel3x3 = true,
                OutRows = band,
                OutCols = w,
                CoutBlocks = cout / tm,
                OutRow = outRow,
                OutPixelStride = cout / tn,
                Release = b == (h / band) - 1,
                Wait = Engines.Load,
                Signal = Engines.Store,
            });
            for (var g = 0; g < groups; g++)
                program = program.Add(new Store { Group = g, Offset = outAt[g] + (b * band * w * cout), ActRow = outRow, Rows = band * w * cout / tn, Chunks = 1, Wait = g == 0 ? Engines.Compute : Engines.None });
        }
        program = program.Add(new Finish());
        return new Scenario("conv3x3", $"3x3 convolution {cin} -> {cout} channels on 8x8, stride 1, padding 1, two bands of rows, every PE group", image.Build(), image.Registers(), program.Build(),
            ddr => [.. Enumerable.Range(0, groups).SelectMany(g => Compare($"group {g} output", ScenarioImage.At(ddr, outAt[g], h * w * cout), cout, h, w, cout, layer.Expected(inputs[g], cin, h, w, 1, (1, 1, 1, 1))))]);
    }

    /// <summary>
    /// 3x3 convolutions of images held in row bands, a band a group at the same buffer rows, each group reading the
    /// rows above and below its band in its neighbours (<see cref="Conv.HaloGroups"/>): stride 2 with diffusers'
    /// (0, 0, 1, 1) padding, one image over every group; stride 1 with padding 1, two images over half the groups
    /// each (on two groups, one each), the padding rows above and below at each run's first and last group.
    /// </summary>
    public static Scenario ConvHalo(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 15);
        int cin = 2 * tn, cout = tn, cinBlocks = cin / tn, outBlocks = cout / tn;
        const int w = 8, bandA = 2, bandB = 4;
        int groups = config.Groups, half = Math.Max(1, groups / 2), hA = bandA * groups, hB = bandB * half;
        var image = new ScenarioImage(config);
        var layer = ConvLayer.Random(r, cin, cout, 3);
        var inputA = Edgy(r, cin * hA * w);
        var inputsB = Enumerable.Range(0, groups / half).Select(_ => r.Int8(cin * hB * w)).ToArray();
        var inA = image.Put(TensorLayout.ToHwc(inputA, cin, hA, w, cin));
        var inB = inputsB.Select(x => image.Put(TensorLayout.ToHwc(x, cin, hB, w, cin))).ToArray();
        var weightsAt = image.PutWeights(TensorLayout.ConvWeightRows(layer.Weights, cout, cin, 3, tm, tn, 0, cout / tm));
        var tableAt = image.Put(layer.Requant.Select(RequantizerEntry.Of));
        var outA = image.Reserve(hA / 2 * (w / 2) * cout);
        var outB = inputsB.Select(_ => image.Reserve(hB * w * cout)).ToArray();
        const int inRowA = 64, outRowA = 300, inRowB = 500, outRowB = 700;
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = cout })
            .Add(new LoadWeights { Offset = weightsAt, Rows = cout / tm * 9 * cinBlocks, Complete = true });
        for (var g = 0; g < groups; g++)
            program = program.Add(new Load { Group = g, Offset = inA + (g * bandA * w * cin), ActRow = inRowA, Rows = bandA * w * cinBlocks, Chunks = 1, Signal = g == groups - 1 ? Engines.Compute : Engines.None });
        // Stride 2, padding (0, 0, 1, 1): a group's last output row reads the first row of the group below.
        var conv = new Conv
        {
            GroupMask = (1 << groups) - 1,
            InRow = inRowA,
            InPixelStride = cinBlocks,
            CinBlocks = cinBlocks,
            InRows = bandA,
            InCols = w,
            Kernel3x3 = true,
            Stride2 = true,
            OutRows = bandA / 2,
            OutCols = w / 2,
            CoutBlocks = cout / tm,
            OutRow = outRowA,
            OutPixelStride = outBlocks,
            HaloGroups = groups,
            Wait = Engines.Load,
            Signal = Engines.Store,
        };
        program = program.Add(conv);
        for (var g = 0; g < groups; g++)
            program = program.Add(new Store { Group = g, Offset = outA + (g * (bandA / 2) * (w / 2) * cout), ActRow = outRowA, Rows = bandA / 2 * (w / 2) * outBlocks, Chunks = 1, Wait = g == 0 ? Engines.Compute : Engines.None });
        for (var g = 0; g < groups; g++)
            program = program.Add(new Load { Group = g, Offset = inB[g / half] + (g % half * bandB * w * cin), ActRow = inRowB, Rows = bandB * w * cinBlocks, Chunks = 1, Signal = g == groups - 1 ? Engines.Compute : Engines.None });
        // Stride 1, padding 1, two images: rows above and below from the neighbours inside a run, padding at its ends.
        program = program.Add(conv with { InRow = inRowB, InRows = bandB, RowOffset = -1, ColOffset = -1, Stride2 = false, OutRows = bandB, OutCols = w, OutRow = outRowB, HaloGroups = half, Release = true });
        for (var g = 0; g < groups; g++)
            program = program.Add(new Store { Group = g, Offset = outB[g / half] + (g % half * bandB * w * cout), ActRow = outRowB, Rows = bandB * w * outBlocks, Chunks = 1, Wait = g == 0 ? Engines.Compute : Engines.None });
        program = program.Add(new Finish());
        return new Scenario("conv-halo", $"3x3 convolutions {cin} -> {cout} channels of images in row bands over the PE groups, each reading its neighbours' edge rows: stride 2 with padding (0, 0, 1, 1) on {hA}x{w} over {groups} groups, stride 1 with padding 1 on two {hB}x{w} images over {half} each", image.Build(), image.Registers(), program.Build(),
            ddr => [.. Compare("stride 2, one image", ScenarioImage.At(ddr, outA, hA / 2 * (w / 2) * cout), cout, hA / 2, w / 2, cout, layer.Expected(inputA, cin, hA, w, 2, (0, 0, 1, 1))),
                .. inputsB.SelectMany((x, i) => Compare($"stride 1, image {i}", ScenarioImage.At(ddr, outB[i], hB * w * cout), cout, hB, w, cout, layer.Expected(x, cin, hB, w, 1, (1, 1, 1, 1))))]);
    }

    /// <summary>3x3 convolution, stride 2: with padding on all sides, and diffusers' asymmetric (0, 0, 1, 1) downsampling padding.</summary>
    public static Scenario Conv3x3Stride2(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 1);
        int cin = 2 * tn, cout = 2 * tn;
        const int h = 8, w = 8;
        var image = new ScenarioImage(config);
        var layer = ConvLayer.Random(r, cin, cout, 3);
        var input = Edgy(r, cin * h * w);
        var inAt = image.Put(TensorLayout.ToHwc(input, cin, h, w, cin));
        var weightsAt = image.PutWeights(TensorLayout.ConvWeightRows(layer.Weights, cout, cin, 3, tm, tn, 0, cout / tm));
        var tableAt = image.Put(layer.Requant.Select(RequantizerEntry.Of));
        var outAt = new[] { image.Reserve(4 * 4 * cout), image.Reserve(4 * 4 * cout) };
        var cinBlocks = cin / tn;
        Conv Down(int offset, int outRow, bool release, Engines wait) => new()
        {
            GroupMask = 2,
            InRow = 0,
            InPixelStride = cinBlocks,
            CinBlocks = cinBlocks,
            InRows = h,
            InCols = w,
            RowOffset = offset,
            ColOffset = offset,
            Kernel3x3 = true,
            Stride2 = true,
            OutRows = 4,
            OutCols = 4,
            CoutBlocks = cout / tm,
            OutRow = outRow,
            OutPixelStride = cout / tn,
            Release = release,
            Wait = wait,
            Signal = Engines.Store,
        };
        var program = new ProgramBuilder(config)
            .Add(new LoadWeights { Offset = weightsAt, Rows = cout / tm * 9 * cinBlocks, Complete = true })
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = cout })
            .Add(new Load { Group = 1, Offset = inAt, Rows = h * w * cinBlocks, Chunks = 1, Signal = Engines.Compute })
            .Add(Down(-1, 300, false, Engines.Load))
            .Add(new Store { Group = 1, Offset = outAt[0], ActRow = 300, Rows = 16 * cout / tn, Chunks = 1, Wait = Engines.Compute })
            .Add(Down(0, 400, true, Engines.None))
            .Add(new Store { Group = 1, Offset = outAt[1], ActRow = 400, Rows = 16 * cout / tn, Chunks = 1, Wait = Engines.Compute })
            .Add(new Finish())
            .Build();
        return new Scenario("conv3x3-stride2", $"3x3 convolution {cin} -> {cout} channels, stride 2, 8x8 -> 4x4, padding 1 and padding (0, 0, 1, 1), PE group 1", image.Build(), image.Registers(), program,
            ddr => [.. Compare("padding 1", ScenarioImage.At(ddr, outAt[0], 16 * cout), cout, 4, 4, cout, layer.Expected(input, cin, h, w, 2, (1, 1, 1, 1))),
                .. Compare("padding (0, 0, 1, 1)", ScenarioImage.At(ddr, outAt[1], 16 * cout), cout, 4, 4, cout, layer.Expected(input, cin, h, w, 2, (0, 0, 1, 1)))]);
    }

    /// <summary>1x1 convolution 16 -> 24 channels split over two weight sets (ping-pong), the second placed by CoutBase in the middle of a buffer row.</summary>
    public static Scenario Conv1x1(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 2);
        int cin = 2 * tn, cout = 3 * tn;
        const int h = 8, w = 8;
        var image = new ScenarioImage(config);
        var layer = ConvLayer.Random(r, cin, cout, 1);
        var input = Edgy(r, cin * h * w);
        var inAt = image.Put(TensorLayout.ToHwc(input, cin, h, w, cin));
        var blocks = cout / tm;
        var half = blocks / 2;
        var weightsAt = new[] { image.PutWeights(TensorLayout.ConvWeightRows(layer.Weights, cout, cin, 1, tm, tn, 0, half)), image.PutWeights(TensorLayout.ConvWeightRows(layer.Weights, cout, cin, 1, tm, tn, half, blocks - half)) };
        var tableAt = image.Put(layer.Requant.Select(RequantizerEntry.Of));
        var outAt = image.Reserve(h * w * cout);
        var cinBlocks = cin / tn;
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = cout })
            .Add(new Load { Group = 0, Offset = inAt, Rows = h * w * cinBlocks, Chunks = 1, Signal = Engines.Compute })
            .Add(new LoadWeights { Offset = weightsAt[0], Rows = half * cinBlocks, Complete = true })
            .Add(new LoadWeights { Offset = weightsAt[1], Rows = (blocks - half) * cinBlocks, Complete = true });
        for (var s = 0; s < 2; s++)
        {
            program = program.Add(WholeImage1x1(cinBlocks, h, w, s == 0 ? half : blocks - half, cout / tn, 500, release: true) with
            {
                CoutBase = s * half,
                Wait = s == 0 ? Engines.Load : Engines.None,
                Signal = s == 1 ? Engines.Store : Engines.None,
            });
        }
        program = program.Add(new Store { Group = 0, Offset = outAt, ActRow = 500, Rows = h * w * cout / tn, Chunks = 1, Wait = Engines.Compute }).Add(new Finish());
        return new Scenario("conv1x1", $"1x1 convolution {cin} -> {cout} channels on 8x8 in two weight sets, output blocks 0-{half - 1} and {half}-{blocks - 1}", image.Build(), image.Registers(), program.Build(),
            ddr => Compare("output", ScenarioImage.At(ddr, outAt, h * w * cout), cout, h, w, cout, layer.Expected(input, cin, h, w, 1, (0, 0, 0, 0))));
    }

    /// <summary>
    /// A 3x3 convolution whose input channels take three passes: accumulator store, add, and add with
    /// requantization. The first and last passes' channels stand for q x 2^3 and q x 2^1 (parts of a
    /// concatenation with split scales): their CONVs shift the sums by input exponents A and B, which a
    /// LOAD_TABLE loaded; the middle pass's sums go as they are.
    /// </summary>
    public static Scenario ConvPasses(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 3);
        int cin = 6 * tn, cout = tn;
        const int h = 6, w = 6, passBlocks = 2;
        var image = new ScenarioImage(config);
        var layer = ConvLayer.Random(r, cin, cout, 3);
        var input = Edgy(r, cin * h * w);
        var inAt = image.Put(TensorLayout.ToHwc(input, cin, h, w, cin));
        var cinBlocks = cin / tn;
        var passes = cinBlocks / passBlocks;
        var weightsAt = Enumerable.Range(0, passes).Select(p => image.PutWeights(TensorLayout.ConvWeightRows(layer.Weights, cout, cin, 3, tm, tn, 0, cout / tm, p * passBlocks, passBlocks))).ToArray();
        var tableAt = image.Put(layer.Requant.Select(RequantizerEntry.Of));
        var exponents = new InputExponents { A = 3, B = 1 };
        var passExponents = new[] { 1, 0, 2 };
        var channelExponents = Enumerable.Range(0, cin).Select(c => passExponents[c / (passBlocks * tn)] switch { 1 => exponents.A, 2 => exponents.B, _ => 0 }).ToArray();
        var exponentsAt = image.Put([exponents]);
        var outAt = image.Reserve(h * w * cout);
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = cout })
            .Add(new LoadTable { Kind = TableKind.InputExponents, Offset = exponentsAt, Count = 1 })
            .Add(new Load { Group = 0, Offset = inAt, Rows = h * w * cinBlocks, Chunks = 1, Signal = Engines.Compute });
        for (var p = 0; p < passes; p++)
        {
            program = program
                .Add(new LoadWeights { Offset = weightsAt[p], Rows = cout / tm * 9 * passBlocks, Complete = true })
                .Add(new Conv
                {
                    GroupMask = 1,
                    InRow = p * passBlocks,
                    InPixelStride = cinBlocks,
                    CinBlocks = passBlocks,
                    InRows = h,
                    InCols = w,
                    RowOffset = -1,
                    ColOffset = -1,
                    Kernel3x3 = true,
                    OutRows = h,
                    OutCols = w,
                    CoutBlocks = cout / tm,
                    AccRow = 10,
                    OutRow = 600,
                    OutPixelStride = cout / tn,
                    Release = true,
                    Output = p == 0 ? ConvOutput.AccumulatorStore : p == passes - 1 ? ConvOutput.AccumulatorAddRequantize : ConvOutput.AccumulatorAdd,
                    Exponent = passExponents[p],
                    Wait = p == 0 ? Engines.Load : Engines.None,
                    Signal = p == passes - 1 ? Engines.Store : Engines.None,
                });
        }
        program = program.Add(new Store { Group = 0, Offset = outAt, ActRow = 600, Rows = h * w * cout / tn, Chunks = 1, Wait = Engines.Compute }).Add(new Finish());
        return new Scenario("conv-passes", $"3x3 convolution {cin} -> {cout} channels on 6x6 in three passes of {passBlocks * tn} input channels through the accumulator banks, the first and last at exponents {exponents.A} and {exponents.B}", image.Build(), image.Registers(), program.Build(),
            ddr => Compare("output", ScenarioImage.At(ddr, outAt, h * w * cout), cout, h, w, cout, layer.Expected(input, cin, h, w, 1, (1, 1, 1, 1), exponents: channelExponents)));
    }

    /// <summary>
    /// GroupNorm (Tn / 2 channels per group) in two halves of channels, as the compiler splits one under a convolution's
    /// last output chunk: the first half's statistics in two bands, each half finished (GN_FINISH from FirstChannel)
    /// and applied on its own, fused with SiLU, a constant group and a saturated
    /// group among them, every third channel's values standing for q x 2^e (e = 1 .. 4, as in a concatenation with
    /// split scales; the exponent comes with the channel's entry); and a lone activation table.
    /// </summary>
    public static Scenario GroupNormSilu(AcceleratorConfig config, int seed)
    {
        var (_, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 4);
        int channels = 4 * tn, perGroup = tn / 2;
        const int groups = 8, h = 8, w = 8;
        var pixels = h * w;
        var input = r.Int8(channels * pixels, -40, 60);
        // Group 1 constant (variance 0), group 2 at the extremes, group 3 small values.
        for (var i = 0; i < perGroup * pixels; i++)
        {
            input[(perGroup * pixels) + i] = 17;
            input[(2 * perGroup * pixels) + i] = (sbyte)(i % 3 == 0 ? -128 : 127);
            input[(3 * perGroup * pixels) + i] = (sbyte)(i % 5 - 2);
        }
        double inScale = 0.05, normScale = 0.03, siluScale = 0.02;
        var gamma = Enumerable.Range(0, channels).Select(_ => r.Double(0.3, 2.0) * (r.Next(0, 5) == 0 ? -1 : 1)).ToArray();
        var beta = Enumerable.Range(0, channels).Select(_ => r.Double(-1, 1)).ToArray();
        gamma[0] = 0;
        var entries = Enumerable.Range(0, channels).Select(c => GroupNormChannel.FromScale(gamma[c] / normScale, beta[c] / normScale)).ToArray();
        var exponents = Enumerable.Range(0, channels).Select(c => c % 3 == 1 ? 1 + (c % SplitConcat.MaxSteps) : 0).ToArray();
        var count = channels / groups * pixels;
        var epsilon = IntegerGroupNorm.EpsilonTerm(1e-5, count, inScale);
        var silu = ActivationTable.Silu(normScale, siluScale);
        var gelu = ActivationTable.Build(x => 0.5 * x * (1 + Math.Tanh(0.8 * x)), inScale, siluScale);

        var image = new ScenarioImage(config);
        var inAt = image.Put(TensorLayout.ToHwc(input, channels, h, w, channels));
        var paramsAt = image.Put([new GroupNormParameters { Count = count, EpsilonTerm = epsilon }]);
        var channelsAt = image.Put(entries.Select((e, c) => GroupNormEntry.Of(e, exponents[c])));
        var tablesAt = image.Put([.. gelu.Entries.Select(v => (byte)v), .. silu.Entries.Select(v => (byte)v)]);
        var outAt = image.Reserve(pixels * channels);
        var tableOutAt = image.Reserve(pixels * channels);
        var blocks = channels / tn;
        var half = blocks / 2;
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Parameters, Offset = paramsAt, First = 5, Count = 1 })
            .Add(new LoadTable { Kind = TableKind.GroupNorm, Offset = channelsAt, Count = channels })
            .Add(new LoadTable { Kind = TableKind.Activation, Offset = tablesAt, First = 0, Count = 2 })
            .Add(new Load { Group = 0, Offset = inAt, Rows = pixels * blocks, Chunks = 1 })
            .Add(new Load { Group = 1, Offset = inAt, Rows = pixels * blocks, Chunks = 1, ActRow = 64, Signal = Engines.Vector })
            .Add(new GroupNormStatistics { Group = 0, Src = 0, Pixels = pixels / 2, Blocks = half, SrcStride = blocks, Clear = true, Wait = Engines.Load })
            .Add(new GroupNormStatistics { Group = 0, Src = pixels / 2 * blocks, Pixels = pixels / 2, Blocks = half, SrcStride = blocks })
            .Add(new GroupNormFinish { Channels = half * tn, ChannelsPerGroup = channels / groups, Param = 5 })
            .Add(new GroupNormStatistics { Group = 0, Src = half, Pixels = pixels, Blocks = half, SrcStride = blocks, ChannelBase = half, Clear = true })
            // The first half's sums change after its finish: the second half's finish must leave the first's results alone.
            .Add(new GroupNormStatistics { Group = 0, Src = 0, Pixels = pixels / 2, Blocks = half, SrcStride = blocks, Clear = true })
            .Add(new GroupNormFinish { FirstChannel = half * tn, Channels = channels, ChannelsPerGroup = channels / groups, Param = 5 })
            .Add(new GroupNormApply { Group = 0, Src = 0, Pixels = pixels, Blocks = half, SrcStride = blocks, Dst = 300, DstStride = blocks, Param = 5, ApplyTable = true, Slot = 1 })
            .Add(new GroupNormApply { Group = 0, Src = half, Pixels = pixels, Blocks = half, SrcStride = blocks, Dst = 300 + half, DstStride = blocks, ChannelBase = half, Param = 5, ApplyTable = true, Slot = 1 })
            .Add(new Activate { Group = 1, Src = 64, Pixels = pixels, Blocks = blocks, SrcStride = blocks, Dst = 700, DstStride = blocks, Slot = 0, Signal = Engines.Store })
            .Add(new Store { Group = 0, Offset = outAt, ActRow = 300, Rows = pixels * blocks, Chunks = 1, Wait = Engines.Vector })
            .Add(new Store { Group = 1, Offset = tableOutAt, ActRow = 700, Rows = pixels * blocks, Chunks = 1 })
            .Add(new Finish())
            .Build();
        return new Scenario("groupnorm-silu", $"GroupNorm of {channels} channels in 8 groups on 8x8 in two halves of channels, each finished and applied on its own (the first half's statistics in two bands; its sums overwritten before the second half's finish), every third channel at an exponent 1 .. 4, with SiLU in the same pass; an activation table alone on group 1", image.Build(), image.Registers(), program,
            ddr =>
            {
                var x = new Int8Tensor([1, channels, h, w], inScale, input, channelExponents: exponents);
                var normalized = Int8Ops.GroupNorm(x, groups, epsilon, entries, normScale);
                var expected = new sbyte[normalized.Length];
                silu.Apply(normalized.Data, expected);
                var tabled = new sbyte[input.Length];
                gelu.Apply(input, tabled);
                return [.. Compare("GroupNorm + SiLU", ScenarioImage.At(ddr, outAt, pixels * channels), channels, h, w, channels, expected),
                    .. Compare("activation table", ScenarioImage.At(ddr, tableOutAt, pixels * channels), channels, h, w, channels, tabled)];
            });
    }

    /// <summary>Residual add of two tensors with different scales (saturating sums included), on both groups.</summary>
    public static Scenario ResidualAddition(AcceleratorConfig config, int seed)
    {
        var (_, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 5);
        var channels = 2 * tn;
        const int h = 8, w = 8;
        var pixels = h * w;
        var a = Edgy(r, channels * pixels);
        var b = Edgy(r, channels * pixels);
        var add = ResidualAdd.FromScales(0.04, 0.07, 0.06);
        var image = new ScenarioImage(config);
        var aAt = image.Put(TensorLayout.ToHwc(a, channels, h, w, channels));
        var bAt = image.Put(TensorLayout.ToHwc(b, channels, h, w, channels));
        var paramsAt = image.Put([AddParameters.Of(add)]);
        var outAt = new[] { image.Reserve(pixels * channels), image.Reserve(pixels * channels) };
        var blocks = channels / tn;
        var rows = pixels * blocks;
        var program = new ProgramBuilder(config).Add(new LoadTable { Kind = TableKind.Parameters, Offset = paramsAt, First = 15, Count = 1 });
        for (var g = 0; g < 2; g++)
        {
            program = program
                .Add(new Load { Group = g, Offset = g == 0 ? aAt : bAt, Rows = rows, Chunks = 1, ActRow = 0 })
                .Add(new Load { Group = g, Offset = g == 0 ? bAt : aAt, Rows = rows, Chunks = 1, ActRow = rows, Signal = Engines.Vector });
        }
        for (var g = 0; g < 2; g++)
        {
            program = program.Add(new Add
            {
                Group = g,
                Src = 0,
                SrcB = rows,
                Pixels = pixels,
                Blocks = blocks,
                SrcStride = blocks,
                Dst = 400,
                DstStride = blocks,
                Param = 15,
                Wait = Engines.Load,
                Signal = Engines.Store,
            }).Add(new Store { Group = g, Offset = outAt[g], ActRow = 400, Rows = rows, Chunks = 1, Wait = Engines.Vector });
        }
        program = program.Add(new Finish());
        return new Scenario("residual-add", $"residual add of two {channels}-channel 8x8 tensors with scales 0.04 and 0.07 into 0.06, on both groups (a + b and b + a)", image.Build(), image.Registers(), program.Build(),
            ddr =>
            {
                var ab = a.Select((x, i) => add.Apply(x, b[i])).ToArray();
                var ba = b.Select((x, i) => add.Apply(x, a[i])).ToArray();
                return [.. Compare("group 0", ScenarioImage.At(ddr, outAt[0], pixels * channels), channels, h, w, channels, ab),
                    .. Compare("group 1", ScenarioImage.At(ddr, outAt[1], pixels * channels), channels, h, w, channels, ba)];
            });
    }

    /// <summary>
    /// The GroupNorm + SiLU that reads a tensor at <see cref="InputScale"/>: each channel's gain (a fifth of them
    /// negative) and offset drawn at random, and the int8 result the scenario expects of it.
    /// </summary>
    private sealed record GroupNormSiluAfter(GroupNormChannel[] Entries, int Groups, int Count, long Epsilon, ActivationTable Silu, double InputScale)
    {
        private const double NormScale = 0.03, SiluScale = 0.02;

        public static GroupNormSiluAfter Random(ScenarioRandom r, int channels, int groups, int pixels, double inputScale)
        {
            var gamma = Enumerable.Range(0, channels).Select(_ => r.Double(0.3, 2.0) * (r.Next(0, 5) == 0 ? -1 : 1)).ToArray();
            var beta = Enumerable.Range(0, channels).Select(_ => r.Double(-1, 1)).ToArray();
            var entries = Enumerable.Range(0, channels).Select(c => GroupNormChannel.FromScale(gamma[c] / NormScale, beta[c] / NormScale)).ToArray();
            var count = channels / groups * pixels;
            return new GroupNormSiluAfter(entries, groups, count, IntegerGroupNorm.EpsilonTerm(1e-5, count, inputScale), ActivationTable.Silu(NormScale, SiluScale), inputScale);
        }

        public sbyte[] Expected(sbyte[] chw, int channels, int h, int w)
        {
            var normalized = Int8Ops.GroupNorm(new Int8Tensor([1, channels, h, w], InputScale, chw), Groups, Epsilon, Entries, NormScale);
            var expected = new sbyte[normalized.Length];
            Silu.Apply(normalized.Data, expected);
            return expected;
        }
    }

    /// <summary>
    /// GroupNorm + SiLU of a tensor whose writers gathered its statistics (ADD with Statistics): channel block 0
    /// a residual add, block 1 a rescale (a concatenation's part, StatisticsBase 1), each over two PE groups'
    /// halves of the pixels, then GN_FINISH and GN_APPLY with no GN_STATS pass. An earlier tensor's sums
    /// lie in the table: each block's first writer clears them.
    /// </summary>
    public static Scenario AddStatistics(AcceleratorConfig config, int seed)
    {
        var (_, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 13);
        var channels = 2 * tn;
        const int groups = 8, h = 8, w = 8;
        var pixels = h * w;
        var half = pixels / 2;
        var a = Edgy(r, channels * pixels);
        var b = Edgy(r, channels * pixels);
        const double outScale = 0.06;
        var add = ResidualAdd.FromScales(0.04, 0.07, outScale);
        var rescale = ResidualAdd.Rescale(0.04, outScale);
        var written = a.Select((x, i) => i / pixels < tn ? add.Apply(x, b[i]) : rescale.Apply(x, 0)).ToArray();
        var norm = GroupNormSiluAfter.Random(r, channels, groups, pixels, outScale);
        var (entries, count, epsilon, silu) = (norm.Entries, norm.Count, norm.Epsilon, norm.Silu);

        var image = new ScenarioImage(config);
        var aAt = image.Put(TensorLayout.ToHwc(a, channels, h, w, channels));
        var bAt = image.Put(TensorLayout.ToHwc(b, channels, h, w, channels));
        var addAt = image.Put([AddParameters.Of(add), AddParameters.Of(rescale)]);
        var normAt = image.Put([new GroupNormParameters { Count = count, EpsilonTerm = epsilon }]);
        var channelsAt = image.Put(entries.Select(e => GroupNormEntry.Of(e)));
        var tableAt = image.Put([.. silu.Entries.Select(v => (byte)v)]);
        var writtenAt = image.Reserve(pixels * channels);
        var outAt = image.Reserve(pixels * channels);
        var blocks = channels / tn;
        var rows = half * blocks;
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Parameters, Offset = addAt, First = 14, Count = 2 })
            .Add(new LoadTable { Kind = TableKind.Parameters, Offset = normAt, First = 5, Count = 1 })
            .Add(new LoadTable { Kind = TableKind.GroupNorm, Offset = channelsAt, Count = channels })
            .Add(new LoadTable { Kind = TableKind.Activation, Offset = tableAt, First = 0, Count = 1 });
        for (var g = 0; g < 2; g++)
        {
            program = program
                .Add(new Load { Group = g, Offset = aAt + (g * half * channels), Rows = rows, Chunks = 1 })
                .Add(new Load { Group = g, Offset = bAt + (g * half * channels), Rows = rows, Chunks = 1, ActRow = rows, Signal = g == 1 ? Engines.Vector : Engines.None });
        }
        // Sums of another tensor (b's first half) in the table, as a GroupNorm before would leave them.
        program = program.Add(new GroupNormStatistics { Group = 0, Src = rows, Pixels = half, Blocks = blocks, SrcStride = blocks, Clear = true, Wait = Engines.Load });
        for (var g = 0; g < 2; g++)
        {
            program = program
                .Add(new Add { Group = g, Src = 0, SrcB = rows, Pixels = half, Blocks = 1, SrcStride = blocks, Dst = 400, DstStride = blocks, Param = 14, Statistics = true, StatisticsClear = g == 0 })
                .Add(new Add { Group = g, Src = 1, Pixels = half, Blocks = 1, SrcStride = blocks, Dst = 401, DstStride = blocks, Param = 15, SingleOperand = true, Statistics = true, StatisticsBase = 1, StatisticsClear = g == 0 });
        }
        program = program.Add(new GroupNormFinish { Channels = channels, ChannelsPerGroup = channels / groups, Param = 5 });
        for (var g = 0; g < 2; g++)
            program = program.Add(new GroupNormApply { Group = g, Src = 400, Pixels = half, Blocks = blocks, SrcStride = blocks, Dst = 600, DstStride = blocks, Param = 5, ApplyTable = true, Slot = 0, Signal = g == 1 ? Engines.Store : Engines.None });
        for (var g = 0; g < 2; g++)
        {
            program = program
                .Add(new Store { Group = g, Offset = writtenAt + (g * half * channels), ActRow = 400, Rows = rows, Chunks = 1, Wait = g == 0 ? Engines.Vector : Engines.None })
                .Add(new Store { Group = g, Offset = outAt + (g * half * channels), ActRow = 600, Rows = rows, Chunks = 1 });
        }
        program = program.Add(new Finish());
        return new Scenario("add-statistics", $"GroupNorm + SiLU of {channels} channels in {groups} groups on 8x8 with no statistics pass: a residual add (block 0) and a rescale (block 1) on two PE groups' halves gather the statistics as they write, clearing an earlier tensor's sums", image.Build(), image.Registers(), program.Build(),
            ddr => [.. Compare("add and rescale", ScenarioImage.At(ddr, writtenAt, pixels * channels), channels, h, w, channels, written),
                .. Compare("GroupNorm + SiLU", ScenarioImage.At(ddr, outAt, pixels * channels), channels, h, w, channels, norm.Expected(written, channels, h, w))]);
    }

    /// <summary>
    /// A residual add written straight into a concatenation's first part through a table that rescales each sum (ADD
    /// with ApplyTable), the second part rescaled beside it, both gathering the GroupNorm statistics of what they write;
    /// the GroupNorm + SiLU after reads the concatenation.
    /// </summary>
    public static Scenario AddIntoConcat(AcceleratorConfig config, int seed)
    {
        var (_, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 17);
        var channels = 2 * tn;
        const int groups = 8, h = 8, w = 8;
        var pixels = h * w;
        var half = pixels / 2;
        var a = Edgy(r, tn * pixels);
        var b = Edgy(r, tn * pixels);
        var skip = Edgy(r, tn * pixels);
        const double sumScale = 0.06, catScale = 0.045;
        var add = ResidualAdd.FromScales(0.04, 0.07, sumScale);
        var rescaleSum = ResidualAdd.Rescale(sumScale, catScale);
        var rescaleSkip = ResidualAdd.Rescale(0.05, catScale);
        var table = Enumerable.Range(sbyte.MinValue, 256).Select(v => rescaleSum.Apply((sbyte)v, 0)).ToArray();
        // The concatenation in CHW: the rescaled sums, then the rescaled skip.
        var written = a.Select((x, i) => rescaleSum.Apply(add.Apply(x, b[i]), 0)).Concat(skip.Select(x => rescaleSkip.Apply(x, 0))).ToArray();
        var norm = GroupNormSiluAfter.Random(r, channels, groups, pixels, catScale);
        var (entries, count, epsilon, silu) = (norm.Entries, norm.Count, norm.Epsilon, norm.Silu);

        var image = new ScenarioImage(config);
        var aAt = image.Put(TensorLayout.ToHwc(a, tn, h, w, tn));
        var bAt = image.Put(TensorLayout.ToHwc(b, tn, h, w, tn));
        var skipAt = image.Put(TensorLayout.ToHwc(skip, tn, h, w, tn));
        var addAt = image.Put([AddParameters.Of(add), AddParameters.Of(rescaleSkip)]);
        var normAt = image.Put([new GroupNormParameters { Count = count, EpsilonTerm = epsilon }]);
        var channelsAt = image.Put(entries.Select(e => GroupNormEntry.Of(e)));
        var tablesAt = image.Put([.. silu.Entries.Select(v => (byte)v), .. table.Select(v => (byte)v)]);
        var writtenAt = image.Reserve(pixels * channels);
        var outAt = image.Reserve(pixels * channels);
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Parameters, Offset = addAt, First = 12, Count = 2 })
            .Add(new LoadTable { Kind = TableKind.Parameters, Offset = normAt, First = 5, Count = 1 })
            .Add(new LoadTable { Kind = TableKind.GroupNorm, Offset = channelsAt, Count = channels })
            .Add(new LoadTable { Kind = TableKind.Activation, Offset = tablesAt, First = 0, Count = 2 });
        for (var g = 0; g < 2; g++)
        {
            // a at rows 0.., b at 100.., the skip straight into block 1 of the concatenation's rows (400 + 2p + 1).
            program = program
                .Add(new Load { Group = g, Offset = aAt + (g * half * tn), Rows = half, Chunks = 1 })
                .Add(new Load { Group = g, Offset = bAt + (g * half * tn), Rows = half, Chunks = 1, ActRow = 100 })
                .Add(new Load { Group = g, Offset = skipAt + (g * half * tn), ActRow = 401, Rows = 1, Chunks = half, DdrStride = tn, ActStride = 2, Signal = g == 1 ? Engines.Vector : Engines.None });
        }
        for (var g = 0; g < 2; g++)
        {
            program = program
                .Add(new Add { Group = g, Src = 0, SrcB = 100, Pixels = half, Blocks = 1, SrcStride = 1, Dst = 400, DstStride = 2, Param = 12, ApplyTable = true, Slot = 1, Statistics = true, StatisticsClear = g == 0, Wait = g == 0 ? Engines.Load : Engines.None })
                .Add(new Add { Group = g, Src = 401, Pixels = half, Blocks = 1, SrcStride = 2, Dst = 401, DstStride = 2, Param = 13, SingleOperand = true, Statistics = true, StatisticsBase = 1, StatisticsClear = g == 0 });
        }
        program = program.Add(new GroupNormFinish { Channels = channels, ChannelsPerGroup = channels / groups, Param = 5 });
        for (var g = 0; g < 2; g++)
            program = program.Add(new GroupNormApply { Group = g, Src = 400, Pixels = half, Blocks = 2, SrcStride = 2, Dst = 600, DstStride = 2, Param = 5, ApplyTable = true, Slot = 0, Signal = g == 1 ? Engines.Store : Engines.None });
        for (var g = 0; g < 2; g++)
        {
            program = program
                .Add(new Store { Group = g, Offset = writtenAt + (g * half * channels), ActRow = 400, Rows = 2 * half, Chunks = 1, Wait = g == 0 ? Engines.Vector : Engines.None })
                .Add(new Store { Group = g, Offset = outAt + (g * half * channels), ActRow = 600, Rows = 2 * half, Chunks = 1 });
        }
        program = program.Add(new Finish());
        return new Scenario("add-into-concat", $"a residual add of {tn} channels on 8x8 written into block 0 of a {channels}-channel concatenation through a rescale table, the skip rescaled into block 1, on two PE groups' halves, gathering the statistics for the GroupNorm + SiLU that reads the concatenation", image.Build(), image.Registers(), program.Build(),
            ddr => [.. Compare("add into the concatenation", ScenarioImage.At(ddr, writtenAt, pixels * channels), channels, h, w, channels, written),
                .. Compare("GroupNorm + SiLU", ScenarioImage.At(ddr, outAt, pixels * channels), channels, h, w, channels, norm.Expected(written, channels, h, w))]);
    }

    /// <summary>A concatenation (16 + 8 channels, each rescaled in place to the concatenation's scale) consumed by a 3x3 convolution.</summary>
    public static Scenario ConcatConv(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 6);
        int ca = 2 * tn, cb = tn, cout = tn;
        const int h = 8, w = 8;
        var pixels = h * w;
        var a = Edgy(r, ca * pixels);
        var b = Edgy(r, cb * pixels);
        double sa = 0.05, sb = 0.02, scat = 0.04;
        var (ra, rb) = (ResidualAdd.Rescale(sa, scat), ResidualAdd.Rescale(sb, scat));
        var layer = ConvLayer.Random(r, ca + cb, cout, 3);
        var image = new ScenarioImage(config);
        var aAt = image.Put(TensorLayout.ToHwc(a, ca, h, w, ca));
        var bAt = image.Put(TensorLayout.ToHwc(b, cb, h, w, cb));
        var paramsAt = image.Put([AddParameters.Of(ra), AddParameters.Of(rb)]);
        var weightsAt = image.PutWeights(TensorLayout.ConvWeightRows(layer.Weights, cout, ca + cb, 3, tm, tn, 0, cout / tm));
        var tableAt = image.Put(layer.Requant.Select(RequantizerEntry.Of));
        var outAt = image.Reserve(pixels * cout);
        int blocksA = ca / tn, blocksB = cb / tn, blocks = blocksA + blocksB;
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Parameters, Offset = paramsAt, First = 0, Count = 2 })
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = cout })
            .Add(new LoadWeights { Offset = weightsAt, Rows = cout / tm * 9 * blocks, Complete = true })
            // Each part lands in its channel blocks of the concatenated rows: a pixel stride of 3 blocks.
            .Add(new Load { Group = 1, Offset = aAt, ActRow = 0, Rows = blocksA, Chunks = pixels, DdrStride = ca, ActStride = blocks })
            .Add(new Load { Group = 1, Offset = bAt, ActRow = blocksA, Rows = blocksB, Chunks = pixels, DdrStride = cb, ActStride = blocks, Signal = Engines.Vector })
            .Add(new Add { Group = 1, Src = 0, Pixels = pixels, Blocks = blocksA, SrcStride = blocks, Dst = 0, DstStride = blocks, Param = 0, SingleOperand = true, Wait = Engines.Load })
            .Add(new Add { Group = 1, Src = blocksA, Pixels = pixels, Blocks = blocksB, SrcStride = blocks, Dst = blocksA, DstStride = blocks, Param = 1, SingleOperand = true, Signal = Engines.Compute })
            .Add(new Conv
            {
                GroupMask = 2,
                InRow = 0,
                InPixelStride = blocks,
                CinBlocks = blocks,
                InRows = h,
                InCols = w,
                RowOffset = -1,
                ColOffset = -1,
                Kernel3x3 = true,
                OutRows = h,
                OutCols = w,
                CoutBlocks = cout / tm,
                OutRow = 800,
                OutPixelStride = cout / tn,
                Release = true,
                Wait = Engines.Vector,
                Signal = Engines.Store,
            })
            .Add(new Store { Group = 1, Offset = outAt, ActRow = 800, Rows = pixels * cout / tn, Chunks = 1, Wait = Engines.Compute })
            .Add(new Finish())
            .Build();
        return new Scenario("concat-conv", $"concatenation of {ca} (scale 0.05) and {cb} (scale 0.02) channels into scale 0.04 by placement and in-place rescaling, then a 3x3 convolution {ca + cb} -> {cout}", image.Build(), image.Registers(), program,
            ddr =>
            {
                var cat = new sbyte[(ca + cb) * pixels];
                for (var i = 0; i < ca * pixels; i++)
                    cat[i] = ra.Apply(a[i], 0);
                for (var i = 0; i < cb * pixels; i++)
                    cat[(ca * pixels) + i] = rb.Apply(b[i], 0);
                return Compare("output", ScenarioImage.At(ddr, outAt, pixels * cout), cout, h, w, cout, layer.Expected(cat, ca + cb, h, w, 1, (1, 1, 1, 1)));
            });
    }

    /// <summary>Nearest 2x upsampling read by a 3x3 convolution, 4x4 -> 8x8, in two bands (the second starts on an odd upsampled row).</summary>
    public static Scenario UpsampleConv(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 7);
        int cin = 2 * tn, cout = tn;
        const int h = 4, w = 4;
        var layer = ConvLayer.Random(r, cin, cout, 3);
        var input = Edgy(r, cin * h * w);
        var image = new ScenarioImage(config);
        var inAt = image.Put(TensorLayout.ToHwc(input, cin, h, w, cin));
        var weightsAt = image.PutWeights(TensorLayout.ConvWeightRows(layer.Weights, cout, cin, 3, tm, tn, 0, cout / tm));
        var tableAt = image.Put(layer.Requant.Select(RequantizerEntry.Of));
        var outAt = image.Reserve(4 * h * w * cout);
        var cinBlocks = cin / tn;
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = cout })
            .Add(new LoadWeights { Offset = weightsAt, Rows = cout / tm * 9 * cinBlocks, Complete = true });
        // Band b covers output rows 4b .. 4b+3, which read upsampled rows 4b-1 .. 4b+4: source rows from (4b-1)/2.
        for (var b = 0; b < 2; b++)
        {
            var first = Math.Max(0, ((4 * b) - 1) / 2);
            var last = Math.Min(h - 1, ((4 * b) + 4) / 2);
            var inRow = 50 * b;
            program = program
                .Add(new Load { Group = 0, Offset = inAt + (first * w * cin), ActRow = inRow, Rows = (last - first + 1) * w * cinBlocks, Chunks = 1, Signal = Engines.Compute })
                .Add(new Conv
                {
                    GroupMask = 1,
                    InRow = inRow,
                    InPixelStride = cinBlocks,
                    CinBlocks = cinBlocks,
                    InRows = last - first + 1,
                    InCols = w,
                    Upsample = true,
                    RowOffset = (4 * b) - 1 - (2 * first),
                    ColOffset = -1,
                    Kernel3x3 = true,
                    OutRows = 4,
                    OutCols = 2 * w,
                    CoutBlocks = cout / tm,
                    OutRow = 200 + (50 * b),
                    OutPixelStride = cout / tn,
                    Release = b == 1,
                    Wait = Engines.Load,
                    Signal = Engines.Store,
                })
                .Add(new Store { Group = 0, Offset = outAt + (4 * b * 2 * w * cout), ActRow = 200 + (50 * b), Rows = 4 * 2 * w * cout / tn, Chunks = 1, Wait = Engines.Compute });
        }
        program = program.Add(new Finish());
        return new Scenario("upsample-conv", $"nearest 2x upsampling 4x4 -> 8x8 as an addressing mode of a 3x3 convolution {cin} -> {cout}, two bands of output rows", image.Build(), image.Registers(), program.Build(),
            ddr =>
            {
                var upsampled = new sbyte[cin * 4 * h * w];
                ImageLayout.Upsample2x(input, upsampled, cin, h, w);
                return Compare("output", ScenarioImage.At(ddr, outAt, 4 * h * w * cout), cout, 2 * h, 2 * w, cout, layer.Expected(upsampled, cin, 2 * h, 2 * w, 1, (1, 1, 1, 1)));
            });
    }

    /// <summary>
    /// One attention block on 16 pixels, 2 heads of 8 channels: per head, K becomes the weights (MOVE_WEIGHTS),
    /// Q x K^T goes to the accumulator banks, softmax writes int8 probabilities, V^T becomes the weights
    /// (MOVE_WEIGHTS transposed) and P x V is requantized into the head's channels. Both groups, each its own sample;
    /// group 1's softmax takes fewer keys than its rows hold (Keys below RowLength, as for a 4x4 image and Tn 32).
    /// Unsigned probabilities (q + 128 in steps of 1/255) add 128 x the sum of V in two more passes over rows of 64
    /// into the accumulator banks, as the compiler lowers them.
    /// </summary>
    public static Scenario Attention(AcceleratorConfig config, int seed, ProbabilityFormat format = ProbabilityFormat.Signed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 8);
        int channels = 2 * tn, headDim = tn, pixels = 2 * tn;
        double sq = 0.05, sk = 0.04, sv = 0.03, sout = 0.02;
        var unsigned = format == ProbabilityFormat.Unsigned;
        var exponent = IntegerSoftmax.ExponentScale(sq * sk / Math.Sqrt(headDim));
        var requant = RequantParameters.FromScale(sv / IntegerSoftmax.ProbabilityOne(format) / sout);
        var samples = Enumerable.Range(0, 2).Select(_ => (Q: r.Int8(channels * pixels), K: r.Int8(channels * pixels), V: Edgy(r, channels * pixels))).ToArray();
        var image = new ScenarioImage(config);
        var at = samples.Select(s => (Q: image.Put(TensorLayout.ToHwc(s.Q, channels, 1, pixels, channels)), K: image.Put(TensorLayout.ToHwc(s.K, channels, 1, pixels, channels)), V: image.Put(TensorLayout.ToHwc(s.V, channels, 1, pixels, channels)))).ToArray();
        var paramsAt = image.Put([SoftmaxParameters.Of(exponent)]);
        var tableAt = image.Put(Enumerable.Repeat(RequantizerEntry.Of(requant), channels));
        var halfAt = image.Put(Enumerable.Repeat((byte)UnsignedProbabilityPasses.RowValue, pixels).ToArray());
        var outAt = samples.Select(_ => image.Reserve(pixels * channels)).ToArray();
        var blocks = channels / tn;
        var rows = pixels * blocks;
        int q = 0, k = rows, v = 2 * rows, p = 3 * rows, output = 4 * rows, half = 5 * rows;
        // Group 1 attends to the first keys only (a row padded to whole blocks): the others get probability 0.
        int[] keys = [pixels, pixels - (tn / 2) - 1];
        var program = new ProgramBuilder(config)
            .Add(new LoadTable { Kind = TableKind.Parameters, Offset = paramsAt, First = 3, Count = 1 })
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = channels });
        for (var g = 0; g < 2; g++)
        {
            program = program
                .Add(new Load { Group = g, Offset = at[g].Q, ActRow = q, Rows = rows, Chunks = 1 })
                .Add(new Load { Group = g, Offset = at[g].K, ActRow = k, Rows = rows, Chunks = 1 });
            if (unsigned)
                program = program.Add(new Load { Group = g, Offset = halfAt, ActRow = half, Rows = pixels / tn, Chunks = 1 });
            program = program.Add(new Load { Group = g, Offset = at[g].V, ActRow = v, Rows = rows, Chunks = 1, Signal = g == 1 ? Engines.Weight | Engines.Compute : Engines.None });
        }
        for (var g = 0; g < 2; g++)
        {
            for (var head = 0; head < channels / headDim; head++)
            {
                var first = g == 0 && head == 0;
                var last = head == (channels / headDim) - 1;
                // P x V over the probabilities and, unsigned, twice over the rows of 64 (every pixel reads the same rows).
                var product = new Conv
                {
                    GroupMask = 1 << g,
                    InRow = p,
                    InPixelStride = pixels / tn,
                    CinBlocks = pixels / tn,
                    InRows = 1,
                    InCols = pixels,
                    OutRows = 1,
                    OutCols = pixels,
                    CoutBlocks = headDim / tm,
                    CoutBase = head * headDim / tm,
                    OutRow = output,
                    OutPixelStride = blocks,
                    Release = true,
                    Wait = Engines.Vector,
                    Signal = last ? Engines.Store : Engines.None,
                };
                // K in two halves of its keys, the second from its FirstRow on, as the compiler gathers K from the
                // groups that each hold a part of it.
                var halves = pixels / tm % 2 == 0 ? 2 : 1;
                var halfBlocks = pixels / tm / halves;
                for (var h = 0; h < halves; h++)
                    program = program.Add(new MoveWeights { Group = g, ActRow = k + (head * headDim / tn) + (h * halfBlocks * tm * blocks), PixelStride = blocks, OutBlocks = halfBlocks, InBlocks = headDim / tn, FirstRow = h * halfBlocks * (headDim / tn), Complete = h == halves - 1, Wait = first && h == 0 ? Engines.Load : Engines.None });
                program = program
                    .Add(new Conv
                    {
                        GroupMask = 1 << g,
                        InRow = q + (head * headDim / tn),
                        InPixelStride = blocks,
                        CinBlocks = headDim / tn,
                        InRows = 1,
                        InCols = pixels,
                        OutRows = 1,
                        OutCols = pixels,
                        CoutBlocks = pixels / tm,
                        Output = ConvOutput.AccumulatorStore,
                        AccRow = 0,
                        Release = true,
                        Wait = first ? Engines.Load : Engines.None,
                        Signal = Engines.Vector,
                    })
                    .Add(new Softmax { Group = g, Src = 0, Dst = p, Rows = pixels, RowLength = pixels, Keys = keys[g], DstStride = pixels / tn, Param = 3, Unsigned = unsigned, Wait = Engines.Compute, Signal = Engines.Compute })
                    .Add(new MoveWeights { Group = g, Transpose = true, ActRow = v + (head * headDim / tn), PixelStride = blocks, OutBlocks = headDim / tm, InBlocks = pixels / tn, Complete = true });
                program = program.Add(unsigned ? UnsignedProbabilityPasses.Of(product, half) : [product]);
            }
            program = program.Add(new Store { Group = g, Offset = outAt[g], ActRow = output, Rows = rows, Chunks = 1, Wait = Engines.Compute });
        }
        program = program.Add(new Finish());
        var name = unsigned ? "attention-unsigned" : "attention";
        var what = unsigned ? "softmax in steps of 1/255 (zero point -128), P V plus 128 x the sum of V in two passes over rows of 64" : "softmax, P V";
        return new Scenario(name, $"attention on {pixels} pixels, {channels} channels in 2 heads: Q K^T into the accumulator banks, {what}, on both groups", image.Build(), image.Registers(), program.Build(),
            ddr => [.. Enumerable.Range(0, 2).SelectMany(g =>
            {
                var (sQ, sK, sV) = samples[g];
                var accumulators = g == 0
                    ? Int8Ops.AttentionAccumulate(new Int8Tensor([1, channels, 1, pixels], sq, sQ), new Int8Tensor([1, channels, 1, pixels], sk, sK), new Int8Tensor([1, channels, 1, pixels], sv, sV), headDim, format)
                    : MaskedAttention(sQ, sK, sV, channels, pixels, headDim, keys[g], exponent, format);
                var expected = Int8Ops.Requantize(accumulators, [1, channels, 1, pixels], [.. Enumerable.Repeat(requant, channels)], sout);
                return Compare($"group {g}{(keys[g] < pixels ? $" ({keys[g]} of {pixels} keys)" : "")}", ScenarioImage.At(ddr, outAt[g], pixels * channels), channels, 1, pixels, channels, expected.Data);
            })]);
    }

    /// <summary>P·V accumulators [C, pixels] of attention in which every query sees only the first <paramref name="keys"/> pixels as keys.</summary>
    private static int[] MaskedAttention(sbyte[] q, sbyte[] k, sbyte[] v, int channels, int pixels, int headDim, int keys, RequantParameters exponent, ProbabilityFormat format)
    {
        var accumulators = new int[channels * pixels];
        var scores = new int[keys];
        var probabilities = new sbyte[keys];
        var zeroPoint = IntegerSoftmax.ZeroPoint(format);
        for (var head = 0; head < channels / headDim; head++)
        {
            for (var p = 0; p < pixels; p++)
            {
                for (var j = 0; j < keys; j++)
                {
                    scores[j] = 0;
                    for (var d = head * headDim; d < (head + 1) * headDim; d++)
                        scores[j] += q[(d * pixels) + p] * k[(d * pixels) + j];
                }
                IntegerSoftmax.Apply(scores, exponent, probabilities, format);
                for (var d = head * headDim; d < (head + 1) * headDim; d++)
                {
                    for (var j = 0; j < keys; j++)
                        accumulators[(d * pixels) + p] += (probabilities[j] - zeroPoint) * v[(d * pixels) + j];
                }
            }
        }
        return accumulators;
    }

    /// <summary>
    /// One 1x1 convolution run three times: step group 0 and, after SET_STEP, the step group one past the
    /// table slots (its tables from its own STEP_GROUP-relative copy, past copies of random tables that a machine
    /// addressing DDR by the slot alone would read, into slot 1), then with STEP-relative biases (the folded time embedding).
    /// </summary>
    public static Scenario StepGroups(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 9);
        int cin = 2 * tn, cout = tn;
        const int h = 4, w = 8, step = 3;
        var layers = Enumerable.Range(0, 2).Select(_ => ConvLayer.Random(r, cin, cout, 1)).ToArray();
        var weights = layers[0].Weights;
        var perStep = Enumerable.Range(0, 5).Select(s => layers[1].Requant.Select(p => p with { Bias = r.Next(-3000, 3000) }).ToArray()).ToArray();
        var input = Edgy(r, cin * h * w);
        var image = new ScenarioImage(config);
        var inAt = image.Put(TensorLayout.ToHwc(input, cin, h, w, cin));
        var weightsAt = image.PutWeights(TensorLayout.ConvWeightRows(weights, cout, cin, 1, tm, tn, 0, cout / tm));
        var beyond = (1 << config.StepGroupSlotBits) + 1;
        var decoys = Enumerable.Range(1, beyond - 1).SelectMany(_ => ConvLayer.Random(r, cin, cout, 1).Requant);
        var groupTablesAt = image.Put(layers[0].Requant.Concat(decoys).Concat(layers[1].Requant).Select(RequantizerEntry.Of));
        var stepTablesAt = image.Put(perStep.SelectMany(t => t.Select(RequantizerEntry.Of)));
        var outAt = Enumerable.Range(0, 3).Select(_ => image.Reserve(h * w * cout)).ToArray();
        var stride = cout * DataWord.Bytes;
        var cinBlocks = cin / tn;
        Conv Compute(int outRow, bool release) => WholeImage1x1(cinBlocks, h, w, cout / tm, cout / tn, outRow, release) with { Wait = Engines.Load, Signal = Engines.Store };
        Store Out(int index, int row) => new() { Group = 0, Offset = outAt[index], ActRow = row, Rows = h * w * cout / tn, Chunks = 1, Wait = Engines.Compute };
        var program = new ProgramBuilder(config)
            .Add(new LoadWeights { Offset = weightsAt, Rows = cout / tm * cinBlocks, Complete = true })
            .Add(new Load { Group = 0, Offset = inAt, Rows = h * w * cinBlocks, Chunks = 1 })
            .Add(new SetStep { StepGroup = 0 })
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = groupTablesAt, StepMode = StepMode.StepGroup, StepStride = stride, Count = cout, Signal = Engines.Compute })
            .Add(Compute(100, false))
            .Add(Out(0, 100))
            .Add(new SetStep { StepGroup = beyond })
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = groupTablesAt, StepMode = StepMode.StepGroup, StepStride = stride, Count = cout, Signal = Engines.Compute })
            .Add(Compute(200, false))
            .Add(Out(1, 200))
            .Add(new SetStep { StepGroup = 2 })
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = stepTablesAt, StepMode = StepMode.Step, StepStride = stride, Count = cout, Signal = Engines.Compute })
            .Add(Compute(300, true))
            .Add(Out(2, 300))
            .Add(new Finish())
            .Build();
        return new Scenario("step-groups", "a 1x1 convolution under step group 0, under a step group past the table slots (SET_STEP, tables at STEP_GROUP-relative addresses) and with the biases of STEP 3", image.Build(), image.Registers(step: step), program,
            ddr => [.. Compare("step group 0", ScenarioImage.At(ddr, outAt[0], h * w * cout), cout, h, w, cout, layers[0].Expected(input, cin, h, w, 1, (0, 0, 0, 0))),
                .. Compare($"step group {beyond}", ScenarioImage.At(ddr, outAt[1], h * w * cout), cout, h, w, cout, (layers[1] with { Weights = weights }).Expected(input, cin, h, w, 1, (0, 0, 0, 0))),
                .. Compare("step 3", ScenarioImage.At(ddr, outAt[2], h * w * cout), cout, h, w, cout, (layers[1] with { Weights = weights, Requant = perStep[step] }).Expected(input, cin, h, w, 1, (0, 0, 0, 0)))]);
    }

    /// <summary>A 1x1 convolution in group 0 of a whole h x w image from buffer row 0, requantized from output row <paramref name="outRow"/>.</summary>
    private static Conv WholeImage1x1(int cinBlocks, int h, int w, int coutBlocks, int outPixelStride, int outRow, bool release) => new()
    {
        GroupMask = 1,
        InRow = 0,
        InPixelStride = cinBlocks,
        CinBlocks = cinBlocks,
        InRows = h,
        InCols = w,
        OutRows = h,
        OutCols = w,
        CoutBlocks = coutBlocks,
        OutRow = outRow,
        OutPixelStride = outPixelStride,
        Release = release,
    };

    /// <summary>
    /// Three 1x1 convolutions of one input with the same weights and three requantizer tables: A into bank 0
    /// and B into bank 1 before either runs, each convolution reading its bank, then C into bank 0 while the
    /// second convolution still reads bank 1 (the tokens, placed from what each instruction touches, order
    /// nothing between them), read by the third. A machine with one bank requantizes the first with B.
    /// </summary>
    public static Scenario RequantizerBanks(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 14);
        int cin = 2 * tn, cout = 2 * tn;
        const int h = 4, w = 8;
        var layers = Enumerable.Range(0, 3).Select(_ => ConvLayer.Random(r, cin, cout, 1)).ToArray();
        var weights = layers[0].Weights;
        var input = Edgy(r, cin * h * w);
        var image = new ScenarioImage(config);
        var inAt = image.Put(TensorLayout.ToHwc(input, cin, h, w, cin));
        var weightsAt = image.PutWeights(TensorLayout.ConvWeightRows(weights, cout, cin, 1, tm, tn, 0, cout / tm));
        var tablesAt = layers.Select(l => image.Put(l.Requant.Select(RequantizerEntry.Of))).ToArray();
        var outAt = layers.Select(_ => image.Reserve(h * w * cout)).ToArray();
        var cinBlocks = cin / tn;
        Conv Compute(int outRow, bool bank, bool release) => WholeImage1x1(cinBlocks, h, w, cout / tm, cout / tn, outRow, release) with { TableBank = bank };
        LoadTable Table(int layer, bool bank) => new() { Kind = TableKind.Requantization, Offset = tablesAt[layer], Count = cout, TableBank = bank };
        Store Out(int index, int row) => new() { Group = 0, Offset = outAt[index], ActRow = row, Rows = h * w * cout / tn, Chunks = 1 };
        Instruction[] instructions =
        [
            new LoadWeights { Offset = weightsAt, Rows = cout / tm * cinBlocks, Complete = true },
            new Load { Group = 0, Offset = inAt, Rows = h * w * cinBlocks, Chunks = 1 },
            Table(0, false), Table(1, true),
            Compute(100, false, false), Out(0, 100),
            Compute(200, true, false), Table(2, false), Out(1, 200),
            Compute(300, false, true), Out(2, 300),
            new Finish(),
        ];
        var registers = image.Registers();
        var program = new ProgramBuilder(config).Add(TokenPlacement.Place(config, instructions, registers.StepGroup)).Build();
        return new Scenario("requantizer-banks", "three 1x1 convolutions with their own requantizer tables in the two banks, the third's loaded while the second reads the other bank", image.Build(), registers, program,
            ddr => [.. Enumerable.Range(0, 3).SelectMany(k => Compare($"table {"ABC"[k]}", ScenarioImage.At(ddr, outAt[k], h * w * cout), cout, h, w, cout, (layers[k] with { Weights = weights }).Expected(input, cin, h, w, 1, (0, 0, 0, 0))))]);
    }

    /// <summary>
    /// Channel blocks moved between tensors of different widths: LOAD takes the middle block of each
    /// pixel of a 3-block tensor (one DDR run per pixel, starting inside a beat) into every other buffer
    /// row; STORE puts them back as the second block of each pixel of a 2-block tensor (partial strobes),
    /// and a second STORE writes them back to back. Pure data movement, checked byte by byte.
    /// </summary>
    public static Scenario StridedCopy(AcceleratorConfig config, int seed)
    {
        var (_, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 10);
        const int pixels = 37;
        var source = r.Int8(pixels * 3 * tn).Select(v => (byte)v).ToArray();
        var image = new ScenarioImage(config);
        var sourceAt = image.Put(source);
        var stridedAt = image.Reserve(pixels * 2 * tn);
        var packedAt = image.Reserve(pixels * tn);
        var program = new ProgramBuilder(config)
            .Add(new Load { Group = 1, Offset = sourceAt + tn, ActRow = 3, Rows = 1, Chunks = pixels, DdrStride = 3 * tn, ActStride = 2, Signal = Engines.Store })
            .Add(new Store { Group = 1, Offset = stridedAt + tn, ActRow = 3, Rows = 1, Chunks = pixels, DdrStride = 2 * tn, ActStride = 2, Wait = Engines.Load })
            .Add(new Store { Group = 1, Offset = packedAt, ActRow = 3, Rows = 1, Chunks = pixels, DdrStride = tn, ActStride = 2 })
            .Add(new Finish())
            .Build();
        return new Scenario("strided-copy", $"the middle channel block of {pixels} pixels of a {3 * tn}-channel tensor into every other buffer row, stored as the second block of a {2 * tn}-channel tensor and packed", image.Build(), image.Registers(), program,
            ddr =>
            {
                var problems = new List<string>();
                var strided = ScenarioImage.At(ddr, stridedAt, pixels * 2 * tn);
                var packed = ScenarioImage.At(ddr, packedAt, pixels * tn);
                for (var p = 0; p < pixels; p++)
                {
                    for (var n = 0; n < tn; n++)
                    {
                        var expected = source[(p * 3 * tn) + tn + n];
                        if (strided[(p * 2 * tn) + tn + n] != expected || packed[(p * tn) + n] != expected)
                            problems.Add($"pixel {p}, byte {n}: strided 0x{strided[(p * 2 * tn) + tn + n]:x2}, packed 0x{packed[(p * tn) + n]:x2}, expected 0x{expected:x2}");
                        if (strided[(p * 2 * tn) + n] != 0xA5)
                            problems.Add($"pixel {p}, byte {n} of the first block was overwritten: 0x{strided[(p * 2 * tn) + n]:x2}");
                    }
                }
                return [.. problems.Take(5)];
            });
    }

    /// <summary>
    /// A 3x3 convolution whose input has a zero point (a SiLU output): padding taps read the pad value
    /// LOAD_TABLE put there from a STEP_GROUP-relative address, -128 in step group 0 and a random value in
    /// step group 1; then the same convolution without PadWithZeroPoint, which must pad with 0 although the
    /// pad value is still loaded. Both PE groups, each with its own image.
    /// </summary>
    public static Scenario ConvZeroPoint(AcceleratorConfig config, int seed)
    {
        var (tm, tn) = Shape(config);
        var r = new ScenarioRandom(seed + 11);
        int cin = 2 * tn, cout = tn;
        const int h = 6, w = 5;
        var layer = ConvLayer.Random(r, cin, cout, 3);
        // Next is inclusive: +128 is no int8 zero point.
        var zeroPoints = new[] { -128, r.Next(1, 127) * (r.Next(0, 2) == 0 ? -1 : 1) };
        var inputs = new[] { Edgy(r, cin * h * w), Edgy(r, cin * h * w) };
        var image = new ScenarioImage(config);
        var inAt = inputs.Select(x => image.Put(TensorLayout.ToHwc(x, cin, h, w, cin))).ToArray();
        var weightsAt = image.PutWeights(TensorLayout.ConvWeightRows(layer.Weights, cout, cin, 3, tm, tn, 0, cout / tm));
        var tableAt = image.Put(layer.Requant.Select(RequantizerEntry.Of));
        var padAt = image.Put(zeroPoints.Select(z => new PadValue { Value = z }));
        var outAt = Enumerable.Range(0, 3).Select(_ => inputs.Select(_ => image.Reserve(h * w * cout)).ToArray()).ToArray();
        var cinBlocks = cin / tn;
        Conv Compute(int run, bool padWithZeroPoint, Engines wait, Engines signal) => new()
        {
            GroupMask = 3,
            InRow = 0,
            InPixelStride = cinBlocks,
            CinBlocks = cinBlocks,
            InRows = h,
            InCols = w,
            RowOffset = -1,
            ColOffset = -1,
            Kernel3x3 = true,
            OutRows = h,
            OutCols = w,
            CoutBlocks = cout / tm,
            OutRow = 100 + (run * 40),
            OutPixelStride = cout / tn,
            Release = run == 2,
            PadWithZeroPoint = padWithZeroPoint,
            Wait = wait,
            Signal = signal,
        };
        var program = new ProgramBuilder(config)
            .Add(new LoadWeights { Offset = weightsAt, Rows = cout / tm * 9 * cinBlocks, Complete = true });
        for (var g = 0; g < 2; g++)
            program = program.Add(new Load { Group = g, Offset = inAt[g], Rows = h * w * cinBlocks, Chunks = 1 });
        program = program
            .Add(new SetStep { StepGroup = 0 })
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = cout })
            .Add(new LoadTable { Kind = TableKind.Padding, Offset = padAt, StepMode = StepMode.StepGroup, StepStride = DataWord.Bytes, Count = 1, Signal = Engines.Compute })
            .Add(Compute(0, true, Engines.Load, Engines.Store | Engines.Load))
            .Add(new SetStep { StepGroup = 1 })
            .Add(new LoadTable { Kind = TableKind.Requantization, Offset = tableAt, Count = cout })
            // The new pad value waits until the convolution that reads the old one has finished.
            .Add(new LoadTable { Kind = TableKind.Padding, Offset = padAt, StepMode = StepMode.StepGroup, StepStride = DataWord.Bytes, Count = 1, Wait = Engines.Compute, Signal = Engines.Compute })
            .Add(Compute(1, true, Engines.Load, Engines.Store))
            .Add(Compute(2, false, Engines.None, Engines.Store));
        for (var run = 0; run < 3; run++)
        {
            for (var g = 0; g < 2; g++)
                program = program.Add(new Store { Group = g, Offset = outAt[run][g], ActRow = 100 + (run * 40), Rows = h * w * cout / tn, Chunks = 1, Wait = g == 0 ? Engines.Compute : Engines.None });
        }
        program = program.Add(new Finish());
        var padding = new[] { zeroPoints[0], zeroPoints[1], 0 };
        return new Scenario("conv-zero-point", $"3x3 convolution {cin} -> {cout} channels on {h}x{w}, padding with the zero point {zeroPoints[0]} (step group 0), {zeroPoints[1]} (step group 1), then with 0", image.Build(), image.Registers(), program.Build(),
            ddr => [.. Enumerable.Range(0, 3).SelectMany(run => Enumerable.Range(0, 2).SelectMany(g => Compare($"padding {padding[run]}, group {g}", ScenarioImage.At(ddr, outAt[run][g], h * w * cout), cout, h, w, cout, layer.Expected(inputs[g], cin, h, w, 1, (1, 1, 1, 1), padding[run]))))]);
    }

    /// <summary>Tm and Tn: the scenarios size their channels in multiples of Tn (at least 8, for groups of Tn / 2 channels).</summary>
    private static (int Tm, int Tn) Shape(AcceleratorConfig config)
        => config.Tn >= 8 && config.Tn % config.Tm == 0 ? (config.Tm, config.Tn) : throw new ArgumentException($"the system scenarios need Tn >= 8 and a multiple of Tm, not {config.Tm} x {config.Tn}", nameof(config));

    /// <summary>Random int8 values with runs of the extremes -128 and 127 and zeros.</summary>
    private static sbyte[] Edgy(ScenarioRandom r, int count)
    {
        var values = r.Int8(count);
        for (var i = 0; i < count; i += r.Next(3, 9))
            values[i] = (sbyte)(r.Next(0, 2) switch { 0 => -128, 1 => 127, _ => 0 });
        return values;
    }

    /// <summary>Every mismatching value of an HWC region against a [C, H, W] golden, at most a few named.</summary>
    private static IReadOnlyList<string> Compare(string what, ReadOnlySpan<byte> hwc, int channels, int height, int width, int paddedChannels, ReadOnlySpan<sbyte> expected)
    {
        var actual = TensorLayout.FromHwc(hwc, channels, height, width, paddedChannels);
        var problems = new List<string>();
        var count = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            if (actual[i] == expected[i])
                continue;
            if (++count <= 5)
                problems.Add($"{what}: channel {i / (height * width)}, pixel {i % (height * width)}: {actual[i]}, expected {expected[i]}");
        }
        if (count > 5)
            problems.Add($"{what}: {count} values differ in all");
        return problems;
    }

    /// <summary>A convolution's int8 weights and per-channel requantization, and its golden through Int8Ops.</summary>
    private sealed record ConvLayer(int Inputs, int Outputs, int Kernel, sbyte[] Weights, RequantParameters[] Requant)
    {
        public static ConvLayer Random(ScenarioRandom r, int inputs, int outputs, int kernel)
        {
            var weights = r.Int8(outputs * inputs * kernel * kernel);
            for (var i = 0; i < weights.Length; i += r.Next(5, 40))
                weights[i] = (sbyte)(r.Next(0, 1) == 0 ? -128 : 127);
            // Scales that put typical sums near the int8 range, so some outputs saturate and some round.
            var typical = 64.0 * 64 * Math.Sqrt(inputs * kernel * kernel);
            var requant = Enumerable.Range(0, outputs).Select(_ => RequantParameters.FromScale(r.Double(40, 160) / typical, r.Next(-20000, 20000))).ToArray();
            return new ConvLayer(inputs, outputs, kernel, weights, requant);
        }

        /// <summary>The golden; an input with a zero point is padded with it.</summary>
        public sbyte[] Expected(sbyte[] input, int channels, int height, int width, int stride, (int, int, int, int) padding, int zeroPoint = 0, int[]? exponents = null)
        {
            var weights = QuantizedWeights.FromInt8([Outputs, Inputs, Kernel, Kernel], Weights, [.. Enumerable.Repeat(1.0, Outputs)]);
            var accumulators = Int8Ops.Conv2dAccumulate(new Int8Tensor([1, channels, height, width], 1, input, zeroPoint, exponents), weights, stride, padding, out var shape);
            return Int8Ops.Requantize(accumulators, shape, Requant, 1).Data;
        }
    }
}
