#!/usr/bin/env python3
"""PyTorch twin of `picograd train shakespeare`: the same 90/10 split, SplitMix64 window
sampler, GPT (d=64, 2 layers, 4 heads, 64-character windows, GELU-tanh MLP, untied head),
AdamW, cosine schedule with warmup, clipping and step count. Prints tokens/s and
`val loss X.XXXX` (8 fixed validation batches of 16 windows, seed 7), like picograd.

    PICOGRAD_DATA=/work/shared/data /root/venv/bin/python scripts/bench-twins/train_shakespeare.py [--steps N]
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from train_names import SplitMix64, cosine_lr, data_path  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
from lego import GPT  # noqa: E402  (the torch twin of lego's GPT, same state-dict keys)

THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
torch.set_num_threads(THREADS)   # --threads 1 compares with the single-threaded reference backend


def windows(tokens, sampler, batch, block):
    starts = [sampler.below(len(tokens) - block) for _ in range(batch)]
    x = torch.stack([tokens[s:s + block] for s in starts])
    y = torch.stack([tokens[s + 1:s + block + 1] for s in starts])
    return x, y


def main():
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 1000
    batch, block, max_lr, min_lr, warmup, wd, seed = 16, 64, 3e-3, 3e-4, 100, 0.1, 1337
    text = open(data_path("tinyshakespeare.txt"), encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    tokens = torch.tensor([stoi[c] for c in text])
    cut = len(tokens) * 9 // 10
    train, val = tokens[:cut], tokens[cut:]
    torch.manual_seed(seed)
    model = GPT(64, 2, 4, len(chars), block).float()
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr, betas=(0.9, 0.99), weight_decay=wd)
    sampler = SplitMix64(seed)
    print(f"shakespeare (torch {torch.__version__}, {THREADS} threads): {sum(p.numel() for p in model.parameters())} parameters, {steps} steps")
    start = time.perf_counter()
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = cosine_lr(step, max_lr, min_lr, warmup, steps)
        x, y = windows(train, sampler, batch, block)
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (step + 1) % 100 == 0:
            print(f"step {step + 1} loss {loss.item():.4f}")
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        vs = SplitMix64(7)
        losses = [F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1)).item()
                  for x, y in (windows(val, vs, 16, block) for _ in range(8))]
    print(f"trained {steps} steps in {elapsed:.1f} s ({steps * batch * block / elapsed:.0f} tokens/s)")
    print(f"val loss {sum(losses) / len(losses):.4f}")


if __name__ == "__main__":
    main()
