using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Unet;

/// <summary>
/// The operators one UNet forward pass is made of. <see cref="UNetGraph"/> walks the network once
/// for every implementation: FP32 (with calibration hooks), int8, and point naming. Every method that
/// produces an activation the int8 model requantizes takes that activation's point name.
/// </summary>
public interface IUNetOperators<T>
{
    /// <summary>The sample entering the network (point <c>sample</c>).</summary>
    T Input(Tensor sample);

    /// <summary>Convolution with the parameters <c>{name}.weight</c>/<c>{name}.bias</c>; the output point is <c>name</c>.</summary>
    T Conv(string name, T x, int stride, (int Top, int Left, int Bottom, int Right) padding);

    /// <summary>A resnet's first convolution plus the timestep's projection <c>{projection}</c> per channel; the output point is <c>name</c>.</summary>
    T ConvWithTimeEmbedding(string name, string projection, T x);

    /// <summary>GroupNorm with parameters <c>{name}.weight</c>/<c>{name}.bias</c>; the output point is <c>name</c>.</summary>
    T GroupNorm(string name, T x);

    T Silu(string point, T x);

    T Add(string point, T a, T b);

    /// <summary>Channel concatenation of a and b.</summary>
    T Concat(string point, T a, T b);

    /// <summary>Nearest 2x upsampling (no new point: the scale does not change).</summary>
    T Upsample2x(T x);

    /// <summary>A linear map over channels at every pixel with parameters <c>{name}.weight</c> [C_out, C_in]; the output point is <c>name</c>.</summary>
    T ProjectChannels(string name, T x);

    /// <summary>softmax(q kᵀ / sqrt(headDim)) v per head over the pixels; the output point is <c>point</c>.</summary>
    T Attention(string point, T q, T k, T v, int headDim);

    /// <summary>The network's output as FP32 (the int8 model dequantizes here).</summary>
    Tensor Output(T x);
}
