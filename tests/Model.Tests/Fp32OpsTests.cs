using DiffAcc.Model.Fp32;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Tests;

/// <summary>
/// The FP32 operators against PyTorch on the same inputs (model/pytorch/reference_ops.py), every
/// output value to 1e-4 relative. The committed reference is used unless the test command
/// regenerated it with the installed PyTorch (DIFFACC_TORCH_REFERENCE).
/// </summary>
public sealed class Fp32OpsTests
{
    private static readonly SafeTensorsFile Reference = SafeTensorsFile.Read(
        Environment.GetEnvironmentVariable("DIFFACC_TORCH_REFERENCE") is { Length: > 0 } fresh ? fresh : Path.Combine(Folder(), "Reference", "fp32_ops.safetensors"));

    private static string Folder([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;

    private static Tensor R(string name) => Reference.GetFloat(name);

    private static void Close(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.HasShape(actual.Shape), $"{what}: shape {actual.ShapeText}, PyTorch {expected.ShapeText}");
        var scale = expected.Data.Max(MathF.Abs);
        for (var i = 0; i < expected.Length; i++)
        {
            var error = MathF.Abs(expected.Data[i] - actual.Data[i]);
            Assert.True(error <= 1e-4f * Math.Max(MathF.Abs(expected.Data[i]), scale * 1e-2f), $"{what}[{i}]: {actual.Data[i]} vs PyTorch {expected.Data[i]}");
        }
    }

    [Fact]
    public void Convolutions_match_PyTorch()
    {
        Close(R("conv.3x3"), Fp32Ops.Conv2d(R("conv.x"), R("conv.w3"), R("conv.b"), 1, 1), "3x3");
        Close(R("conv.3x3s2"), Fp32Ops.Conv2d(R("conv.x"), R("conv.w3"), R("conv.b"), 2, 1), "3x3 stride 2");
        Close(R("conv.3x3s2pad0"), Fp32Ops.Conv2d(R("conv.x"), R("conv.w3"), R("conv.b"), 2, (0, 0, 1, 1)), "3x3 stride 2, padding (0, 1, 0, 1)");
        Close(R("conv.1x1"), Fp32Ops.Conv2d(R("conv.x"), R("conv.w1"), R("conv.b")), "1x1");
    }

    [Fact]
    public void GroupNorm_SiLU_linear_and_upsampling_match_PyTorch()
    {
        Close(R("gn.y"), Fp32Ops.GroupNorm(R("gn.x"), 4, R("gn.w"), R("gn.b"), 1e-6f), "GroupNorm");
        Close(R("silu.y"), Fp32Ops.Silu(R("gn.x")), "SiLU");
        Close(R("linear.y"), Fp32Ops.Linear(R("linear.x"), R("linear.w"), R("linear.b")), "Linear");
        Close(R("up.y"), Fp32Ops.Upsample2x(R("up.x")), "nearest 2x");
    }

    [Fact]
    public void Timestep_embeddings_match_PyTorch()
    {
        var t = R("temb.t").Data;
        Close(R("temb.flip_shift0"), Fp32Ops.TimestepEmbedding(t, 32, true, 0), "flip_sin_to_cos, freq_shift 0");
        Close(R("temb.noflip_shift1"), Fp32Ops.TimestepEmbedding(t, 32, false, 1), "freq_shift 1");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void Self_attention_matches_PyTorch(int headDim)
    {
        (Tensor, Tensor) P(string n) => (R($"attn.{n}.w"), R($"attn.{n}.b"));
        Close(R($"attn.head{headDim}"), Fp32Ops.SelfAttention(R("gn.x"), 4, 1e-6f, R("gn.w"), R("gn.b"), P("q"), P("k"), P("v"), P("o"), headDim), $"attention, head dim {headDim}");
    }
}
