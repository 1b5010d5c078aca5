#!/usr/bin/env python3
"""A PyTorch UNet2DModel (diffusers' DDPM family, diffusers' parameter names) for cross-checking
the C# FP32 engine (model/Unet/UNet2D.cs) on the same weights and inputs.

Usage: python3 reference_unet.py OUTPUT_FOLDER
Writes OUTPUT_FOLDER/config.json, OUTPUT_FOLDER/diffusion_pytorch_model.safetensors (a small
UNet with random weights, fixed seed) and OUTPUT_FOLDER/io.safetensors (sample, timesteps, output).
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

from reference_ops import attention, timestep_embedding, write_safetensors

CONFIG = {
    "_class_name": "UNet2DModel",
    "sample_size": 8,
    "in_channels": 3,
    "out_channels": 3,
    "block_out_channels": [8, 16, 16],
    "layers_per_block": 1,
    "down_block_types": ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
    "norm_num_groups": 4,
    "norm_eps": 1e-6,
    "flip_sin_to_cos": False,
    "freq_shift": 1,
    "downsample_padding": 0,
    "attention_head_dim": 8,
}


def shapes(c):
    """Every parameter in diffusers' names, as UNet2D.ParameterShapes enumerates them."""
    s, temb, c0 = {}, c["block_out_channels"][0] * 4, c["block_out_channels"][0]

    def linear(n, o, i):
        s[n + ".weight"], s[n + ".bias"] = (o, i), (o,)

    def conv(n, o, i, k):
        s[n + ".weight"], s[n + ".bias"] = (o, i, k, k), (o,)

    def norm(n, ch):
        s[n + ".weight"], s[n + ".bias"] = (ch,), (ch,)

    def resnet(n, i, o):
        norm(n + ".norm1", i); conv(n + ".conv1", o, i, 3); linear(n + ".time_emb_proj", o, temb)
        norm(n + ".norm2", o); conv(n + ".conv2", o, o, 3)
        if i != o:
            conv(n + ".conv_shortcut", o, i, 1)

    def attn(n, ch):
        norm(n + ".group_norm", ch)
        for p in ("to_q", "to_k", "to_v", "to_out.0"):
            linear(n + "." + p, ch, ch)

    boc, levels = c["block_out_channels"], len(c["block_out_channels"])
    linear("time_embedding.linear_1", temb, c0); linear("time_embedding.linear_2", temb, temb)
    conv("conv_in", c0, c["in_channels"], 3)
    out = c0
    for i in range(levels):
        inp, out = out, boc[i]
        for j in range(c["layers_per_block"]):
            resnet(f"down_blocks.{i}.resnets.{j}", inp if j == 0 else out, out)
            if c["down_block_types"][i] == "AttnDownBlock2D":
                attn(f"down_blocks.{i}.attentions.{j}", out)
        if i < levels - 1:
            conv(f"down_blocks.{i}.downsamplers.0.conv", out, out, 3)
    resnet("mid_block.resnets.0", boc[-1], boc[-1]); attn("mid_block.attentions.0", boc[-1]); resnet("mid_block.resnets.1", boc[-1], boc[-1])
    rev = list(reversed(boc))
    out = rev[0]
    for i in range(levels):
        prev, out, inp = out, rev[i], rev[min(i + 1, levels - 1)]
        for j in range(c["layers_per_block"] + 1):
            skip = inp if j == c["layers_per_block"] else out
            resnet(f"up_blocks.{i}.resnets.{j}", (prev if j == 0 else out) + skip, out)
            if c["up_block_types"][i] == "AttnUpBlock2D":
                attn(f"up_blocks.{i}.attentions.{j}", out)
        if i < levels - 1:
            conv(f"up_blocks.{i}.upsamplers.0.conv", out, out, 3)
    norm("conv_norm_out", c0); conv("conv_out", c["out_channels"], c0, 3)
    return s


def forward(p, c, sample, timesteps):
    g, eps = c["norm_num_groups"], c["norm_eps"]

    def resnet(n, x, temb_act):
        h = F.conv2d(F.silu(F.group_norm(x, g, p[n + ".norm1.weight"], p[n + ".norm1.bias"], eps)), p[n + ".conv1.weight"], p[n + ".conv1.bias"], padding=1)
        h = h + F.linear(temb_act, p[n + ".time_emb_proj.weight"], p[n + ".time_emb_proj.bias"])[:, :, None, None]
        h = F.conv2d(F.silu(F.group_norm(h, g, p[n + ".norm2.weight"], p[n + ".norm2.bias"], eps)), p[n + ".conv2.weight"], p[n + ".conv2.bias"], padding=1)
        if n + ".conv_shortcut.weight" in p:
            x = F.conv2d(x, p[n + ".conv_shortcut.weight"], p[n + ".conv_shortcut.bias"])
        return x + h

    def attn(n, x):
        lin = lambda q: (p[f"{n}.{q}.weight"], p[f"{n}.{q}.bias"])
        head = c["attention_head_dim"] or x.shape[1]
        return attention(x, g, eps, p[n + ".group_norm.weight"], p[n + ".group_norm.bias"], lin("to_q"), lin("to_k"), lin("to_v"), lin("to_out.0"), head)

    temb = timestep_embedding(timesteps, c["block_out_channels"][0], c["flip_sin_to_cos"], c["freq_shift"])
    temb = F.linear(F.silu(F.linear(temb, p["time_embedding.linear_1.weight"], p["time_embedding.linear_1.bias"])), p["time_embedding.linear_2.weight"], p["time_embedding.linear_2.bias"])
    temb_act = F.silu(temb)
    x = F.conv2d(sample, p["conv_in.weight"], p["conv_in.bias"], padding=1)
    skips, levels = [x], len(c["block_out_channels"])
    for i in range(levels):
        for j in range(c["layers_per_block"]):
            x = resnet(f"down_blocks.{i}.resnets.{j}", x, temb_act)
            if c["down_block_types"][i] == "AttnDownBlock2D":
                x = attn(f"down_blocks.{i}.attentions.{j}", x)
            skips.append(x)
        if i < levels - 1:
            w, b = p[f"down_blocks.{i}.downsamplers.0.conv.weight"], p[f"down_blocks.{i}.downsamplers.0.conv.bias"]
            x = F.conv2d(F.pad(x, (0, 1, 0, 1)), w, b, stride=2) if c["downsample_padding"] == 0 else F.conv2d(x, w, b, stride=2, padding=1)
            skips.append(x)
    x = resnet("mid_block.resnets.0", x, temb_act); x = attn("mid_block.attentions.0", x); x = resnet("mid_block.resnets.1", x, temb_act)
    for i in range(levels):
        for j in range(c["layers_per_block"] + 1):
            x = resnet(f"up_blocks.{i}.resnets.{j}", torch.cat([x, skips.pop()], dim=1), temb_act)
            if c["up_block_types"][i] == "AttnUpBlock2D":
                x = attn(f"up_blocks.{i}.attentions.{j}", x)
        if i < levels - 1:
            x = F.conv2d(F.interpolate(x, scale_factor=2.0, mode="nearest"), p[f"up_blocks.{i}.upsamplers.0.conv.weight"], p[f"up_blocks.{i}.upsamplers.0.conv.bias"], padding=1)
    x = F.silu(F.group_norm(x, g, p["conv_norm_out.weight"], p["conv_norm_out.bias"], eps))
    return F.conv2d(x, p["conv_out.weight"], p["conv_out.bias"], padding=1)


def main(folder):
    torch.manual_seed(7)
    params = {}
    for name, shape in shapes(CONFIG).items():
        if len(shape) == 1:
            params[name] = (1 + 0.1 * torch.randn(shape)) if name.endswith(".weight") else 0.02 * torch.randn(shape)
        else:
            fan_in = 1
            for d in shape[1:]:
                fan_in *= d
            params[name] = torch.randn(shape) / fan_in ** 0.5
    sample = torch.randn(2, CONFIG["in_channels"], CONFIG["sample_size"], CONFIG["sample_size"])
    timesteps = torch.tensor([3.0, 517.0])
    with torch.no_grad():
        out = forward(params, CONFIG, sample, timesteps)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    write_safetensors(os.path.join(folder, "diffusion_pytorch_model.safetensors"), params, {"format": "pt"})
    write_safetensors(os.path.join(folder, "io.safetensors"), {"sample": sample, "timesteps": timesteps, "output": out})


if __name__ == "__main__":
    main(sys.argv[1])
