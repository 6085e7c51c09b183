#!/usr/bin/env python3
"""Reference outputs for chapter 1 (dfdx), computed by PyTorch in float64.

Each case names a program that exists twice: here in PyTorch and in
shared/Grading/DfdxGrading.swift in picograd. Inputs are seeded random float32 values;
PyTorch evaluates the program in float64 on those exact values and records the output,
the gradient of every input for a random upstream gradient, and (for some cases) the
forward-mode JVP. Writes Tests/Grading/Reference/dfdx/*.json.

    scripts/bench --setup            # makes .venv with torch, or: pip install torch numpy
    .venv/bin/python scripts/reference/dfdx.py
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Grading", "Reference", "dfdx")
rng = np.random.default_rng(20261122)


def values(shape, kind):
    """float32-exact inputs: 'any' normal, 'pos' in [0.5, 2], 'unit' in [-1, 1]."""
    n = int(np.prod(shape)) if shape else 1
    if kind == "pos":
        v = rng.uniform(0.5, 2.0, n)
    elif kind == "unit":
        v = rng.uniform(-1.0, 1.0, n)
    elif kind == "mask":
        v = (rng.uniform(0, 1, n) < 0.5).astype(np.float64)
    else:
        v = rng.standard_normal(n)
    return v.astype(np.float32).astype(np.float64).reshape(shape)


def pad_torch(x, pads):
    """Our pad takes (before, after) per dim, first dim first; F.pad takes last dim first."""
    flat = []
    for before, after in reversed(pads):
        flat += [before, after]
    return F.pad(x, flat)


# name -> (program, [(shape, kind, requires_grad)]). The Swift twin of each lambda is in
# shared/Grading/DfdxGrading.swift under the same name.
P = {
    # unary primitives and the unary ops composed from them
    "neg": (lambda x: -x, [([3, 4], "any", True)]),
    "exp": (lambda x: x.exp(), [([3, 4], "any", True)]),
    "log": (lambda x: x.log(), [([3, 4], "pos", True)]),
    "sqrt": (lambda x: x.sqrt(), [([3, 4], "pos", True)]),
    "sin": (lambda x: x.sin(), [([3, 4], "any", True)]),
    "reciprocal": (lambda x: x.reciprocal(), [([3, 4], "pos", True)]),
    "cos": (lambda x: x.cos(), [([3, 4], "any", True)]),
    "tanh": (lambda x: x.tanh(), [([3, 4], "any", True)]),
    "sigmoid": (lambda x: x.sigmoid(), [([3, 4], "any", True)]),
    "relu": (lambda x: x.relu(), [([3, 4], "any", True)]),
    "abs": (lambda x: x.abs(), [([3, 4], "any", True)]),
    "pow2": (lambda x: x.pow(2), [([3, 4], "any", True)]),
    "pow3": (lambda x: x.pow(3), [([3, 4], "any", True)]),
    "pow_half": (lambda x: x.pow(0.5), [([3, 4], "pos", True)]),
    "silu": (lambda x: F.silu(x), [([3, 4], "any", True)]),
    # binary primitives and their composed relatives
    "add": (lambda a, b: a + b, [([3, 4], "any", True), ([3, 4], "any", True)]),
    "sub": (lambda a, b: a - b, [([3, 4], "any", True), ([3, 4], "any", True)]),
    "mul": (lambda a, b: a * b, [([3, 4], "any", True), ([3, 4], "any", True)]),
    "div": (lambda a, b: a / b, [([3, 4], "any", True), ([3, 4], "pos", True)]),
    "maximum": (lambda a, b: torch.maximum(a, b), [([3, 4], "any", True), ([3, 4], "any", True)]),
    "pow_tensor": (lambda a, b: a.pow(b), [([3, 4], "pos", True), ([3, 4], "unit", True)]),
    "where": (lambda c, a, b: torch.where(c != 0, a, b), [([3, 4], "mask", False), ([3, 4], "any", True), ([3, 4], "any", True)]),
    "mul_self": (lambda a: a * a * a, [([5], "any", True)]),
    # broadcasting
    "add_row": (lambda a, b: a + b, [([3, 4], "any", True), ([4], "any", True)]),
    "mul_col": (lambda a, b: a * b, [([3, 4], "any", True), ([3, 1], "any", True)]),
    "add_scalar_tensor": (lambda a, b: a + b, [([2, 3], "any", True), ([], "any", True)]),
    "sub_3d": (lambda a, b: a - b, [([2, 1, 4], "any", True), ([3, 1], "any", True)]),
    "div_outer": (lambda a, b: a / b, [([1, 4], "any", True), ([3, 1], "pos", True)]),
    "maximum_bcast": (lambda a, b: torch.maximum(a, b), [([2, 3], "any", True), ([3], "any", True)]),
    "where_bcast": (lambda c, a, b: torch.where(c != 0, a, b), [([3, 1], "mask", False), ([4], "any", True), ([], "any", True)]),
    "mul_float": (lambda x: x * 2.5, [([2, 3], "any", True)]),
    "rsub_float": (lambda x: 1 - x, [([2, 3], "any", True)]),
    "div_float": (lambda x: 3.0 / x, [([2, 3], "pos", True)]),
    # reductions
    "sum_all": (lambda x: x.sum(), [([3, 4], "any", True)]),
    "sum_dim0": (lambda x: x.sum(0), [([3, 4], "any", True)]),
    "sum_neg_keepdim": (lambda x: x.sum(-1, keepdim=True), [([2, 3, 4], "any", True)]),
    "sum_dims": (lambda x: x.sum((0, 2)), [([2, 3, 4], "any", True)]),
    "mean_all": (lambda x: x.mean(), [([3, 4], "any", True)]),
    "mean_dim": (lambda x: x.mean(1), [([2, 3, 4], "any", True)]),
    "max_all": (lambda x: x.max(), [([3, 4], "any", True)]),
    "max_dim": (lambda x: x.max(1).values, [([3, 4], "any", True)]),
    "max_dim_keepdim": (lambda x: x.max(0, keepdim=True).values, [([3, 4], "any", True)]),
    # movement (views) and copies
    "reshape": (lambda x: x.reshape(4, 3) * torch.arange(12.0, dtype=torch.float64).reshape(4, 3), [([3, 4], "any", True)]),
    "reshape_infer": (lambda x: x.reshape(-1, 2).exp(), [([3, 4], "any", True)]),
    "permute_3d": (lambda x: x.permute(2, 0, 1).sin(), [([2, 3, 4], "any", True)]),
    "transpose": (lambda x: x.transpose(0, 1) * torch.arange(12.0, dtype=torch.float64).reshape(4, 3), [([3, 4], "any", True)]),
    "expand": (lambda x: x.expand(2, 3, 4).sin(), [([3, 1], "any", True)]),
    "slice": (lambda x: x[:, 1:3].exp(), [([3, 4], "any", True)]),
    "subscript": (lambda x: x[1].exp(), [([3, 4], "any", True)]),
    "squeeze_unsqueeze": (lambda x: x.unsqueeze(0).squeeze(2).sin(), [([3, 1], "any", True)]),
    "cat": (lambda a, b: torch.cat([a, b], 1).sin(), [([2, 3], "any", True), ([2, 2], "any", True)]),
    "stack": (lambda a, b: torch.stack([a, b], 0).sin(), [([2, 3], "any", True), ([2, 3], "any", True)]),
    "pad": (lambda x: pad_torch(x, [(1, 0), (2, 1)]).sin(), [([2, 3], "any", True)]),
    "flatten": (lambda x: x.flatten(1).exp(), [([2, 3, 2], "any", True)]),
    # non-contiguous inputs into compute ops
    "exp_of_transpose": (lambda x: x.t().exp(), [([3, 4], "any", True)]),
    "mul_permuted_expanded": (lambda a, b: a.permute(1, 0) * b.expand(4, 3), [([3, 4], "any", True), ([1, 3], "any", True)]),
    "matmul_transposed": (lambda a, b: a.t() @ b.t(), [([4, 3], "any", True), ([5, 4], "any", True)]),
    "sum_of_sliced": (lambda x: x[1:, ::1][:, 2:].sum(0), [([4, 5], "any", True)]),
    "contiguous_of_permuted": (lambda x: x.permute(1, 0).contiguous().reshape(-1), [([3, 4], "any", True)]),
    # matmul with torch.matmul semantics
    "mm": (lambda a, b: a @ b, [([3, 4], "any", True), ([4, 5], "any", True)]),
    "mv": (lambda a, b: a @ b, [([3, 4], "any", True), ([4], "any", True)]),
    "vm": (lambda a, b: a @ b, [([4], "any", True), ([4, 5], "any", True)]),
    "dot": (lambda a, b: a @ b, [([4], "any", True), ([4], "any", True)]),
    "bmm": (lambda a, b: a @ b, [([2, 3, 4], "any", True), ([2, 4, 5], "any", True)]),
    "matmul_bcast": (lambda a, b: a @ b, [([2, 3, 4, 5], "any", True), ([5, 2], "any", True)]),
    "matmul_bcast_batch": (lambda a, b: a @ b, [([2, 1, 3, 4], "any", True), ([3, 4, 2], "any", True)]),
    # integer indexing
    "gather_dim1": (lambda x: torch.gather(x, 1, torch.tensor([[0, 2], [1, 1], [3, 0]])).exp(), [([3, 4], "any", True)]),
    "gather_dim0": (lambda x: torch.gather(x, 0, torch.tensor([[2, 0, 1, 2]])).exp(), [([3, 4], "any", True)]),
    "embedding": (lambda w: F.embedding(torch.tensor([[1, 3], [3, 0]]), w).sin(), [([4, 3], "any", True)]),
    # composed functions
    "softmax_dim1": (lambda x: torch.softmax(x, 1), [([3, 5], "any", True)]),
    "softmax_dim0": (lambda x: torch.softmax(x * 30, 0), [([3, 5], "any", True)]),
    "log_softmax": (lambda x: torch.log_softmax(x, -1), [([3, 5], "any", True)]),
    "logsumexp": (lambda x: torch.logsumexp(x * 50, 1), [([3, 5], "any", True)]),
    "cross_entropy": (lambda x: F.cross_entropy(x, torch.tensor([1, 0, 4])), [([3, 5], "any", True)]),
    "cross_entropy_ignore": (lambda x: F.cross_entropy(x, torch.tensor([1, -100, 4, 2]), ignore_index=-100), [([4, 5], "any", True)]),
    "layer_norm_manual": (lambda x: (x - x.mean(-1, keepdim=True)) / (x.var(-1, unbiased=False, keepdim=True) + 1e-5).sqrt(), [([3, 6], "any", True)]),
    "mlp": (lambda x, w1, b1, w2: ((x @ w1 + b1).tanh() @ w2).sum(), [([4, 3], "any", True), ([3, 5], "any", True), ([5], "any", True), ([5, 2], "any", True)]),
    "attention": (lambda q, k, v: torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(4), -1) @ v,
                  [([2, 3, 4], "any", True), ([2, 3, 4], "any", True), ([2, 3, 4], "any", True)]),
    "mse": (lambda a, b: ((a - b) ** 2).mean(), [([3, 4], "any", True), ([3, 4], "any", False)]),
    "rnn_step": (lambda h, x, wh, wx: (h @ wh + x @ wx).tanh().sum(1),
                 [([2, 3], "any", True), ([2, 4], "any", True), ([3, 3], "any", True), ([4, 3], "any", True)]),
}

# Cases also checked in forward mode (jvp with respect to the first input).
JVP = ["exp", "sin", "mul_self", "softmax_dim1", "logsumexp", "tanh", "matmul_transposed", "mlp",
       "gather_dim1", "max_dim", "attention", "pad"]

# Second derivatives: grad of (sum of grad of f), i.e. the Hessian applied to a vector of ones.
GRAD2 = {
    "grad2_cube": lambda x: (x * x * x).sum(),
    "grad2_sin_x": lambda x: (x.sin() * x).sum(),
    "grad2_softplus": lambda x: (1 + x.exp()).log().sum(),
    # not separable: the Hessian has off-diagonal entries, so H 1 mixes the partials
    "grad2_mixed": lambda x: x.sin().sum() * x.sum() + (x[:4] * x[1:]).exp().sum(),
}

# Scalar engine (Value) expressions: the Swift twin builds them from Values.
VALUE = {
    "value_expr": (lambda a, b: (a * b + a).tanh() * b - a / b, [2.0, -3.0]),
    "value_neuron": (lambda x, w, b: (x * w + b).relu() + (x * w - b).exp(), [0.5, -1.5, 0.25]),
    "value_pow": (lambda a, b: a.pow(3) / (b + a * a), [1.5, 0.75]),
}


# The seam (dtypes, index tensors, the dispatch point, custom ops): written to seam.json with an
# rng of its own, so adding these never changes the inputs of the cases above. In the Swift
# twins, ids are int32 tensors, custom_cube is a CustomOp with a hand-written VJP and JVP, and
# trace_replay records the program through the dispatch point and replays the recorded primitives.
def _trace_program(x, w, b):
    h = torch.softmax(x @ w + b, dim=-1) * 3 + torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    return torch.where(h > 1.5, h, torch.zeros((), dtype=torch.float64))


SEAM = {
    "embedding_ids": (lambda w: F.embedding(torch.tensor([[4, 0, 4], [2, 4, 1]]), w).sin(), [([5, 3], "any", True)]),
    "gather_index_tensor": (lambda x: torch.gather(x, 1, torch.tensor([[0, 3], [2, 2], [1, 0]])).exp(), [([3, 4], "any", True)]),
    "custom_cube": (lambda x: x * x * x, [([3, 4], "any", True)]),
    "custom_sincos": (lambda x: torch.sin(x) * 2 + torch.cos(x) * 3, [([3, 4], "any", True)]),
    "trace_replay": (_trace_program, [([2, 3], "any", True), ([3, 4], "any", True), ([4], "any", True)]),
}
SEAM_JVP = ["embedding_ids", "custom_cube", "trace_replay"]


# Weights in GGML's block formats (dfdx's DType.q8_0/.q4_0/.q4_1): random blocks, their bytes,
# and the values they stand for, de-quantized here by the formulas of Quantization.swift.
def quantized_blocks(fmt, rows, k):
    raw, vals = bytearray(), np.zeros((rows, k))
    for r in range(rows):
        for b in range(k // 32):
            d = np.float16(rng.uniform(0.01, 0.1))
            if fmt == "q8_0":
                q = rng.integers(-128, 128, 32).astype(np.int8)
                raw += d.tobytes() + q.tobytes()
                v = float(d) * q.astype(np.float64)
            else:
                q = rng.integers(0, 16, 32)
                packed = (q[:16] | (q[16:] << 4)).astype(np.uint8)   # byte j: value j low, j + 16 high
                if fmt == "q4_1":
                    m = np.float16(rng.uniform(-0.5, 0.5))
                    raw += d.tobytes() + m.tobytes() + packed.tobytes()
                    v = float(d) * q + float(m)
                else:
                    raw += d.tobytes() + packed.tobytes()
                    v = float(d) * (q - 8)
            vals[r, b * 32:(b + 1) * 32] = v
    return list(raw), torch.tensor(vals, dtype=torch.float64)


def quantized_case(fmt):
    raw, w = quantized_blocks(fmt, 6, 64)
    x = torch.tensor(values([3, 64], "any"), dtype=torch.float64, requires_grad=True)
    out = x @ w.T
    upstream = torch.tensor(values([3, 6], "any"), dtype=torch.float64)
    out.backward(upstream)
    ids = [4, 0, 5, 4]
    return {"name": "linear_" + fmt, "format": fmt, "shape": [6, 64], "bytes": raw, "x": tensor_json(x),
            "output": tensor_json(out), "upstream": tensor_json(upstream), "grad_x": tensor_json(x.grad),
            "ids": ids, "rows": tensor_json(w[ids]), "dequantized": tensor_json(w)}


# Numerically safe ops at extreme inputs: values and gradients must be finite and match torch.
EXTREME = [-1e4, -100.0, -50.0, 0.0, 50.0, 100.0, 1e4]
NUMERICS = {
    "sigmoid_extreme": lambda x: torch.sigmoid(x),
    "tanh_extreme": lambda x: torch.tanh(x),
    "silu_extreme": lambda x: F.silu(x),
    "softplus_extreme": lambda x: F.softplus(x),
    "erf_extreme": lambda x: torch.erf(x),
    "gelu_extreme": lambda x: F.gelu(x),
    "gelu_tanh_extreme": lambda x: F.gelu(x, approximate="tanh"),
}


def numerics_case(name):
    x = torch.tensor(EXTREME, dtype=torch.float64, requires_grad=True)
    out = NUMERICS[name](x)
    upstream = torch.ones_like(out)
    out.backward(upstream)
    return {"name": name, "inputs": [dict(tensor_json(x), requires_grad=True)], "output": tensor_json(out),
            "upstream": tensor_json(upstream), "grads": [tensor_json(x.grad)]}


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def make_case(name, programs=P, jvps=JVP):
    fn, specs = programs[name]
    leaves = [torch.tensor(values(shape, kind), dtype=torch.float64, requires_grad=rg) for shape, kind, rg in specs]
    out = fn(*leaves)
    case = {
        "name": name,
        "inputs": [dict(tensor_json(t), requires_grad=rg) for t, (_, _, rg) in zip(leaves, specs)],
        "output": tensor_json(out),
    }
    if out.requires_grad:
        upstream = torch.tensor(values(list(out.shape), "any"), dtype=torch.float64)
        out.backward(upstream)
        case["upstream"] = tensor_json(upstream)
        case["grads"] = [tensor_json(t.grad) if t.grad is not None else None for t in leaves]
    if name in jvps:
        tangent = torch.tensor(values(specs[0][0], "any"), dtype=torch.float64)
        rest = [t.detach() for t in leaves[1:]]
        _, jvp_out = torch.func.jvp(lambda x: fn(x, *rest), (leaves[0].detach(),), (tangent,))
        case["jvp"] = {"tangent": tensor_json(tangent), "output": tensor_json(jvp_out)}
    return case


def grad2_case(name):
    x = torch.tensor(values([5], "unit"), dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(GRAD2[name](x), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    return {"name": name, "inputs": [dict(tensor_json(x), requires_grad=True)], "output": tensor_json(h)}


def value_case(name):
    fn, xs = VALUE[name]
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in xs]
    out = fn(*leaves)
    out.backward()
    return {"name": name, "inputs": xs, "output": float(out), "grads": [float(t.grad) for t in leaves]}


# The first steps of the chapter's order (Tests/Grading/Reference/dfdx/order.txt): small
# programs that need only the ids before them. Forward-only programs (no input requires
# grad) need nothing but the strided walk (dfdx.4); backprop_views needs the walk and the
# autodiff core (dfdx.1, dfdx.2) and no primitive VJP of an exercise (reshape, pad and
# their VJPs are given code). Their own random stream, so ops.json stays as it is.
STEPS = {
    "walk_slice_exp": (lambda x: x[:, 1:4].exp(), [([3, 5], "any", False)]),
    "walk_expand_mul": (lambda a, b: a.expand(3, 4) * b, [([3, 1], "any", False), ([3, 4], "any", False)]),
    "walk_sum_sliced": (lambda x: x[:, :, 1:3].sum(1), [([2, 3, 4], "any", False)]),
    "walk_contiguous_block": (lambda x: x[1:3, 2:5].contiguous(), [([4, 5], "any", False)]),
    "backprop_views": (lambda x: pad_torch(x.reshape(3, 2), [(1, 0), (0, 2)]).reshape(-1), [([2, 3], "any", True)]),
}

# broadcastShapes(a, b) against torch.broadcast_shapes (None where torch raises).
BROADCAST = [([2, 1, 3], [4, 1]), ([3, 4], [4]), ([], [2, 3]), ([5, 1, 4], [1, 3, 1]), ([3], [4]),
             ([2, 3], [3, 2]), ([1], [0]), ([3, 1, 1], [1, 1, 2, 1]), ([2, 3], [2, 3]), ([4, 1], [2, 1, 3, 5])]


def broadcast_case(a, b):
    try:
        shape = list(torch.broadcast_shapes(tuple(a), tuple(b)))
    except RuntimeError:
        shape = None
    return {"a": a, "b": b, "shape": shape}


def write(group, cases, **extra):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, group + ".json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/reference/dfdx.py", "torch": torch.__version__, "dtype": "float64",
                   "cases": cases, **extra}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(cases)} cases")


if __name__ == "__main__":
    write("ops", [make_case(n) for n in P])
    write("grad2", [grad2_case(n) for n in GRAD2])
    write("value", [value_case(n) for n in VALUE])
    rng = np.random.default_rng(20261201)
    write("steps", [make_case(n, STEPS) for n in STEPS], broadcast=[broadcast_case(a, b) for a, b in BROADCAST])
    rng = np.random.default_rng(20261201)
    write("seam", [make_case(n, SEAM, SEAM_JVP) for n in SEAM])
    write("numerics", [numerics_case(n) for n in NUMERICS])
    rng = np.random.default_rng(20261202)
    write("quantized", [quantized_case(f) for f in ("q8_0", "q4_0", "q4_1")])
