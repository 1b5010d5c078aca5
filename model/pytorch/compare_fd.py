#!/usr/bin/env python3
"""Frechet distance of FP32 DDIM 50-step samples of two shipped-format UNets to the Fashion-MNIST test set,
in the shipped feature network's space, from the same initial noise (docs/model.md, "Why v").

Usage: python3 model/pytorch/compare_fd.py EPSILON_MODEL.safetensors V_MODEL.safetensors
(the epsilon model is the one shipped before the v fine-tune: git show 7fa66f9:model/weights/fashion-mnist/unet/diffusion_pytorch_model.safetensors)
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fashion_mnist import read_safetensors, UNET_CONFIG, load_images, features
from reference_unet import forward
torch.set_num_threads(1)
fparams = read_safetensors(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights", "fashion-mnist", "features", "model.safetensors"))
def stats(x):
    with torch.no_grad():
        f = torch.cat([features(fparams, x[i:i+500]) for i in range(0, len(x), 500)]).double().numpy()
    return f.mean(0), np.cov(f, rowvar=False)
def fd(a, b):
    (m1, s1), (m2, s2) = a, b
    ev = np.linalg.eigvals(s1 @ s2)
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(ev.real, 0, None)).sum())
test, _ = load_images("t10k"); train, _ = load_images("train")
ref = stats(test)
n = 256
print("floor", fd(stats(train[:n]), ref))
betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64); ac = torch.cumprod(1 - betas, 0)
ts = list(range(0, 1000, 20))[::-1]
for name, path, pred in [("epsilon", sys.argv[1], "eps"), ("v", sys.argv[2], "v")]:
    params = read_safetensors(path)
    x = torch.randn(n, 1, 32, 32, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        for i, t in enumerate(ts):
            a = ac[t].item(); ap = ac[ts[i + 1]].item() if i + 1 < len(ts) else 1.0
            out = forward(params, UNET_CONFIG, x, torch.full((n,), float(t)))
            x0 = (a ** 0.5 * x - (1 - a) ** 0.5 * out) if pred == "v" else (x - (1 - a) ** 0.5 * out) / a ** 0.5
            x0 = x0.clamp(-1, 1)
            e = (x - a ** 0.5 * x0) / (1 - a) ** 0.5
            x = ap ** 0.5 * x0 + (1 - ap) ** 0.5 * e
    x = x.clamp(-1, 1).float()
    d = fd(stats(x), ref)
    # bootstrap over the samples
    rng = np.random.default_rng(0); boots = []
    with torch.no_grad():
        f = features(fparams, x).double().numpy()
    for _ in range(100):
        idx = rng.integers(0, n, n); g = f[idx]
        boots.append(fd((g.mean(0), np.cov(g, rowvar=False)), ref))
    print(name, round(d, 2), [round(float(np.percentile(boots, 2.5)), 2), round(float(np.percentile(boots, 97.5)), 2)], flush=True)
