#!/usr/bin/env python3
"""Prints ours vs theirs from two `bench --json` files measured in the same run."""
import json
import sys

ours = {r["name"]: r for r in json.load(open(sys.argv[1]))}
theirs = {r["name"]: r for r in json.load(open(sys.argv[2]))} if len(sys.argv) > 2 else {}
print(f"{'case':<22}{'ours':>12}{'torch':>12}  {'unit':<8}{'ours/torch':>11}  better")
for name, r in ours.items():
    t = theirs.get(name)
    lower_is_better = r["unit"].startswith("us") or r["unit"].startswith("ms") or r["unit"] == "s"
    ratio = f"{r['value'] / t['value']:.3f}" if t and t["value"] else "-"
    tv = f"{t['value']:.3f}" if t else "-"
    print(f"{name:<22}{r['value']:>12.3f}{tv:>12}  {r['unit']:<8}{ratio:>11}  {'lower' if lower_is_better else 'higher'}")
