#!/usr/bin/env bash
# Successive halving against the same search run to the end, in one sitting: the random search of
# conf/sweep-fashion-mnist-asha.conf with scheduler = asha, then with scheduler = none (the same 16
# trials, seeds and data). Leaderboards and logs: bench/results/sweeps/{asha,full}/; the comparison:
# bench/results/sweeps.md (bench/sweeps/compare.py).
#   bench/sweeps.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/results/sweeps"
work="${SWEEP_WORK:-$root/runs/bench-sweeps}"
mkdir -p "$out/asha" "$out/full" "$work"
for scheduler in asha none; do
  name=$([[ $scheduler == asha ]] && echo asha || echo full)
  conf="$work/$name.conf"
  sed -e "s|^  base = .*|  base = \"$root/conf/fashion-mnist-cnn.conf\"|" \
      -e "s|^  dir = .*|  dir = \"$work/$name\"|" \
      -e "s|^  scheduler = .*|  scheduler = $scheduler|" "$root/conf/sweep-fashion-mnist-asha.conf" > "$conf"
  echo "== $name ($conf)"
  start=$(date +%s)
  "$root/bin/sparkcnn" sweep --config "$conf" > "$out/$name/log.txt" 2>&1
  echo "$(( $(date +%s) - start ))" > "$out/$name/seconds.txt"
  cp "$work/$name"/leaderboard.{csv,html,png} "$out/$name/"
  [[ -f "$work/$name/asha.json" ]] && cp "$work/$name/asha.json" "$out/$name/"
  tail -20 "$out/$name/log.txt"
done
python3 "$root/bench/sweeps/compare.py" "$out" "$work" > "$root/bench/results/sweeps.md"
cat "$root/bench/results/sweeps.md"
