#!/usr/bin/env python3
"""PyTorch twin of `picograd train names`: the same data split, sampler (SplitMix64), model
(Bengio MLP: 3 characters of context, 10-dim embeddings, 200 tanh units), AdamW, cosine
schedule with warmup, clipping and step count, so validation loss and wall time compare
side by side. Prints `val loss X.XXXX` last, like picograd.

    PICOGRAD_DATA=/work/shared/data /root/venv/bin/python scripts/bench-twins/train_names.py [--steps N]
"""
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
torch.set_num_threads(THREADS)   # --threads 1 compares with the single-threaded reference backend
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from picograd_random import Generator  # noqa: E402  (dfdx's Generator: SplitMix64)


class SplitMix64(Generator):
    """dfdx's Generator: the same stream of numbers as picograd's samplers."""

    def below(self, n):
        return self.int_below(n)


def data_path(name):
    folder = os.environ.get("PICOGRAD_DATA") or "data"
    return os.path.join(folder, name)


def cosine_lr(step, max_lr, min_lr, warmup, total):
    if step < warmup:
        return max_lr * (step + 1) / warmup
    if step > total:
        return min_lr
    return min_lr + 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(total - warmup, 1))) * (max_lr - min_lr)


def main():
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 20000
    batch, context, max_lr, min_lr, warmup, wd, seed = 64, 3, 1e-2, 1e-3, 200, 0.01, 1337
    text = open(data_path("names.txt"), encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    words = [[stoi[c] for c in w] for w in text.split("\n") if w]
    g = SplitMix64(42)
    for i in range(len(words) - 1, 0, -1):
        j = g.below(i + 1)
        words[i], words[j] = words[j], words[i]
    cut = len(words) * 9 // 10

    def examples(ws):
        xs, ys = [], []
        for w in ws:
            window = [0] * context
            for t in w + [0]:
                xs.append(window)
                ys.append(t)
                window = window[1:] + [t]
        return torch.tensor(xs), torch.tensor(ys)

    xtr, ytr = examples(words[:cut])
    xva, yva = examples(words[cut:])
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Embedding(len(chars), 10), nn.Flatten(), nn.Linear(context * 10, 200), nn.Tanh(), nn.Linear(200, len(chars)))
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr, betas=(0.9, 0.99), weight_decay=wd)
    sampler = SplitMix64(seed)
    print(f"names (torch {torch.__version__}, {THREADS} threads): {sum(p.numel() for p in model.parameters())} parameters, {steps} steps, batch {batch}")
    start = time.perf_counter()
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = cosine_lr(step, max_lr, min_lr, warmup, steps)
        idx = torch.tensor([sampler.below(len(ytr)) for _ in range(batch)])
        loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (step + 1) % 2000 == 0:
            print(f"step {step + 1} loss {loss.item():.4f}")
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        val = F.cross_entropy(model(xva), yva).item()
    print(f"trained {steps} steps in {elapsed:.1f} s ({steps * batch / elapsed:.0f} tokens/s)")
    print(f"val loss {val:.4f}")


if __name__ == "__main__":
    main()
