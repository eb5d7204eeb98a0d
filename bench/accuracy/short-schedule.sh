#!/usr/bin/env bash
# The DenseNet-BC recipe (conf/fashion-mnist-densenet-bc.conf) on a short schedule, trained three ways
# with three seeds each, one after the other on this machine:
#   pytorch      bench/peer/torch_train.py: the same network, initialisation, data, augmentation,
#                optimizer and schedule in one PyTorch process (2 threads)
#   sparkcnn 1x2 one worker with 2 threads: the same algorithm as PyTorch's
#   sparkcnn 2x1 two workers averaging every 5 minibatches (batch 32 each, 64 in all): what
#                parameter averaging costs
# Each run's epochs go to OUT/<way>-seed<S>.jsonl; OUT/summary.md has the final test accuracies.
#   bench/accuracy/short-schedule.sh [OUT=bench/results/accuracy-short] [EPOCHS=4] [TRAIN=10000] [SEEDS="1 2 3"]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT:-$root/bench/results/accuracy-short}"
epochs="${EPOCHS:-4}"
train="${TRAIN:-10000}"
seeds="${SEEDS:-1 2 3}"
mkdir -p "$out"
runs="$(mktemp -d)"
trap 'rm -rf "$runs"' EXIT
tcmalloc="$(ls /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 2>/dev/null || true)"

sparkcnn() { # way seed workers batch-per-worker threads
  "$root/bin/sparkcnn" train --config "$root/conf/fashion-mnist-densenet-bc.conf" --master "local[2]" \
    --set run.dir="$runs/$1-$2" --set train.seed="$2" --set train.epochs="$epochs" \
    --set data.train.limit="$train" --set train.workers="$3" --set train.batch-size-per-worker="$4" \
    --set train.worker-threads="$5" --set train.checkpoint-every-rounds=0 > "$out/$1-seed$2.log" 2>&1
  grep '"event":"epoch"' "$runs/$1-$2/metrics.jsonl" > "$out/$1-seed$2.jsonl"
}

for seed in $seeds; do
  echo "seed $seed: pytorch" >&2
  (cd "$root/bench/peer" && LD_PRELOAD="$tcmalloc" /usr/bin/python3 torch_train.py --epochs "$epochs" \
    --train-limit "$train" --seed "$seed" --threads 2) > "$out/pytorch-seed$seed.jsonl"
  echo "seed $seed: sparkcnn 1 worker x 2 threads" >&2
  sparkcnn sparkcnn-1x2 "$seed" 1 64 2
  echo "seed $seed: sparkcnn 2 workers x 1 thread" >&2
  sparkcnn sparkcnn-2x1 "$seed" 2 32 1
done

python3 - "$out" "$seeds" "$epochs" "$train" "$(git -C "$root" rev-parse --short HEAD)" <<'PY'
import json, statistics, sys
out, seeds, epochs, train, commit = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4], sys.argv[5]
ways = [("pytorch", "PyTorch, one process x 2 threads"), ("sparkcnn-1x2", "sparkcnn, 1 worker x 2 threads"),
        ("sparkcnn-2x1", "sparkcnn, 2 workers x 1 thread, averaging every 5")]
rows, means = [], {}
for way, label in ways:
    final = []
    for s in seeds:
        epochs_seen = [json.loads(l) for l in open(f"{out}/{way}-seed{s}.jsonl")]
        final.append(epochs_seen[-1]["test_accuracy"])
    means[way] = statistics.mean(final)
    rows.append(f"| {label} | " + " | ".join(f"{a * 100:.2f}" for a in final)
                + f" | {means[way] * 100:.2f} |")
with open(f"{out}/summary.md", "w") as f:
    f.write(f"DenseNet-BC-40 (k = 12), Fashion-MNIST: the first {train} training images, {epochs} epochs, "
            f"all 10,000 test images; the recipe of conf/fashion-mnist-densenet-bc.conf (at commit {commit}).\n\n")
    f.write("| trained by | " + " | ".join(f"seed {s}" for s in seeds) + " | mean |\n")
    f.write("| --- | " + " | ".join("---:" for _ in seeds) + " | ---: |\n")
    f.write("\n".join(rows) + "\n\n")
    f.write(f"sparkcnn 1 x 2 minus PyTorch: {(means['sparkcnn-1x2'] - means['pytorch']) * 100:+.2f} points; "
            f"2 x 1 averaging minus 1 x 2: {(means['sparkcnn-2x1'] - means['sparkcnn-1x2']) * 100:+.2f} points\n")
print(open(f"{out}/summary.md").read())
PY
