using DiffAcc.Model.Tensors;
using DiffAcc.Model.Unet;

namespace DiffAcc.Model.Quantization;

/// <summary>
/// The names of every activation the int8 model requantizes, in forward order, found by walking
/// <see cref="UNetGraph"/> with operators that only record names.
/// </summary>
public static class ActivationPoints
{
    public static IReadOnlyList<string> Of(UNetConfig config, Func<string, bool> hasParameter) => Walk(config, hasParameter).Points;

    /// <summary>The SiLU outputs: the points that may take a zero point (they only feed convolutions).</summary>
    public static IReadOnlyList<string> SiluOutputs(UNetConfig config, Func<string, bool> hasParameter) => Walk(config, hasParameter).Silu;

    private static Recorder Walk(UNetConfig config, Func<string, bool> hasParameter)
    {
        var names = new Recorder();
        UNetGraph.Forward(config, names, new Tensor([0]), hasParameter);
        return names;
    }

    private sealed class Recorder : IUNetOperators<int>
    {
        public List<string> Points { get; } = [];

        public List<string> Silu { get; } = [];

        public int Input(Tensor sample) => Add("sample");

        public int Conv(string name, int x, int stride, (int Top, int Left, int Bottom, int Right) padding) => Add(name);

        public int ConvWithTimeEmbedding(string name, string projection, int x) => Add(name);

        public int GroupNorm(string name, int x) => Add(name);

        int IUNetOperators<int>.Silu(string point, int x)
        {
            Silu.Add(point);
            return Add(point);
        }

        public int Add(string point, int a, int b) => Add(point);

        public int Concat(string point, int a, int b) => Add(point);

        public int Upsample2x(int x) => x;

        public int ProjectChannels(string name, int x) => Add(name);

        public int Attention(string point, int q, int k, int v, int headDim) => Add(point);

        public Tensor Output(int x) => new([0]);

        private int Add(string point)
        {
            Points.Add(point);
            return Points.Count;
        }
    }
}
