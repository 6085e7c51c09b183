#!/usr/bin/env python3
"""PyTorch twin of `picograd bench gemm`: fp32 matmul GFLOP/s at the same sizes, 2 threads."""
import json
import sys
import time

import torch

torch.set_num_threads(2)


def timed(fn, inner, reps=7):
    fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return sorted(samples)[reps // 2]


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
