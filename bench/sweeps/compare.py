#!/usr/bin/env python3
"""bench/results/sweeps.md from the two sweeps bench/sweeps.sh ran: successive halving (asha/) and the
same search to the end (full/). Usage: compare.py RESULTS_DIR SWEEPS_WORK_DIR (the trials' run directories)"""
import csv
import json
import re
import sys
from pathlib import Path

out = Path(sys.argv[1])
work = Path(sys.argv[2])


def board(name):
    with open(out / name / "leaderboard.csv", newline="") as f:
        return list(csv.DictReader(f))


def seconds(name):
    return int((out / name / "seconds.txt").read_text().strip())


def table(rows):
    keys = [k for k in rows[0] if k.startswith(("train.", "model."))]
    short = {k: k.split(".")[-1] for k in keys}
    head = ["rank", "trial", "status", "rung"] + [short[k] for k in keys] + ["best test acc.", "epochs", "seconds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        values = [r[k].replace("|", "/") if not k.endswith("stages") else width(r[k]) for k in keys]
        lines.append("| " + " | ".join([r["rank"], r["trial"], r["status"], r["rung"]] + values
                                       + [r["best_test_accuracy"], r["epochs"], r["seconds"]]) + " |")
    return "\n".join(lines)


def width(stages):
    """The conv stages' filters, e.g. 32/64."""
    return "/".join(re.findall(r"filters\W+(\d+)", stages)) or stages


def accuracies(sweep, trial):
    """Epoch -> test accuracy, as the trial's metrics.jsonl recorded them."""
    lines = (work / sweep / trial / "metrics.jsonl").read_text().splitlines()
    return {r["epoch"]: r["test_accuracy"] for r in map(json.loads, lines) if r["event"] == "epoch"}


def same_epochs():
    """How many of ASHA's trial epochs equal the same trial's epoch in the full search, of how many."""
    same = total = 0
    for r in board("asha"):
        full_run = accuracies("full", r["trial"])
        for epoch, accuracy in accuracies("asha", r["trial"]).items():
            total += 1
            same += accuracy == full_run[epoch]
    return same, total


asha, full = board("asha"), board("full")
same, total = same_epochs()
best_asha, best_full = asha[0], full[0]
used_asha = sum(int(r["epochs"]) for r in asha)
used_full = sum(int(r["epochs"]) for r in full)
gap = 100 * (float(best_full["best_test_accuracy"]) - float(best_asha["best_test_accuracy"]))
print(f"""# Sweeps: successive halving (ASHA) against the same search run to the end

`bench/sweeps.sh`, one sitting: the random search of `conf/sweep-fashion-mnist-asha.conf` (the main
job's net on Fashion-MNIST, 16 trials of learning rate, batch size, averaging frequency and width, up to
8 epochs on the first 20,000 training images, tested on all 10,000 test images, two trials at once in
Spark local mode), once with `scheduler = asha` (eta 3, rungs at epochs 1, 3, 8) and once with
`scheduler = none`. Same trials, seeds and data: a trial trains the same way in both (its learning-rate
schedule spans 8 epochs either way).

| search | best trial | its best test accuracy | epochs trained | of | share | wall seconds |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
| ASHA | {best_asha['trial']} | {best_asha['best_test_accuracy']} | {used_asha} | {used_full} | {100 * used_asha / used_full:.0f}% | {seconds('asha')} |
| to the end | {best_full['trial']} | {best_full['best_test_accuracy']} | {used_full} | {used_full} | 100% | {seconds('full')} |

ASHA's best is {gap:.2f} points of test accuracy below the full search's best, with {100 * used_asha / used_full:.0f}% of its
epochs and {100 * seconds('asha') / seconds('full'):.0f}% of its wall time. Of the {total} epochs ASHA's trials trained (paused at
rungs, continued from their checkpoints), {same} have exactly the test accuracy of the same trial's epoch
in the full search: a trial stopped early trained exactly as a full one began, and one promoted
continued exactly where it paused. Epochs are the measure of cost here; wall seconds also count each
job's start (Spark jobs, data, evaluation) and were taken on a shared 2-core machine.

## ASHA's leaderboard (bench/results/sweeps/asha/)

{table(asha)}

![ASHA: test accuracy per epoch, every trial](sweeps/asha/leaderboard.png)

## The full search's leaderboard (bench/results/sweeps/full/)

{table(full)}

![Full search: test accuracy per epoch, every trial](sweeps/full/leaderboard.png)
""")
