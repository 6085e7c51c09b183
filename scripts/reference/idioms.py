#!/usr/bin/env python3
"""Reference outputs for the PyTorch idioms of issue 26 (the ops, losses, optimizers and
initializers a PyTorch program ports with), computed by PyTorch.

The tensor programs use dfdx.py's case format (float32-exact inputs, float64 evaluation, the
gradients for a random upstream gradient); each has a Swift twin of the same name in
shared/Grading/IdiomsGrading.swift. An rng of its own, so no other reference file changes.
Writes Tests/Grading/Reference/dfdx/idioms.json and Tests/Grading/Reference/lego/idioms.json.

    /work/venv-torch/bin/python scripts/reference/idioms.py     # any python with torch and numpy
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import dfdx as ref  # noqa: E402  (its helpers: values, make_case, tensor_json)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Grading", "Reference")
DT = torch.float64
causal4 = torch.tril(torch.ones(4, 4, dtype=DT))

# name -> (program, [(shape, kind, requires_grad)]), as in dfdx.py
OPS = {
    "linspace": (lambda x: x * torch.linspace(-1.5, 2.0, 7, dtype=DT), [([7], "any", True)]),
    "linspace_even": (lambda x: x * torch.linspace(0.0, 1.0, 6, dtype=DT), [([6], "any", True)]),
    "split_size": (lambda x: torch.cat([p.exp() * (i + 1) for i, p in enumerate(x.split(2, dim=1))], 1), [([3, 5], "any", True)]),
    "split_sizes": (lambda x: torch.cat([p.sin() * (i + 1) for i, p in enumerate(x.split([1, 3], dim=0))], 0), [([4, 3], "any", True)]),
    "masked_fill": (lambda x, m: x.masked_fill(m != 0, -2.5), [([3, 4], "any", True), ([3, 4], "mask", False)]),
    "masked_fill_causal_softmax": (lambda x: torch.softmax(x.masked_fill(causal4 == 0, float("-inf")), -1), [([2, 4, 4], "any", True)]),
    "tril": (lambda x: x.tril().exp(), [([2, 3, 4], "any", True)]),
    "tril_diagonal": (lambda x: x.tril(diagonal=-1).sin(), [([4, 3], "any", True)]),
    "triu": (lambda x: x.triu().exp(), [([3, 4], "any", True)]),
    "triu_diagonal": (lambda x: x.triu(diagonal=2).sin(), [([2, 3, 5], "any", True)]),
    "T": (lambda x: x.T.exp() * torch.arange(12.0, dtype=DT).reshape(4, 3), [([3, 4], "any", True)]),
    "mT": (lambda x: x.mT.sin(), [([2, 3, 4], "any", True)]),
    "index_tensor": (lambda x: x[torch.tensor([[2, 0], [1, 2]])].exp(), [([3, 4], "any", True)]),
    "index_tensor_1d": (lambda x: x[torch.tensor([4, 0, 4, 1])].sin(), [([5], "any", True)]),
    "index_tensor_3d": (lambda x: x[torch.tensor([1, 1, 0])].exp(), [([2, 3, 2], "any", True)]),
    "cross_entropy_ids": (lambda x: F.cross_entropy(x, torch.tensor([1, 0, 4])), [([3, 5], "any", True)]),
    "cross_entropy_ids_ignore": (lambda x: F.cross_entropy(x, torch.tensor([1, -1, 4, 2]), ignore_index=-1), [([4, 5], "any", True)]),
    "scalars_int_double": (lambda x: (x + 1) * 2 - 3 / (x * x + 1) + 1e-3 * x - x / 4, [([2, 3], "any", True)]),
    "size_neg": (lambda x: x.reshape(x.size(-1), -1).exp(), [([2, 3], "any", True)]),
}

# lego: losses and Flatten as tensor programs
LEGO_OPS = {
    "mse_sum": (lambda a, b: F.mse_loss(a, b, reduction="sum"), [([3, 4], "any", True), ([3, 4], "any", False)]),
    "mse_none": (lambda a, b: F.mse_loss(a, b, reduction="none"), [([3, 4], "any", True), ([3, 4], "any", False)]),
    "mse_mean": (lambda a, b: F.mse_loss(a, b, reduction="mean"), [([3, 4], "any", True), ([3, 4], "any", True)]),
    "flatten_module": (lambda x: nn.Flatten()(x).exp(), [([2, 3, 2], "any", True)]),
}


def optimizer_case(name, make):
    """Three steps on loss = sum(sin(p * c)) + sum(p^2) / 2; the parameter after each step."""
    p = torch.tensor(ref.values([3, 4], "any"), dtype=DT, requires_grad=True)
    c = torch.tensor(ref.values([3, 4], "any"), dtype=DT)
    start = ref.tensor_json(p)
    opt = make([p])
    steps = []
    for _ in range(3):
        opt.zero_grad()
        ((p * c).sin().sum() + (p * p).sum() / 2).backward()
        opt.step()
        steps.append(ref.tensor_json(p))
    return {"name": name, "p": start, "c": ref.tensor_json(c), "steps": steps}


OPTIMIZERS = {
    "adam": lambda ps: torch.optim.Adam(ps, lr=0.05),
    "adam_weight_decay": lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=0.01),
    "rmsprop_momentum_centered": lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.05),
}

# initializers: torch's fans and the spread of its samples on a large tensor
INITS = {
    "xavier_uniform": lambda w: nn.init.xavier_uniform_(w, gain=1.5),
    "xavier_normal": lambda w: nn.init.xavier_normal_(w),
    "kaiming_uniform": lambda w: nn.init.kaiming_uniform_(w, a=0.0),
    "kaiming_normal": lambda w: nn.init.kaiming_normal_(w, a=0.1, mode="fan_out"),
    "normal": lambda w: nn.init.normal_(w, mean=0.5, std=0.02),
    "uniform": lambda w: nn.init.uniform_(w, a=-0.3, b=0.1),
}
INIT_SHAPE = [256, 32, 3, 3]


def init_case(name):
    torch.manual_seed(0)
    w = torch.empty(INIT_SHAPE, dtype=DT)
    INITS[name](w)
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(w)
    return {"name": name, "shape": INIT_SHAPE, "fan_in": fan_in, "fan_out": fan_out,
            "mean": float(w.mean()), "std": float(w.std()), "min": float(w.min()), "max": float(w.max())}


def multinomial_cases():
    """Draws that are certain whatever the random stream: one-hot rows, and k draws without
    replacement from rows with k nonzero weights (the set drawn; order is random)."""
    probs = [[0.0, 0.0, 3.0, 0.0], [0.0, 0.5, 0.0, 0.0], [0.2, 0.0, 0.0, 0.7]]
    one_hot = torch.multinomial(torch.tensor(probs[:2]), 5, replacement=True)
    no_repl = torch.multinomial(torch.tensor([probs[2]]), 2, replacement=False)
    return {"probs_one_hot": probs[:2], "one_hot": one_hot.tolist(),
            "probs_two": [probs[2]], "two_sorted": sorted(no_repl[0].tolist())}


def write(chapter, cases, **extra):
    path = os.path.join(ROOT, chapter, "idioms.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/reference/idioms.py", "torch": torch.__version__, "dtype": "float64",
                   "cases": cases, **extra}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(cases)} cases")


if __name__ == "__main__":
    ref.rng = np.random.default_rng(20261226)
    write("dfdx", [ref.make_case(n, OPS, []) for n in OPS], multinomial=multinomial_cases())
    ref.rng = np.random.default_rng(20261227)
    write("lego", [ref.make_case(n, LEGO_OPS, []) for n in LEGO_OPS],
          optimizers=[optimizer_case(n, m) for n, m in OPTIMIZERS.items()],
          inits=[init_case(n) for n in INITS])
