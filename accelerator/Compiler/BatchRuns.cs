using DiffAcc.Accelerator.Configuration;
using DiffAcc.Model.Int8;
using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// How a batch of more than one sample goes through the layers, decided per resolution of the UNet and
/// applied per operator call of the same graph walk the lowering takes. Where one sample's output of a
/// convolution at a resolution fills at least a quarter of a PE group's activation buffer
/// (<see cref="BufferShare"/>: the CIFAR-shaped UNet's 32 x 32 and 16 x 16 levels on xczu9eg), every call
/// with an output of that resolution lets the samples take turns, each on every group as at batch 1: a
/// sample's input and output of a layer then fit beside the convolution's window and the tensors later
/// layers read, so they stay in the buffers between layers instead of going through DDR, while those layers'
/// convolutions hide the weights fetched again for each sample. At the other resolutions the samples run
/// side by side, G / B groups each, and one weight fetch serves the batch (the shipped model's tensors fit
/// a group whole on xczu9eg, where turns at its 48-channel concatenation's resolution measured 6 to 9 % slower). Consecutive calls of one kind form a run;
/// the lowering takes the runs in order, a run of turns once per sample.
/// </summary>
internal sealed class BatchRuns : IUNetOperators<BatchRuns.Value>
{
    /// <summary>The share of a group's activation buffer one sample's output fills from which the samples take turns.</summary>
    public const int BufferShare = 4;

    // Each call's output resolution, and the bytes of one sample's output when the call is a convolution.
    private readonly List<(int Pixels, long ConvBytes)> calls = [];
    private readonly bool turns;
    private readonly long minBytes;
    private readonly int tn;
    private readonly Func<string, int> outputChannels;

    private BatchRuns(AcceleratorConfig config, int batch, Func<string, int> outputChannels)
    {
        turns = batch > 1;
        minBytes = config.ActivationBufferKiB * 1024L / BufferShare;
        tn = config.Tn;
        this.outputChannels = outputChannels;
    }

    /// <summary>A value of the walk: its rows, columns and channels.</summary>
    public sealed record Value(int Height, int Width, int Channels);

    /// <summary>Calls <see cref="FirstCall"/> to <see cref="EndCall"/> - 1 of the walk, lowered sample by sample or for the batch at once.</summary>
    public sealed record Run(int FirstCall, int EndCall, bool BySample);

    /// <summary>The runs of <paramref name="model"/>'s walk on <paramref name="config"/> for <paramref name="batch"/> samples.</summary>
    public static IReadOnlyList<Run> Of(QuantizedUNet model, AcceleratorConfig config, int batch)
    {
        var m = model.Config;
        var walk = new BatchRuns(config, batch, name => model.Parameters[$"{name}.weight"].Shape[0]);
        UNetGraph.Forward(m, walk, new Tensor([batch, m.InChannels, m.SampleSize, m.SampleSize]), model.HasParameter);
        var turnsAt = walk.calls.GroupBy(c => c.Pixels).Where(g => walk.turns && g.Max(c => c.ConvBytes) >= walk.minBytes).Select(g => g.Key).ToHashSet();
        var runs = new List<Run>();
        for (var call = 0; call < walk.calls.Count; call++)
        {
            var bySample = turnsAt.Contains(walk.calls[call].Pixels);
            if (runs.Count > 0 && runs[^1].BySample == bySample)
                runs[^1] = runs[^1] with { EndCall = call + 1 };
            else
                runs.Add(new Run(call, call + 1, bySample));
        }
        return runs;
    }

    public Value Input(Tensor sample) => Call(new(sample.Shape[2], sample.Shape[3], sample.Shape[1]));

    public Value Conv(string name, Value x, int stride, (int Top, int Left, int Bottom, int Right) padding)
        => Call(new((x.Height + stride - 1) / stride, (x.Width + stride - 1) / stride, outputChannels(name)), convolution: true);

    public Value ConvWithTimeEmbedding(string name, string projection, Value x) => Call(x with { Channels = outputChannels(name) }, convolution: true);

    public Value GroupNorm(string name, Value x) => Call(x);

    public Value Silu(string point, Value x) => Call(x);

    public Value Add(string point, Value a, Value b) => Call(a);

    public Value Concat(string point, Value a, Value b) => Call(a with { Channels = a.Channels + b.Channels });

    public Value Upsample2x(Value x) => Call(x with { Height = 2 * x.Height, Width = 2 * x.Width });

    public Value ProjectChannels(string name, Value x) => Call(x with { Channels = outputChannels(name) }, convolution: true);

    public Value Attention(string point, Value q, Value k, Value v, int headDim) => Call(q);

    public Tensor Output(Value x) => new([1]);

    private Value Call(Value output, bool convolution = false)
    {
        calls.Add((output.Height * output.Width, convolution ? (long)output.Height * output.Width * TensorLayout.Padded(output.Channels, tn) : 0));
        return output;
    }
}
