using System.Text.Json.Serialization;
using DiffAcc.Model.SafeTensors;

namespace DiffAcc.Model.Unet;

/// <summary>
/// The fields of a diffusers UNet2DModel <c>config.json</c> this engine implements (the DDPM/DDIM
/// family: DownBlock2D / AttnDownBlock2D, UNetMidBlock2D, UpBlock2D / AttnUpBlock2D).
/// </summary>
public sealed record UNetConfig
{
    [JsonPropertyName("sample_size")]
    public int SampleSize { get; init; } = 32;

    [JsonPropertyName("in_channels")]
    public int InChannels { get; init; } = 3;

    [JsonPropertyName("out_channels")]
    public int OutChannels { get; init; } = 3;

    [JsonPropertyName("block_out_channels")]
    public int[] BlockOutChannels { get; init; } = [128, 256, 256, 256];

    [JsonPropertyName("layers_per_block")]
    public int LayersPerBlock { get; init; } = 2;

    [JsonPropertyName("down_block_types")]
    public string[] DownBlockTypes { get; init; } = ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"];

    [JsonPropertyName("up_block_types")]
    public string[] UpBlockTypes { get; init; } = ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"];

    [JsonPropertyName("norm_num_groups")]
    public int NormNumGroups { get; init; } = 32;

    [JsonPropertyName("norm_eps")]
    public float NormEps { get; init; } = 1e-6f;

    [JsonPropertyName("flip_sin_to_cos")]
    public bool FlipSinToCos { get; init; }

    [JsonPropertyName("freq_shift")]
    public float FreqShift { get; init; } = 1;

    [JsonPropertyName("downsample_padding")]
    public int DownsamplePadding { get; init; }

    /// <summary>Channels per attention head; <c>null</c> means one head over all channels.</summary>
    [JsonPropertyName("attention_head_dim")]
    public int? AttentionHeadDim { get; init; }

    public int TimeEmbedDim => BlockOutChannels[0] * 4;

    /// <summary>google/ddpm-cifar10-32: 35.7 M parameters.</summary>
    public static UNetConfig DdpmCifar10 { get; } = new();

    public static UNetConfig Load(string path) => ModelJsonFile.Read<UNetConfig>(path, config => config.Validate(path));

    public void Validate(string source)
    {
        void Need(bool ok, string field, string problem)
        {
            if (!ok)
                throw new ModelFileException(source, field, problem);
        }
        Need(SampleSize >= 1, "sample_size", $"must be at least 1, not {SampleSize}");
        Need(InChannels >= 1, "in_channels", $"must be at least 1, not {InChannels}");
        Need(OutChannels >= 1, "out_channels", $"must be at least 1, not {OutChannels}");
        Need(LayersPerBlock >= 1, "layers_per_block", $"must be at least 1, not {LayersPerBlock}");
        Need(NormNumGroups >= 1, "norm_num_groups", $"must be at least 1, not {NormNumGroups}");
        Need(float.IsFinite(NormEps) && NormEps > 0, "norm_eps", $"must be above 0, not {NormEps}");
        Need(AttentionHeadDim is null or >= 1, "attention_head_dim", $"must be at least 1, not {AttentionHeadDim}");
        Need(BlockOutChannels.Length >= 1, "block_out_channels", "needs at least one level");
        Need(BlockOutChannels.All(c => c >= 1), "block_out_channels", $"every level needs at least 1 channel, not {string.Join(", ", BlockOutChannels)}");
        Need(SampleSize % (1 << (BlockOutChannels.Length - 1)) == 0, "sample_size", $"{SampleSize} does not halve {BlockOutChannels.Length - 1} time(s) to a whole number of pixels (one downsampling per level but the last)");
        Need(DownBlockTypes.Length == BlockOutChannels.Length, "down_block_types", $"has {DownBlockTypes.Length} entries for {BlockOutChannels.Length} levels");
        Need(UpBlockTypes.Length == BlockOutChannels.Length, "up_block_types", $"has {UpBlockTypes.Length} entries for {BlockOutChannels.Length} levels");
        Need(DownBlockTypes.All(t => t is "DownBlock2D" or "AttnDownBlock2D"), "down_block_types", $"supports DownBlock2D and AttnDownBlock2D, not {string.Join(", ", DownBlockTypes)}");
        Need(UpBlockTypes.All(t => t is "UpBlock2D" or "AttnUpBlock2D"), "up_block_types", $"supports UpBlock2D and AttnUpBlock2D, not {string.Join(", ", UpBlockTypes)}");
        Need(BlockOutChannels.All(c => c % NormNumGroups == 0), "norm_num_groups", $"{NormNumGroups} groups do not divide every channel count");
        Need(DownsamplePadding is 0 or 1, "downsample_padding", "must be 0 or 1");
    }
}
