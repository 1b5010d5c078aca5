#!/usr/bin/env python3
"""Trains the shipped models of DiffAcc on Fashion-MNIST (Debian: dataset-fashion-mnist, padded to 32x32):

1. a small DDPM UNet2DModel (diffusers' family and parameter names; the same functional definition
   as reference_unet.py, so the C# engine runs it unchanged), epsilon or v prediction, T = 1000 linear
   betas 1e-4 .. 0.02, Adam, EMA of the weights;
2. a small classifier whose pooled 64-wide features define the Frechet distance of `diffacc report quant`.

CPU only, fixed seeds. The shipped weights come from three runs (from the repository root, about
1 h 15 min, 50 min and 80 min on 2 cores): epsilon prediction, then a fine-tune to v prediction:
    python3 model/pytorch/train_fashion_mnist.py model/weights/fashion-mnist
    python3 model/pytorch/train_fashion_mnist.py model/weights/fashion-mnist --resume \
        model/weights/fashion-mnist/unet/diffusion_pytorch_model.safetensors --unet-steps 2500 --peak-lr 3e-4 --warmup 100 --seed-offset 1
    python3 model/pytorch/train_fashion_mnist.py model/weights/fashion-mnist --resume \
        model/weights/fashion-mnist/unet/diffusion_pytorch_model.safetensors --unet-steps 2000 --peak-lr 3e-4 --warmup 100 --seed-offset 3 \
        --prediction v_prediction --threads 1
Writes OUTPUT/unet/{config.json,diffusion_pytorch_model.safetensors,scheduler_config.json}
and OUTPUT/features/{config.json,model.safetensors}.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_unet import forward, shapes  # noqa: E402
from reference_ops import write_safetensors  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"
SEED_OFFSET = 0

UNET_CONFIG = {
    "_class_name": "UNet2DModel",
    "sample_size": 32,
    "in_channels": 1,
    "out_channels": 1,
    "block_out_channels": [16, 32, 64],
    "layers_per_block": 1,
    "down_block_types": ["DownBlock2D", "DownBlock2D", "AttnDownBlock2D"],
    "up_block_types": ["AttnUpBlock2D", "UpBlock2D", "UpBlock2D"],
    "norm_num_groups": 8,
    "norm_eps": 1e-5,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "downsample_padding": 1,
    "attention_head_dim": 32,
}

SCHEDULER_CONFIG = {"_class_name": "DDPMScheduler", "num_train_timesteps": 1000, "beta_start": 1e-4,
                    "beta_end": 0.02, "beta_schedule": "linear", "prediction_type": "epsilon",
                    "variance_type": "fixed_small", "clip_sample": True}

# Feature network: conv3x3 (stride 1, 2, 2, 1) with SiLU, global average pool -> 64 features -> 10 classes.
FEATURE_LAYERS = [(1, 32, 1), (32, 64, 2), (64, 64, 2), (64, 64, 1)]


def load_images(kind):
    with gzip.open(os.path.join(DATA, f"{kind}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(DATA, f"{kind}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0)
    return F.pad(x, (2, 2, 2, 2), value=-1.0), torch.from_numpy(labels.astype(np.int64))


def init_unet():
    params = {}
    for name, shape in shapes(UNET_CONFIG).items():
        if len(shape) == 1:
            params[name] = torch.ones(shape) if name.endswith(".weight") else torch.zeros(shape)
        else:
            fan_in = int(np.prod(shape[1:]))
            params[name] = torch.randn(shape) * (1.0 / fan_in) ** 0.5
    # Start every residual branch near zero (as diffusers' zero-initialised outputs do) for stable early training.
    for name in params:
        if name.endswith("conv2.weight") or name.endswith("to_out.0.weight") or name == "conv_out.weight":
            params[name].mul_(0.1)
    return {n: p.requires_grad_() for n, p in params.items()}


def read_safetensors(path):
    """The F32 tensors of a safetensors file (as write_safetensors writes them)."""
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[start:end], dtype="<f4").copy()).reshape(info["shape"])
    return tensors


def train_unet(images, steps, batch, log, resume=None, peak_lr=1e-3, warmup=500, checkpoint=None, checkpoint_every=250,
               prediction="epsilon"):
    """Trains for `steps` steps; with `checkpoint`, the whole state (weights, EMA, Adam moments, data generator,
    step) is saved there every `checkpoint_every` steps and a run started again with the same path continues
    where it stopped, so one schedule can span several sessions and give the same weights as an unbroken run."""
    torch.manual_seed(1)
    params = init_unet() if resume is None else {n: p.clone().requires_grad_() for n, p in read_safetensors(resume).items()}
    ema = {n: p.detach().clone() for n, p in params.items()}
    optimizer = torch.optim.Adam(params.values(), lr=1e-3)
    betas = torch.linspace(1e-4, 0.02, 1000)
    alphas_cumprod = torch.cumprod(1 - betas, 0)
    generator = torch.Generator().manual_seed(2 + SEED_OFFSET)
    first = 1
    if checkpoint is not None and os.path.exists(checkpoint):
        state = torch.load(checkpoint)
        saved = (state["steps"], state["batch"], state["peak_lr"], state["warmup"], state.get("prediction", "epsilon"))
        if saved != (steps, batch, peak_lr, warmup, prediction):
            raise SystemExit(f"{checkpoint}: saved for (steps, batch, peak lr, warmup, prediction) {saved}; "
                             f"this run asks for {(steps, batch, peak_lr, warmup, prediction)}")
        with torch.no_grad():
            for n in params:
                params[n].copy_(state["params"][n])
                ema[n].copy_(state["ema"][n])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        first = state["step"] + 1
        log(f"unet resumed from {checkpoint} at step {state['step']}/{steps}")
    start = time.time()
    for step in range(first, steps + 1):
        lr = peak_lr * min(1.0, step / max(1, warmup)) * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * step / steps)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        index = torch.randint(0, images.shape[0], (batch,), generator=generator)
        x0 = images[index]
        if torch.rand((), generator=generator) < 0.5:
            x0 = x0.flip(3)
        t = torch.randint(0, 1000, (batch,), generator=generator)
        noise = torch.randn(x0.shape, generator=generator)
        a = alphas_cumprod[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        # v = sqrt(a) eps - sqrt(1 - a) x0 (Salimans & Ho): the sampler's x0 no longer divides the error by sqrt(a),
        # which at t near T amplifies it a hundredfold and leaves DDIM's deterministic path no noise to hide it.
        target = noise if prediction == "epsilon" else a.sqrt() * noise - (1 - a).sqrt() * x0
        loss = F.mse_loss(forward(params, UNET_CONFIG, xt, t.float()), target)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params.values(), 1.0)
        optimizer.step()
        decay = min(0.999, (1 + step) / (10 + step))
        with torch.no_grad():
            for n, p in params.items():
                ema[n].mul_(decay).add_(p.detach(), alpha=1 - decay)
        if step % 100 == 0 or step == steps:
            elapsed = time.time() - start
            done = step - first + 1
            log(f"unet step {step}/{steps} loss {loss.item():.4f} lr {lr:.2e} {elapsed / done:.3f} s/step, {elapsed / 60:.1f} min")
        if checkpoint is not None and (step % checkpoint_every == 0 or step == steps):
            state = {"steps": steps, "batch": batch, "peak_lr": peak_lr, "warmup": warmup, "prediction": prediction, "step": step,
                     "params": {n: p.detach() for n, p in params.items()}, "ema": ema,
                     "optimizer": optimizer.state_dict(), "generator": generator.get_state()}
            # All or nothing: a run killed while saving leaves the previous checkpoint intact.
            torch.save(state, checkpoint + ".tmp")
            os.replace(checkpoint + ".tmp", checkpoint)
    return ema


def feature_params():
    torch.manual_seed(3)
    params = {}
    for i, (cin, cout, _) in enumerate(FEATURE_LAYERS):
        params[f"convs.{i}.weight"] = torch.randn(cout, cin, 3, 3) * (2.0 / (cin * 9)) ** 0.5
        params[f"convs.{i}.bias"] = torch.zeros(cout)
    params["classifier.weight"] = torch.randn(10, FEATURE_LAYERS[-1][1]) * 0.1
    params["classifier.bias"] = torch.zeros(10)
    return {n: p.requires_grad_() for n, p in params.items()}


def features(params, x):
    for i, (_, _, stride) in enumerate(FEATURE_LAYERS):
        x = F.silu(F.conv2d(x, params[f"convs.{i}.weight"], params[f"convs.{i}.bias"], stride=stride, padding=1))
    return x.mean(dim=(2, 3))


def train_features(images, labels, test_images, test_labels, epochs, log):
    params = feature_params()
    optimizer = torch.optim.Adam(params.values(), lr=2e-3)
    generator = torch.Generator().manual_seed(4)
    for epoch in range(epochs):
        order = torch.randperm(images.shape[0], generator=generator)
        for i in range(0, images.shape[0], 128):
            index = order[i:i + 128]
            logits = F.linear(features(params, images[index]), params["classifier.weight"], params["classifier.bias"])
            loss = F.cross_entropy(logits, labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            logits = F.linear(features(params, test_images), params["classifier.weight"], params["classifier.bias"])
            accuracy = (logits.argmax(1) == test_labels).float().mean().item()
        log(f"features epoch {epoch + 1}/{epochs} test accuracy {accuracy:.4f}")
    return {n: p.detach() for n, p in params.items()}, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--unet-steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--feature-epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--resume", help="continue from these UNet weights (skips the feature network)")
    parser.add_argument("--peak-lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--seed-offset", type=int, default=0, help="added to the data seed, so a resumed run sees new batches")
    parser.add_argument("--prediction", choices=["epsilon", "v_prediction"], default="epsilon",
                        help="what the UNet predicts: the noise, or v = sqrt(a) eps - sqrt(1 - a) x0")
    parser.add_argument("--checkpoint", help="save the whole training state here and continue from it when it exists")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    def log(message):
        print(message, flush=True)

    images, labels = load_images("train")
    test_images, test_labels = load_images("t10k")
    log(f"Fashion-MNIST: {images.shape[0]} training, {test_images.shape[0]} test images, padded to 32x32")

    unet_dir, feature_dir = os.path.join(args.output, "unet"), os.path.join(args.output, "features")
    os.makedirs(unet_dir, exist_ok=True)
    os.makedirs(feature_dir, exist_ok=True)

    global SEED_OFFSET
    SEED_OFFSET = args.seed_offset
    if args.resume is None:
        feature_weights, accuracy = train_features(images, labels, test_images, test_labels, args.feature_epochs, log)
        with open(os.path.join(feature_dir, "config.json"), "w") as f:
            json.dump({"layers": [{"in": i, "out": o, "stride": s} for i, o, s in FEATURE_LAYERS], "activation": "silu",
                       "input": "1x32x32 in [-1, 1]", "classes": 10, "test_accuracy": round(accuracy, 4)}, f, indent=2)
        write_safetensors(os.path.join(feature_dir, "model.safetensors"), feature_weights, {"format": "pt"})

    ema = train_unet(images, args.unet_steps, args.batch, log, args.resume, args.peak_lr, args.warmup, args.checkpoint,
                     prediction=args.prediction)
    with open(os.path.join(unet_dir, "config.json"), "w") as f:
        json.dump(UNET_CONFIG, f, indent=2)
    with open(os.path.join(unet_dir, "scheduler_config.json"), "w") as f:
        json.dump({**SCHEDULER_CONFIG, "prediction_type": args.prediction}, f, indent=2)
    history = (f"{args.unet_steps} steps x batch {args.batch}, peak lr {args.peak_lr}, data seed offset {args.seed_offset}, "
               f"prediction {args.prediction}")
    if args.resume is not None:
        history = f"resumed from {os.path.basename(args.resume)}: " + history
    write_safetensors(os.path.join(unet_dir, "diffusion_pytorch_model.safetensors"), ema, {"format": "pt", "training": history})
    log("done")


if __name__ == "__main__":
    main()
