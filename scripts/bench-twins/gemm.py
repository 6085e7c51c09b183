#!/usr/bin/env python3
"""PyTorch twin of `picograd bench gemm`: fp32 matmul GFLOP/s at the same sizes, 2 threads."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import timed  # noqa: E402

torch.set_num_threads(2)


def main():
    sizes = [int(s) for s in sys.argv[1].split(",")] if len(sys.argv) > 1 else [256, 512, 1024, 2048]
    out = []
    for n in sizes:
        a, b = torch.rand(n, n), torch.rand(n, n)
        flops = 2.0 * n * n * n
        t = timed(lambda: a @ b, max(1, int(2e9 / flops)))
        out.append({"suite": "gemm", "name": f"gemm_{n}_gflops", "value": flops / t / 1e9, "unit": "GFLOP/s"})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
