#!/usr/bin/env python3
"""The PyTorch twins of examples/ (the three ports of issue 26), writing what each Swift example
must print: Tests/Examples/Reference/{polynomial_fit,makemore_mlp,nanogpt}.json.

Each twin is its PyTorch program as written for torch, with one change: every random number
comes from picograd's generator written in Python (picograd_random.py), in the order the
Swift port draws it, so both start from the same weights and draw the same batches. (torch's
own generator cannot be reproduced in Swift; the sampling at the end of each program, which
needs torch.multinomial's stream, is left out of the comparison.)

    PICOGRAD_DATA=/path/to/data /work/venv-torch/bin/python scripts/reference/examples.py
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from picograd_random import Generator  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Examples", "Reference")
DATA = os.environ.get("PICOGRAD_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "data"))


def write(name, result):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/reference/examples.py", "torch": torch.__version__, **result}, f, indent=1)
        f.write("\n")
    print(f"{path}")


# ---------------------------------------------------------------- 1. polynomial fit of sin(x)
def polynomial_fit(steps=2000):
    g = Generator(0)   # picograd's default generator starts at seed 0
    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a = g.randn().requires_grad_()   # torch.randn((), dtype=dtype, requires_grad=True)
    b = g.randn().requires_grad_()
    c = g.randn().requires_grad_()
    d = g.randn().requires_grad_()
    learning_rate = 1e-6
    losses = {}
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())
            losses[t] = loss.item()
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    return {"steps": steps, "losses": losses, "result": [a.item(), b.item(), c.item(), d.item()]}


# ---------------------------------------------------------------- 2. makemore MLP from tensors
def makemore_mlp(steps=200):
    words = open(os.path.join(DATA, "names.txt"), "r").read().splitlines()
    chars = sorted(list(set("".join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    block_size = 3

    def build_dataset(words):
        X, Y = [], []
        for w in words:
            context = [0] * block_size
            for ch in w + ".":
                ix = stoi[ch]
                X.append(context)
                Y.append(ix)
                context = context[1:] + [ix]
        X = torch.tensor(X)
        Y = torch.tensor(Y)
        return X, Y

    words = Generator(42).shuffled(words)   # random.seed(42); random.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1])
    Xdev, Ydev = build_dataset(words[n1:n2])
    g = Generator(2147483647)   # torch.Generator().manual_seed(2147483647)
    C = g.randn(27, 10)
    W1 = g.randn(30, 200)
    b1 = g.randn(200)
    W2 = g.randn(200, 27)
    b2 = g.randn(27)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    losses = []
    for i in range(steps):
        ix = g.randint(0, Xtr.shape[0], (32,))   # torch.randint(0, Xtr.shape[0], (32,))
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        losses.append(loss.item())
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 100000 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
    emb = C[Xdev]
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    logits = h @ W2 + b2
    dev = F.cross_entropy(logits, Ydev).item()
    print("makemore: step 0 loss", losses[0], "last", losses[-1], "dev", dev)
    return {"steps": steps, "shapes": [list(Xtr.shape), list(Xdev.shape)], "parameters": sum(p.nelement() for p in parameters),
            "losses": losses, "dev_loss": dev}


# ---------------------------------------------------------------- 3. nanoGPT-style GPT
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        assert config["n_embd"] % config["n_head"] == 0
        self.c_attn = nn.Linear(config["n_embd"], 3 * config["n_embd"], bias=config["bias"])
        self.c_proj = nn.Linear(config["n_embd"], config["n_embd"], bias=config["bias"])
        self.attn_dropout = nn.Dropout(config["dropout"])
        self.resid_dropout = nn.Dropout(config["dropout"])
        self.n_head = config["n_head"]
        self.n_embd = config["n_embd"]
        bs = config["block_size"]
        self.register_buffer("bias", torch.tril(torch.ones(bs, bs)).view(1, 1, bs, bs))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        att = self.attn_dropout(att)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config["n_embd"], 4 * config["n_embd"], bias=config["bias"])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config["n_embd"], config["n_embd"], bias=config["bias"])
        self.dropout = nn.Dropout(config["dropout"])

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config["n_embd"], bias=config["bias"])
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config["n_embd"], bias=config["bias"])
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config, g):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config["vocab_size"], config["n_embd"]),
            wpe=nn.Embedding(config["block_size"], config["n_embd"]),
            drop=nn.Dropout(config["dropout"]),
            h=nn.ModuleList([Block(config) for _ in range(config["n_layer"])]),
            ln_f=nn.LayerNorm(config["n_embd"], bias=config["bias"]),
        ))
        self.lm_head = nn.Linear(config["n_embd"], config["vocab_size"], bias=False)
        # picograd's modules draw their default init at construction (Linear: one uniform per
        # element, Embedding: one normal, two draws, per element), in construction order
        for m in self.modules():
            if isinstance(m, nn.Linear):
                for p in [m.weight] + ([m.bias] if m.bias is not None else []):
                    for _ in range(p.numel()):
                        g.next()
            elif isinstance(m, nn.Embedding):
                for _ in range(2 * m.weight.numel()):
                    g.next()
        self.g = g
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                self._normal(p, 0.02 / math.sqrt(2 * config["n_layer"]))

    def _normal(self, p, std):
        with torch.no_grad():
            p.copy_(self.g.randn(*p.shape) * std + 0.0)   # torch.nn.init.normal_(p, 0.0, std)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            self._normal(module.weight, 0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            self._normal(module.weight, 0.02)

    def num_params(self):
        return sum(p.numel() for p in self.parameters()) - self.transformer.wpe.weight.numel()

    def forward(self, idx, targets):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        logits = self.lm_head(x)
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


def nanogpt(iters=20):
    batch_size, block_size = 8, 32
    config = dict(block_size=block_size, n_layer=2, n_head=4, n_embd=64, dropout=0.0, bias=True)
    learning_rate, weight_decay, beta1, beta2, grad_clip = 1e-3, 1e-1, 0.9, 0.99, 1.0
    warmup_iters, lr_decay_iters, min_lr = 100, 2000, 1e-4
    g = Generator(1337)   # torch.manual_seed(1337): picograd's default generator
    text = open(os.path.join(DATA, "tinyshakespeare.txt"), "r").read()
    chars = sorted(list(set(text)))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = [stoi[c] for c in text]
    n = int(0.9 * len(data))
    train_data = torch.tensor(data[:n], dtype=torch.long)
    config["vocab_size"] = len(chars)
    model = GPT(config, g)

    def get_batch():
        ix = g.randint(0, len(train_data) - block_size, (batch_size,))   # torch.randint(len(data) - block_size, (batch_size,))
        x = torch.stack([train_data[i:i + block_size] for i in ix])
        y = torch.stack([train_data[i + 1:i + 1 + block_size] for i in ix])
        return x, y

    params = [p for _, p in model.named_parameters()]
    decay = [p for p in params if p.dim() >= 2]
    nodecay = [p for p in params if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": nodecay, "weight_decay": 0.0}],
                                  lr=learning_rate, betas=(beta1, beta2))

    def get_lr(it):
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        if it > lr_decay_iters:
            return min_lr
        decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        return min_lr + 0.5 * (1.0 + math.cos(math.pi * decay_ratio)) * (learning_rate - min_lr)

    losses = []
    for it in range(iters):
        for group in optimizer.param_groups:
            group["lr"] = get_lr(it)
        X, Y = get_batch()
        _, loss = model(X, Y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        print(f"iter {it}: loss {loss.item()}")
    return {"iters": iters, "num_params": model.num_params(), "decayed": sum(p.numel() for p in decay),
            "non_decayed": sum(p.numel() for p in nodecay), "losses": losses}


if __name__ == "__main__":
    torch.set_num_threads(1)
    write("polynomial_fit", polynomial_fit())
    write("makemore_mlp", makemore_mlp())
    write("nanogpt", nanogpt())
