#!/usr/bin/env python3
"""Times one forward pass of the DDPM CIFAR-10 UNet (35.7 M parameters, random weights) in PyTorch.

Usage: python3 bench_unet.py THREADS RUNS   -> prints "pytorch_ms MEDIAN" (median of RUNS after a warm-up)
The UNet is the same definition as reference_unet.py, with google/ddpm-cifar10-32's configuration.
"""
import sys
import time

import torch

import reference_unet as ref

CIFAR = dict(ref.CONFIG, sample_size=32, block_out_channels=[128, 256, 256, 256], layers_per_block=2,
             down_block_types=["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
             up_block_types=["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
             norm_num_groups=32, downsample_padding=0, attention_head_dim=None)


def main(threads, runs):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    params = {n: torch.randn(s) * 0.02 for n, s in ref.shapes(CIFAR).items()}
    sample, t = torch.randn(1, 3, 32, 32), torch.tensor([500.0])
    with torch.no_grad():
        ref.forward(params, CIFAR, sample, t)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            ref.forward(params, CIFAR, sample, t)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"pytorch_ms {times[len(times) // 2]:.1f} params {sum(p.numel() for p in params.values())}")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
