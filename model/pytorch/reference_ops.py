#!/usr/bin/env python3
"""PyTorch reference outputs for the FP32 operators of DiffAcc.Model (model/Fp32/Fp32Ops.cs).

Runs each operator with fixed-seed inputs in PyTorch (the implementation every user trusts) and
writes inputs and outputs into one safetensors file that the C# tests compare against to 1e-4
relative. Usage: python3 reference_ops.py OUTPUT.safetensors  (Debian: apt-get install python3-torch)
"""
import json
import math
import struct
import sys

import torch
import torch.nn.functional as F


def timestep_embedding(t, dim, flip_sin_to_cos, freq_shift):
    half = dim // 2
    exponent = -math.log(10000) * torch.arange(half, dtype=torch.float32) / (half - freq_shift)
    emb = t[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    return emb


def attention(x, groups, eps, gn_w, gn_b, q, k, v, o, head_dim):
    b, c, h, w = x.shape
    hidden = F.group_norm(x, groups, gn_w, gn_b, eps).view(b, c, h * w).transpose(1, 2)
    query, key, value = F.linear(hidden, *q), F.linear(hidden, *k), F.linear(hidden, *v)
    heads = c // head_dim

    def split(t):
        return t.reshape(b, h * w, heads, head_dim).permute(0, 2, 1, 3)

    scores = torch.matmul(split(query), split(key).transpose(-1, -2)) / math.sqrt(head_dim)
    out = torch.matmul(scores.softmax(dim=-1), split(value)).permute(0, 2, 1, 3).reshape(b, h * w, c)
    out = F.linear(out, *o).transpose(1, 2).reshape(b, c, h, w)
    return out + x


def main(path):
    torch.manual_seed(20261126)
    tensors = {}

    def put(name, t):
        tensors[name] = t.detach().contiguous().float()

    x = torch.randn(2, 4, 8, 8)
    w3 = torch.randn(6, 4, 3, 3) * 0.3
    w1 = torch.randn(6, 4, 1, 1) * 0.3
    bias = torch.randn(6)
    put("conv.x", x); put("conv.w3", w3); put("conv.w1", w1); put("conv.b", bias)
    put("conv.3x3", F.conv2d(x, w3, bias, stride=1, padding=1))
    put("conv.3x3s2", F.conv2d(x, w3, bias, stride=2, padding=1))
    put("conv.3x3s2pad0", F.conv2d(F.pad(x, (0, 1, 0, 1)), w3, bias, stride=2, padding=0))
    put("conv.1x1", F.conv2d(x, w1, bias))

    g = torch.randn(2, 8, 4, 4) * 3 + 1
    gn_w, gn_b = torch.randn(8), torch.randn(8)
    put("gn.x", g); put("gn.w", gn_w); put("gn.b", gn_b)
    put("gn.y", F.group_norm(g, 4, gn_w, gn_b, 1e-6))
    put("silu.y", F.silu(g))

    lx, lw, lb = torch.randn(3, 16), torch.randn(10, 16), torch.randn(10)
    put("linear.x", lx); put("linear.w", lw); put("linear.b", lb)
    put("linear.y", F.linear(lx, lw, lb))

    u = torch.randn(1, 2, 3, 3)
    put("up.x", u)
    put("up.y", F.interpolate(u, scale_factor=2.0, mode="nearest"))

    t = torch.tensor([0.0, 1.0, 10.0, 999.0])
    put("temb.t", t)
    put("temb.flip_shift0", timestep_embedding(t, 32, True, 0))
    put("temb.noflip_shift1", timestep_embedding(t, 32, False, 1))

    proj = {n: (torch.randn(8, 8) * 0.3, torch.randn(8) * 0.1) for n in "qkvo"}
    for n, (pw, pb) in proj.items():
        put(f"attn.{n}.w", pw); put(f"attn.{n}.b", pb)
    put("attn.head4", attention(g, 4, 1e-6, gn_w, gn_b, proj["q"], proj["k"], proj["v"], proj["o"], 4))
    put("attn.head8", attention(g, 4, 1e-6, gn_w, gn_b, proj["q"], proj["k"], proj["v"], proj["o"], 8))

    write_safetensors(path, tensors)


def write_safetensors(path, tensors, metadata=None):
    """The safetensors layout: 8-byte little-endian header size, JSON header, raw F32 data."""
    header, blobs, offset = {"__metadata__": dict(metadata or {}, torch=torch.__version__)}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


if __name__ == "__main__":
    main(sys.argv[1])
