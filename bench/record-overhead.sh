#!/usr/bin/env bash
# Overhead of `record` on a syscall-heavy command, against no tracing and strace.
#   bench/record-overhead.sh [N]      (root; needs the built addon and dist/)
# Workloads: dd with bs=1 (2 syscalls per byte) and tar of a source tree.
# Prints wall times and ratios to the untraced run (best of 3 each), and the floor: the
# same command under a bare counting probe on the same tracepoints (bench/count-probe,
# built here with clang and libbpf), with record's slowdown as a multiple of that floor.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500000}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
TREE=${TREE:-/usr/include}

now() { date +%s%N; }
best() { # best of 3 runs of "$@", in ms
  local b=""
  for _ in 1 2 3; do
    local s e
    s=$(now); "$@" >/dev/null 2>&1; e=$(now)
    local ms=$(( (e - s) / 1000000 ))
    if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
  done
  echo "$b"
}

DD=(dd if=/dev/zero of=/dev/null bs=1 count="$N")
TAR=(tar -cf /dev/null "$TREE")

# The counting probe: started in the background, timed commands run while it is attached.
PROBE_DIR=$(bench/count-probe/build.sh "$OUT")
under_probe() { # best of 3 of "$@" with the counting probe attached, in ms
  "$PROBE_DIR/count-probe" "$PROBE_DIR/count.bpf.o" > "$OUT/probe.out" &
  local pid=$!
  until grep -q attached "$OUT/probe.out" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "count probe failed to attach" >&2; exit 1; }
    sleep 0.1
  done
  best "$@"
  kill -INT "$pid"; wait "$pid" || true
}

run_set() {
  local name=$1; shift
  local base rec recgz strc probe
  base=$(best "$@")
  probe=$(under_probe "$@")
  rec=$(best node bench/record-cmd.mjs "$OUT/r.scap" -- "$@")
  recgz=$(best node bench/record-cmd.mjs "$OUT/r.scap.gz" --compress gzip -- "$@")
  if command -v strace >/dev/null; then strc=$(best strace -f -o /dev/null "$@"); else strc=NA; fi
  local line events drops
  line=$(node bench/record-cmd.mjs "$OUT/r.scap" -- "$@")
  events=$(echo "$line" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
  drops=$(echo "$line" | sed -n 's/.*"drops":\([0-9]*\).*/\1/p')
  local size
  size=$(stat -c %s "$OUT/r.scap")
  # record's fixed cost (node start, eBPF load, /proc snapshot) is measured with `true`
  # and taken off, so the ratios show the per-syscall overhead on the traced command.
  awk -v n="$name" -v b="$base" -v r="$rec" -v g="$recgz" -v f="$FIXED" -v s="$strc" -v p="$probe" -v ev="$events" -v dr="$drops" -v sz="$size" 'BEGIN {
    bb = (b ? b : 1); rr = r - f; gg = g - f; if (rr < 0) rr = 0; if (gg < 0) gg = 0
    pp = p / bb
    printf "%-24s untraced %6d ms | count probe %6d ms (x%.2f) | record %6d ms (x%.2f = %.2f x the probe'"'"'s slowdown) | record+gzip %6d ms (x%.2f) | strace -f %s ms (x%s) | %d events, %d drops, %.1f MB\n",
      n, b, p, pp, rr, rr / bb, (rr / bb) / (pp > 0 ? pp : 1), gg, gg / bb, s, (s == "NA" ? "NA" : sprintf("%.2f", s / bb)), ev, dr, sz / 1e6 }'
}

FIXED=$(best node bench/record-cmd.mjs "$OUT/t.scap" -- true)
echo "kernel $(uname -r), $(nproc) CPUs; record fixed cost (record -- true): ${FIXED} ms"
run_set "dd bs=1 count=$N" "${DD[@]}"
run_set "tar $TREE" "${TAR[@]}"
