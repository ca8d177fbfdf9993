#!/usr/bin/env bash
# Builds the benchmark captures from a real one with ../shared/bench/scap-amplify.py:
#   $BENCH_DIR/bench-1m.scap, bench-5m.scap (raw) and bench-5m.scap.gz (gzip -1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../.." && pwd)/shared
dir=${BENCH_DIR:-/tmp/falco-scap-bench}
src=${BENCH_SOURCE:-$shared/captures/falco-traces/run_as_user_0_container.scap}
mkdir -p "$dir"
[ -f "$shared/bench/scap-amplify.py" ] || { echo "needs ../shared/bench/scap-amplify.py" >&2; exit 2; }
for n in 1 5; do
  out="$dir/bench-${n}m.scap"
  [ -s "$out" ] || python3 "$shared/bench/scap-amplify.py" "$src" -o "$out" --events "${n}000000"
done
[ -s "$dir/bench-5m.scap.gz" ] || gzip -1 -k -c "$dir/bench-5m.scap" > "$dir/bench-5m.scap.gz"
ls -l "$dir"
