#!/usr/bin/env bash
# Training steps of one DenseNet from several builds of sparkcnn and PyTorch, alternating, one process
# each (bench step), so that a shared machine's drift falls on every side alike; prints the medians.
#   bench/step-ab.sh MODEL BATCH ITERATIONS ROUNDS NAME=CHECKOUT[,VAR=VALUE...] [NAME=CHECKOUT ...]
# Each CHECKOUT is a clone built with `mvn -B install -DskipTests` (e.g. git clone . /tmp/a && git -C
# /tmp/a checkout REV); VAR=VALUE pairs after it are its environment (e.g. a=.,GOMP_SPINCOUNT=2000).
# PyTorch runs as bench dense-block runs it (tcmalloc preloaded where installed). Every process first
# runs WARMUP untimed steps (default 15: the JVM's kernels compiled, bench/results/warm-up.md).
set -euo pipefail
model=$1; batch=$2; iterations=$3; rounds=$4; shift 4
warmup=${WARMUP:-15}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4
results=$(mktemp)
for round in $(seq "$rounds"); do
  for spec in "$@" PyTorch; do
    name=${spec%%=*}
    if [[ $name == PyTorch ]]; then
      line=$(cd "$root" && GLIBC_TUNABLES= LD_PRELOAD=$([[ -f $tcmalloc ]] && echo $tcmalloc) /usr/bin/python3 \
        bench/peer/torch_bench.py --model "$model" --batch "$batch" --threads 2 --warmup "$warmup" --iters "$iterations" | tail -1)
    else
      checkout=${spec#*=}; settings=${checkout#"${checkout%%,*}"}
      line=$(cd "${checkout%%,*}" && env ${settings//,/ } bin/sparkcnn bench step --model "$model" --batch "$batch" --threads 2 --warmup "$warmup" \
        --iterations "$iterations" 2>/dev/null | tail -1)
    fi
    echo "round $round $name $line" | tee -a "$results"
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    _, _, name, result = line.split(" ", 3)
    runs.setdefault(name, []).append(json.loads(result)["train_seconds_per_batch"])
peer = statistics.median(runs["PyTorch"])
for name, seconds in runs.items():
    median = statistics.median(seconds)
    print(f"{name}: {' '.join(f'{s:.3f}' for s in seconds)} s/step, median {median:.3f}, {peer / median:.2f}x PyTorch")
PY
rm -f "$results"
