#!/usr/bin/env bash
# The allocator each side runs fastest with, as PyTorch's CPU tuning guide suggests trying:
# glibc as it comes, glibc told to keep freed memory (bin/sparkcnn's default), jemalloc and
# tcmalloc preloaded (Debian: libjemalloc2, libgoogle-perftools4). Both sides run under each
# setting in one sitting: `bench train` for the models given (default densenet-bc-40), sparkcnn
# then its PyTorch peer. Results: bench/results/allocators/SETTING/train.md and allocators.md.
#   bench/allocators.sh [MODEL,...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
models="${1:-densenet-bc-40}"
out="$root/bench/results/allocators"
lib=/usr/lib/x86_64-linux-gnu
declare -A settings=(
  [glibc]="GLIBC_TUNABLES="
  [glibc-keep]="GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736"
  [jemalloc]="GLIBC_TUNABLES= LD_PRELOAD=$lib/libjemalloc.so.2"
  [tcmalloc]="GLIBC_TUNABLES= LD_PRELOAD=$lib/libtcmalloc.so.4"
)
for name in glibc glibc-keep jemalloc tcmalloc; do
  echo "== $name: ${settings[$name]}"
  mkdir -p "$out/$name"
  # shellcheck disable=SC2086
  env ${settings[$name]} "$root/bin/sparkcnn" bench train --only "$models" --out "$out/$name" > "$out/$name/log.txt" 2>&1
  grep -E "^\| ($(echo "$models" | tr , '|')) \|" "$out/$name/train.md" | head -2
done
