#!/usr/bin/env python3
"""PyTorch twin of `picograd bench train`: one training step of the names MLP (batch 32, SGD)
and of the benchmark GPT (nanoGPT shakespeare-char: 6 layers, d 384, 6 heads, block 256,
GELU MLP, LayerNorm, learned positions, tied embeddings, vocab 65; batch 8, AdamW), eager,
2 threads, random ids; and the GPT step with the model under torch.compile (inductor's C++
kernels, built by the system's C++ compiler on the first call, untimed), the twin of
`gpt_step_b8_compiled_ms`. `--no-compile` leaves that case out."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import timed  # noqa: E402
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc, self.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.heads = heads

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        att = (q @ k.transpose(-2, -1)) / (d // self.heads) ** 0.5
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab=65, d=384, layers=6, heads=6, block=256):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(block, d)
        self.h = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.wte.weight

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for blk in self.h:
            x = blk(x)
        return self.head(self.ln_f(x))


def main():
    out = []
    mlp = nn.Sequential(nn.Embedding(27, 10), nn.Flatten(), nn.Linear(30, 200), nn.Tanh(), nn.Linear(200, 27))
    sgd = torch.optim.SGD(mlp.parameters(), lr=0.1)
    ids, targets = torch.randint(0, 27, (32, 3)), torch.randint(0, 27, (32,))

    def mlp_step():
        sgd.zero_grad()
        F.cross_entropy(mlp(ids), targets).backward()
        sgd.step()
    out.append(("mlp_step_ms", timed(mlp_step, 50) * 1e3, "ms"))

    gpt = GPT()
    adam = torch.optim.AdamW(gpt.parameters(), lr=3e-4)
    x, y = torch.randint(0, 65, (8, 256)), torch.randint(0, 65, (8, 256))

    def gpt_step(model):
        adam.zero_grad()
        F.cross_entropy(model(x).view(-1, 65), y.view(-1)).backward()
        adam.step()
    out.append(("gpt_step_b8_ms", timed(lambda: gpt_step(gpt), 1, 3) * 1e3, "ms"))
    if "--no-compile" not in sys.argv:
        compiled = torch.compile(gpt)
        out.append(("gpt_step_b8_compiled_ms", timed(lambda: gpt_step(compiled), 1, 3) * 1e3, "ms"))
    print(json.dumps([{"suite": "train", "name": k, "value": v, "unit": u} for k, v, u in out]))


if __name__ == "__main__":
    main()
