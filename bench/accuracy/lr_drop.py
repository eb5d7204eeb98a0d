#!/usr/bin/env python3
"""The round losses around a run's first learning-rate drop, from its metrics.jsonl.

Prints the five rounds before the drop and the five after, their means, and after minus before (issue 35's
measure of what a drop does to the loss: PyTorch's SGD lowers it; DL4J's own Nesterov raised it by 0.48).

    python3 bench/accuracy/lr_drop.py runs/my-run/metrics.jsonl
"""
import json
import sys

rounds = [json.loads(line) for line in open(sys.argv[1]) if '"event":"round"' in line]
rates = [r["learning_rate"] for r in rounds]
drop = next(i for i in range(1, len(rates)) if rates[i] < rates[i - 1])
before = [r["loss"] for r in rounds[drop - 5:drop]]
after = [r["loss"] for r in rounds[drop:drop + 5]]
print(f"drop before round {drop + 1} (epoch {rounds[drop]['epoch']}): lr {rates[drop - 1]:g} -> {rates[drop]:g}")
print("before", " ".join(f"{x:.3f}" for x in before), f"mean {sum(before) / 5:.3f}")
print("after ", " ".join(f"{x:.3f}" for x in after), f"mean {sum(after) / 5:.3f}")
print(f"after - before: {sum(after) / 5 - sum(before) / 5:+.3f}")
