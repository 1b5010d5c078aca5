using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Unet;

/// <summary>
/// The one description of the UNet2DModel forward pass (diffusers' DDPM family), generic over the
/// operators: the FP32 model, the int8 model and the calibration all run this walk, so their layers
/// and activation points cannot drift apart.
/// </summary>
public static class UNetGraph
{
    private static readonly (int, int, int, int) Same3x3 = (1, 1, 1, 1);

    public static Tensor Forward<T>(UNetConfig c, IUNetOperators<T> ops, Tensor sample, Func<string, bool> hasParameter)
    {
        var x = ops.Conv("conv_in", ops.Input(sample), 1, Same3x3);
        var skips = new Stack<T>();
        skips.Push(x);
        var levels = c.BlockOutChannels.Length;
        for (var i = 0; i < levels; i++)
        {
            for (var j = 0; j < c.LayersPerBlock; j++)
            {
                x = Resnet(ops, $"down_blocks.{i}.resnets.{j}", x, hasParameter);
                if (c.DownBlockTypes[i] == "AttnDownBlock2D")
                    x = Attention(c, ops, $"down_blocks.{i}.attentions.{j}", x);
                skips.Push(x);
            }
            if (i < levels - 1)
            {
                x = ops.Conv($"down_blocks.{i}.downsamplers.0.conv", x, 2, c.DownsamplePadding == 0 ? (0, 0, 1, 1) : Same3x3);
                skips.Push(x);
            }
        }
        x = Resnet(ops, "mid_block.resnets.0", x, hasParameter);
        x = Attention(c, ops, "mid_block.attentions.0", x);
        x = Resnet(ops, "mid_block.resnets.1", x, hasParameter);
        for (var i = 0; i < levels; i++)
        {
            for (var j = 0; j <= c.LayersPerBlock; j++)
            {
                var name = $"up_blocks.{i}.resnets.{j}";
                x = Resnet(ops, name, ops.Concat($"{name}.concat", x, skips.Pop()), hasParameter);
                if (c.UpBlockTypes[i] == "AttnUpBlock2D")
                    x = Attention(c, ops, $"up_blocks.{i}.attentions.{j}", x);
            }
            if (i < levels - 1)
                x = ops.Conv($"up_blocks.{i}.upsamplers.0.conv", ops.Upsample2x(x), 1, Same3x3);
        }
        x = ops.Silu("conv_norm_out.silu", ops.GroupNorm("conv_norm_out", x));
        return ops.Output(ops.Conv("conv_out", x, 1, Same3x3));
    }

    private static T Resnet<T>(IUNetOperators<T> ops, string name, T x, Func<string, bool> hasParameter)
    {
        var shortcut = hasParameter($"{name}.conv_shortcut.weight") ? ops.Conv($"{name}.conv_shortcut", x, 1, (0, 0, 0, 0)) : x;
        var h = ops.Silu($"{name}.norm1.silu", ops.GroupNorm($"{name}.norm1", x));
        h = ops.ConvWithTimeEmbedding($"{name}.conv1", $"{name}.time_emb_proj", h);
        h = ops.Silu($"{name}.norm2.silu", ops.GroupNorm($"{name}.norm2", h));
        h = ops.Conv($"{name}.conv2", h, 1, Same3x3);
        return ops.Add($"{name}.add", shortcut, h);
    }

    private static T Attention<T>(UNetConfig c, IUNetOperators<T> ops, string name, T x)
    {
        var hidden = ops.GroupNorm($"{name}.group_norm", x);
        var attended = ops.Attention($"{name}.attention", ops.ProjectChannels($"{name}.to_q", hidden), ops.ProjectChannels($"{name}.to_k", hidden), ops.ProjectChannels($"{name}.to_v", hidden), c.AttentionHeadDim ?? 0);
        return ops.Add($"{name}.add", x, ops.ProjectChannels($"{name}.to_out.0", attended));
    }
}
