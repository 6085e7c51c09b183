#!/usr/bin/env python3
"""PyTorch twin of `picograd bench ops`: the same cases, the same units, JSON on stdout."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import timed  # noqa: E402

torch.set_num_threads(2)


def main():
    out = []
    a, b = torch.ones(64), torch.ones(64)
    out.append(("add_64_us", timed(lambda: a + b, 2000) * 1e6, "us/op"))
    n = 16 << 20
    x, y = torch.rand(n), torch.rand(n)
    out.append(("add_16M_gbs", 3 * 4 * n / timed(lambda: x + y, 2, 9) / 1e9, "GB/s"))
    out.append(("exp_16M_gbs", 2 * 4 * n / timed(lambda: x.exp(), 2, 9) / 1e9, "GB/s"))
    out.append(("sum_16M_gbs", 4 * n / timed(lambda: x.sum(), 2, 9) / 1e9, "GB/s"))
    m = torch.rand(4096, 4096)
    out.append(("sum_rows_16M_gbs", 4 * n / timed(lambda: m.sum(1), 2, 9) / 1e9, "GB/s"))
    print(json.dumps([{"suite": "ops", "name": k, "value": v, "unit": u} for k, v, u in out]))


if __name__ == "__main__":
    main()
