#!/usr/bin/env python3
"""A run's epochs as a markdown table, from its metrics.jsonl (resumes marked where they happened).

    python3 bench/accuracy/epochs_table.py bench/results/accuracy-densenet-bc-40/metrics.jsonl
"""
import json
import sys

print("| epoch | test accuracy | top-5 | test loss | train loss | learning rate (last round) | seconds | train img/s |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
rate = None
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "round":
        rate = e["learning_rate"]
    elif e["event"] == "resume":
        print(f"| resumed | {e.get('checkpoint', '')} | | | | | | |")
    elif e["event"] == "epoch":
        print(f"| {e['epoch']} | {e['test_accuracy'] * 100:.2f} | {e['test_top5_accuracy'] * 100:.2f} | "
              f"{e['test_loss']:.4f} | {e['train_loss']:.4f} | {rate:g} | {e['seconds']:.0f} | "
              f"{e['train_images_per_second']:.0f} |")
