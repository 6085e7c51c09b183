#!/usr/bin/env python3
"""Reference outputs for chapter 2 (lego), computed by PyTorch.

Every layer, model, optimizer, schedule and sampler of lego exists twice: here in PyTorch
(with torch's own modules and optimizers where torch has them, and HuggingFace's formulas
for llama) and in chapters/lego. Weights and inputs are seeded float32 values; layers are
evaluated in float64 on those exact values. Writes Tests/Grading/Reference/lego/*.json and
two small .safetensors files written by the Python safetensors library.

    /root/venv/bin/python scripts/reference/lego.py      # or any python with torch, numpy, safetensors
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file, load_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Grading", "Reference", "lego")
torch.manual_seed(20261122)
rng = np.random.default_rng(20261122)
DT = torch.float64


def randn(*shape, scale=1.0):
    return torch.tensor((rng.standard_normal(shape) * scale).astype(np.float32), dtype=DT)


def tj(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def sd_json(module):
    return {k: tj(v) for k, v in module.state_dict().items()}


# ---------------------------------------------------------------- torch twins of lego's models
class CausalSelfAttention(nn.Module):
    def __init__(self, dim, n_heads):
        super().__init__()
        self.c_attn = nn.Linear(dim, 3 * dim)
        self.c_proj = nn.Linear(dim, dim)
        self.n_heads = n_heads

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.c_fc = nn.Linear(dim, hidden)
        self.c_proj = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, dim, n_heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, n_heads)
        self.ln_2 = nn.LayerNorm(dim)
        self.mlp = MLP(dim, 4 * dim)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """nanoGPT's layout; untied head."""

    def __init__(self, dim, n_layers, n_heads, vocab, block):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, dim), wpe=nn.Embedding(block, dim),
            h=nn.ModuleList([Block(dim, n_heads) for _ in range(n_layers)]), ln_f=nn.LayerNorm(dim)))
        self.lm_head = nn.Linear(dim, vocab, bias=False)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))
        for b in self.transformer.h:
            x = b(x)
        return self.lm_head(self.transformer.ln_f(x))


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):   # HF LlamaRMSNorm
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rope_tables(head_dim, positions, theta):
    """HF LlamaRotaryEmbedding (default rope): inv_freq and angles in float32."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    freqs = positions.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(DT), emb.sin().to(DT)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x, start, theta):
    cos, sin = rope_tables(x.shape[-1], torch.arange(start, start + x.shape[2]), theta)
    return x * cos + rotate_half(x) * sin


class LlamaAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        hd = c["dim"] // c["n_heads"]
        self.q_proj = nn.Linear(c["dim"], c["n_heads"] * hd, bias=False)
        self.k_proj = nn.Linear(c["dim"], c["n_kv_heads"] * hd, bias=False)
        self.v_proj = nn.Linear(c["dim"], c["n_kv_heads"] * hd, bias=False)
        self.o_proj = nn.Linear(c["n_heads"] * hd, c["dim"], bias=False)

    def forward(self, x):
        c, (B, T, C) = self.c, x.shape
        h, kv = c["n_heads"], c["n_kv_heads"]
        hd = C // h
        q = apply_rope(self.q_proj(x).view(B, T, h, hd).transpose(1, 2), 0, c["rope_theta"])
        k = apply_rope(self.k_proj(x).view(B, T, kv, hd).transpose(1, 2), 0, c["rope_theta"])
        v = self.v_proj(x).view(B, T, kv, hd).transpose(1, 2)
        k, v = k.repeat_interleave(h // kv, dim=1), v.repeat_interleave(h // kv, dim=1)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, C))


class LlamaMLP(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=False)
        self.up_proj = nn.Linear(dim, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = LlamaAttention(c)
        self.mlp = LlamaMLP(c["dim"], c["hidden_dim"])
        self.input_layernorm = RMSNorm(c["dim"], c["norm_eps"])
        self.post_attention_layernorm = RMSNorm(c["dim"], c["norm_eps"])

    def forward(self, x):
        x = x + self.self_attn(self.input_layernorm(x))
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["dim"])
        self.layers = nn.ModuleList([LlamaLayer(c) for _ in range(c["n_layers"])])
        self.norm = RMSNorm(c["dim"], c["norm_eps"])


class LlamaForCausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.tied = c["tie_embeddings"]
        self.model = LlamaModel(c)
        if not self.tied:
            self.lm_head = nn.Linear(c["dim"], c["vocab_size"], bias=False)

    def forward(self, idx):
        x = self.model.embed_tokens(idx)
        for layer in self.model.layers:
            x = layer(x)
        x = self.model.norm(x)
        return x @ self.model.embed_tokens.weight.T if self.tied else self.lm_head(x)


class MLPLanguageModel(nn.Module):
    def __init__(self, vocab, context, embed, hidden):
        super().__init__()
        self.wte = nn.Embedding(vocab, embed)
        self.hidden = nn.Linear(context * embed, hidden)
        self.output = nn.Linear(hidden, vocab)

    def forward(self, idx):
        return self.output(torch.tanh(self.hidden(self.wte(idx).view(idx.shape[0], -1))))


def randomize(module):
    """Replace every parameter with seeded float32-exact values (so norms are not all ones)."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(randn(*p.shape, scale=0.5))
    return module


# ---------------------------------------------------------------- layer cases
def layer_case(name, module, x=None, ids=None, fn=None, config=None):
    """Forward in float64 from the module's weights, backward of a random upstream gradient."""
    module = module.to(DT) if module is not None else None
    inputs = {}
    if x is not None:
        x = x.clone().requires_grad_(True)
        out = fn(x) if fn else module(x)
        inputs["input"] = tj(x)
    else:
        out = module(torch.tensor(ids))
    upstream = randn(*out.shape)
    out.backward(upstream)
    grads = {k: tj(p.grad) for k, p in module.named_parameters()} if module is not None else {}
    if x is not None:
        grads["input"] = tj(x.grad)
    case = {"name": name, "params": sd_json(module) if module is not None else {}, "inputs": inputs,
            "output": tj(out), "upstream": tj(upstream), "grads": grads}
    if ids is not None:
        case["ids"] = np.array(ids).reshape(-1).tolist()
        case["ids_shape"] = list(np.array(ids).shape)
    if config is not None:
        case["config"] = config
    return case


def layer_cases():
    cases = []
    cases.append(layer_case("linear", randomize(nn.Linear(5, 4)), x=randn(3, 5)))
    cases.append(layer_case("linear_nobias_3d", randomize(nn.Linear(5, 4, bias=False)), x=randn(2, 3, 5)))
    cases.append(layer_case("embedding", randomize(nn.Embedding(7, 4)), ids=[[1, 3, 3], [0, 6, 2]]))
    cases.append(layer_case("layernorm", randomize(nn.LayerNorm(6)), x=randn(2, 3, 6)))
    cases.append(layer_case("rmsnorm", randomize(RMSNorm(6, 1e-5)), x=randn(4, 6)))
    cases.append(layer_case("gelu", None, x=randn(3, 5, scale=2), fn=lambda x: F.gelu(x, approximate="tanh")))
    cases.append(layer_case("mse", None, x=randn(3, 4), fn=lambda x: F.mse_loss(x, torch.linspace(-1, 1, 12, dtype=DT).view(3, 4))))
    cases.append(layer_case("gpt_mlp", randomize(MLP(6, 24)), x=randn(2, 3, 6)))
    cases.append(layer_case("swiglu", randomize(LlamaMLP(6, 10)), x=randn(2, 3, 6)))
    cases.append(layer_case("gpt_attention", randomize(CausalSelfAttention(8, 2)), x=randn(2, 5, 8)))
    cases.append(layer_case("rope", None, x=randn(1, 2, 5, 8), fn=lambda x: apply_rope(x, 3, 10000.0)))
    # attention core with cached keys: 3 queries at positions 2..4 over 5 keys
    kv = randn(2, 1, 2, 5, 4)
    def cached_attention(q):
        return F.scaled_dot_product_attention(q, kv[0], kv[1], attn_mask=torch.ones(3, 5, dtype=torch.bool).tril(diagonal=2))
    c = layer_case("attention_cached", None, x=randn(1, 2, 3, 4), fn=cached_attention)
    c["inputs"]["keys"], c["inputs"]["values"] = tj(kv[0]), tj(kv[1])
    cases.append(c)
    cases.append(layer_case("mlp_lm", randomize(MLPLanguageModel(27, 3, 5, 16)).to(DT), ids=[[0, 0, 5], [5, 13, 13], [1, 2, 3], [0, 0, 0]],
                            config={"vocab_size": 27, "context": 3, "embed_dim": 5, "hidden_dim": 16}))
    gpt_config = {"dim": 16, "n_layers": 2, "n_heads": 2, "vocab_size": 11, "block_size": 8}
    cases.append(layer_case("gpt", randomize(GPT(16, 2, 2, 11, 8)), ids=[[1, 2, 3, 4, 5, 6], [10, 0, 0, 7, 3, 2]], config=gpt_config))
    for tied in (False, True):
        lc = {"dim": 16, "n_layers": 2, "n_heads": 4, "n_kv_heads": 2, "hidden_dim": 24, "vocab_size": 13,
              "max_seq_len": 16, "norm_eps": 1e-5, "rope_theta": 10000.0, "tie_embeddings": tied}
        cases.append(layer_case("llama_tied" if tied else "llama", randomize(LlamaForCausalLM(lc)),
                                ids=[[1, 5, 9, 12, 0, 3, 3]], config=lc))
    return cases


# ---------------------------------------------------------------- optimizers, schedule, clipping
def optimizer_cases():
    x, y = randn(6, 5), randn(6, 3)
    cases = []
    configs = [
        ("sgd", "sgd", dict(lr=0.1)),
        ("sgd_momentum", "sgd", dict(lr=0.05, momentum=0.9)),
        ("sgd_momentum_wd", "sgd", dict(lr=0.05, momentum=0.8, weight_decay=0.1)),
        ("sgd_nesterov", "sgd", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
        ("adamw", "adamw", dict(lr=0.01)),
        ("adamw_wd_betas", "adamw", dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ]
    for name, kind, kw in configs:
        model = randomize(nn.Linear(5, 3)).to(DT)
        init = sd_json(model)
        opt = torch.optim.SGD(model.parameters(), **kw) if kind == "sgd" else torch.optim.AdamW(model.parameters(), **kw)
        steps = []
        for _ in range(5):
            opt.zero_grad()
            F.mse_loss(model(x), y).backward()
            opt.step()
            steps.append(sd_json(model))
        cases.append({"name": name, "kind": kind, "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()},
                      "init": init, "x": tj(x), "y": tj(y), "steps": steps})
    return cases


def clip_cases():
    out = []
    for name, max_norm in (("clip_active", 0.5), ("clip_inactive", 100.0)):
        model = randomize(nn.Linear(5, 3)).to(DT)
        x, y = randn(6, 5), randn(6, 3)
        F.mse_loss(model(x), y).backward()
        init = sd_json(model)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        out.append({"name": name, "max_norm": max_norm, "init": init, "x": tj(x), "y": tj(y),
                    "norm": float(norm), "grads": {k: tj(p.grad) for k, p in model.named_parameters()}})
    return out


def schedule():
    max_lr, min_lr, warmup, total = 1e-3, 1e-4, 10, 100
    lrs = []
    for step in range(0, 110):
        if step < warmup:
            lr = max_lr * (step + 1) / warmup
        elif step > total:
            lr = min_lr
        else:
            ratio = (step - warmup) / (total - warmup)
            lr = min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (max_lr - min_lr)
        lrs.append(lr)
    # the same schedule through torch's LambdaLR, to pin the convention (lr of step s is used by update s)
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=max_lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lrs[s] / max_lr if s < len(lrs) else min_lr / max_lr)
    torch_lrs = []
    for _ in range(len(lrs)):
        torch_lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert np.allclose(torch_lrs, lrs)
    return {"max_lr": max_lr, "min_lr": min_lr, "warmup": warmup, "total": total, "lrs": torch_lrs}


def sampling_cases():
    logits = randn(12, scale=2.0)
    out = []
    for name, t, k, p in (("temperature", 0.7, None, None), ("top_k", 1.0, 4, None), ("top_p", 1.0, None, 0.8),
                          ("top_k_top_p", 1.3, 6, 0.7)):
        x = logits / t
        if k is not None:
            kth = torch.topk(x, k).values[-1]
            x = x.masked_fill(x < kth, float("-inf"))
        if p is not None:   # HF TopPLogitsWarper: drop the tail whose mass is <= 1 - top_p
            sorted_logits, sorted_idx = torch.sort(x, descending=False)
            cum = sorted_logits.softmax(-1).cumsum(-1)
            remove = cum <= (1 - p)
            x = x.masked_fill(remove.scatter(0, sorted_idx, remove), float("-inf"))
        out.append({"name": name, "logits": tj(logits), "temperature": t, "top_k": k, "top_p": p, "probs": tj(x.softmax(-1))})
    return out


# ---------------------------------------------------------------- a 20-step training run of a tiny GPT
def training_run():
    torch.manual_seed(7)
    cfg = dict(dim=16, n_layers=2, n_heads=2, vocab_size=11, block_size=8)
    model = GPT(16, 2, 2, 11, 8)             # PyTorch's own initialization, float32
    init = sd_json(model)
    model = model.to(DT)
    g = np.random.default_rng(99)
    data = g.integers(0, 11, size=400)
    batches = []
    for _ in range(20):
        starts = g.integers(0, len(data) - 9, size=4)
        batches.append(([data[s:s + 8].tolist() for s in starts], [data[s + 1:s + 9].tolist() for s in starts]))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.95), weight_decay=0.1)
    losses, lrs = [], []
    for step, (xb, yb) in enumerate(batches):
        lr = 1e-2 * (step + 1) / 5 if step < 5 else 1e-3 + 0.5 * (1 + math.cos(math.pi * (step - 5) / 15)) * (1e-2 - 1e-3)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        logits = model(torch.tensor(xb))
        loss = F.cross_entropy(logits.view(-1, 11), torch.tensor(yb).view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        lrs.append(lr)
    return {"config": cfg, "init": init, "lr": {"max": 1e-2, "min": 1e-3, "warmup": 5, "total": 20},
            "betas": [0.9, 0.95], "weight_decay": 0.1, "clip": 1.0,
            "batches": [{"x": sum(xb, []), "y": sum(yb, [])} for xb, yb in batches], "losses": losses, "lrs": lrs}


# ---------------------------------------------------------------- safetensors written by the Python library
def safetensors_files():
    a = torch.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    b = torch.tensor(rng.standard_normal(5).astype(np.float32))
    save_file({"weight": a, "bias": b, "empty": torch.zeros(0)}, os.path.join(OUT, "torch_written.safetensors"),
              metadata={"format": "pt"})
    save_file({"half": a.half(), "brain": b.bfloat16()}, os.path.join(OUT, "torch_f16.safetensors"))
    # if the Swift unit tests have written a file, prove that the Python library reads our bytes
    ours = os.path.join(OUT, "picograd_written.safetensors")
    if os.path.exists(ours):
        back = load_file(ours)
        assert torch.equal(back["weight"], a) and torch.equal(back["bias"], b), "picograd_written.safetensors differs"
        print("safetensors (Python) reads picograd_written.safetensors: ok")
    return {"weight": tj(a), "bias": tj(b), "half": tj(a.half().float()), "brain": tj(b.bfloat16().float())}


def write(name, payload):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"generator": "scripts/reference/lego.py", "torch": torch.__version__, **payload}, f)
    print("wrote", name + ".json", os.path.getsize(os.path.join(OUT, name + ".json")), "bytes")


if __name__ == "__main__":
    write("layers", {"dtype": "float64", "cases": layer_cases()})
    write("optim", {"dtype": "float64", "cases": optimizer_cases(), "clip": clip_cases(), "schedule": schedule()})
    write("sampling", {"cases": sampling_cases()})
    write("train", {"dtype": "float64", **training_run()})
    write("safetensors", safetensors_files())
