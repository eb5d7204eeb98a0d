#!/usr/bin/env bash
# What train.allreduce.overlap costs in accuracy and saves in time, side by side in one sitting:
#   the main job (conf/fashion-mnist-cnn.conf, 5 epochs) with overlap off and on, and the same job
#   from an earlier build (BEFORE, a clone's root: "no slower than today"), and
#   DenseNet-BC-40 (conf/fashion-mnist-densenet-bc.conf) on the short schedule of short-schedule.sh
#   (2 workers averaging every 5, EPOCHS epochs on TRAIN images) with overlap off and on, per seed.
# Each run's epochs go to OUT/<run>.jsonl; OUT/summary.md has the final accuracies and speeds.
# ON_FREQUENCY: the runs with overlap average every ON_FREQUENCY minibatches (default: the config's;
# 2 is the recipe that pays overlap's late average back, bench/results/allreduce.md).
#   bench/accuracy/overlap.sh [OUT=bench/results/accuracy-overlap] [BEFORE=] [EPOCHS=4] [TRAIN=10000] [SEEDS="1 2"] [ON_FREQUENCY=]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${OUT:-$root/bench/results/accuracy-overlap}"
before="${BEFORE:-}"
epochs="${EPOCHS:-4}"
train="${TRAIN:-10000}"
seeds="${SEEDS:-1 2}"
on_frequency=()
if [ -n "${ON_FREQUENCY:-}" ]; then
  on_frequency=(--set train.averaging-frequency="$ON_FREQUENCY")
fi
mkdir -p "$out"
runs="$(mktemp -d)"
trap 'rm -rf "$runs"' EXIT

run() { # name bin/sparkcnn-root config [--set ...]
  local name="$1" home="$2" config="$3"
  shift 3
  echo "$name" >&2
  "$home/bin/sparkcnn" train --config "$home/conf/$config" --master "local[2]" --set run.dir="$runs/$name" "$@" \
    > "$out/$name.log" 2>&1
  grep '"event":"epoch"' "$runs/$name/metrics.jsonl" > "$out/$name.jsonl"
}

if [ -n "$before" ]; then
  run main-before "$before" fashion-mnist-cnn.conf
fi
run main-overlap-off "$root" fashion-mnist-cnn.conf --set train.allreduce.overlap=false
run main-overlap-on "$root" fashion-mnist-cnn.conf --set train.allreduce.overlap=true "${on_frequency[@]}"
for seed in $seeds; do
  for overlap in false true; do
    run "densenet-bc-seed$seed-overlap-$([ "$overlap" = true ] && echo on || echo off)" "$root" \
      fashion-mnist-densenet-bc.conf --set train.seed="$seed" --set train.epochs="$epochs" \
      --set data.train.limit="$train" --set train.checkpoint-every-rounds=0 --set train.allreduce.overlap="$overlap" \
      $([ "$overlap" = true ] && echo "${on_frequency[@]}")
  done
done

python3 - "$out" "$seeds" "$(git -C "$root" rev-parse --short HEAD)" <<'PY'
import glob, json, os, statistics, sys
out, seeds, commit = sys.argv[1], sys.argv[2].split(), sys.argv[3]
def final(name):
    epochs = [json.loads(l) for l in open(f"{out}/{name}.jsonl")]
    return epochs[-1]["test_accuracy"], statistics.median(e["train_images_per_second"] for e in epochs[1:] or epochs)
lines = [f"# train.allreduce.overlap: accuracy and speed (commit {commit})", "",
         "| run | final test accuracy | train img/s (median of epochs 2-) |", "| --- | ---: | ---: |"]
for name in ["main-before", "main-overlap-off", "main-overlap-on"] + [
        f"densenet-bc-seed{s}-overlap-{o}" for s in seeds for o in ("off", "on")]:
    if os.path.exists(f"{out}/{name}.jsonl"):
        acc, rate = final(name)
        lines.append(f"| {name} | {acc * 100:.2f} | {rate:.0f} |")
for o in ("off", "on"):
    accs = [final(f"densenet-bc-seed{s}-overlap-{o}")[0] for s in seeds]
    lines.append(f"\nDenseNet-BC-40, overlap {o}: mean final test accuracy {statistics.mean(accs) * 100:.2f}% over seeds {', '.join(seeds)}")
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
