#!/usr/bin/env bash
# Overhead of `record` on a syscall-heavy command, against no tracing, a bare counting
# probe on the same tracepoints, and strace.
#   bench/record-overhead.sh [N] [ROUNDS]      (root; needs the built addon and dist/)
# Workloads: dd with bs=1 (N reads + N writes of one byte) and tar of a directory tree
# ($TREE, default /usr/share) into /dev/zero (into /dev/null GNU tar skips reading the
# files; into a file the disk's writeback makes the times noisy).
# Each workload's own wall time is taken inside the traced command (so record's fixed
# cost: node start, eBPF load, /proc snapshot, is not in it). The modes run interleaved,
# ROUNDS times (default 5); the medians are printed with their ratios to the untraced
# run, and record's slowdown as a multiple of the counting probe's slowdown. strace runs
# once per workload (it is two orders of magnitude slower on dd; STRACE=0 skips it). "no redundant enter"
# is record --no-redundant-enter: no enter events for read, write and generic events,
# whose exit events carry the same parameters, as Falco's modern probe sends them. REF_ADDON=path/to/falco_scap_record.node adds a
# "reference" record run with that addon in each round (e.g. one built from an older
# commit), to compare two builds in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500000}
ROUNDS=${2:-5}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
TREE=${TREE:-/usr/share}

# timed FILE CMD...: runs CMD, appends its wall time in ms to FILE. CLOCK=cpu: the CPU
# time of CMD instead (perf stat task-clock: user + system time, where the probes' cost
# is charged), which other load on the machine disturbs far less than wall time.
if [ "${CLOCK:-wall}" = cpu ]; then
  TIMED=(bash -c 'perf stat -x, -e task-clock -o "$1.pstat" -- "${@:2}" >/dev/null 2>&1; awk -F, "/task-clock/ { printf \"%d\\n\", \$1 }" "$1.pstat" >> "$1"' timed)
else
  TIMED=(bash -c 's=$(date +%s%N); "${@:2}" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )) >> "$1"' timed)
fi

DD=(dd if=/dev/zero of=/dev/null bs=1 count="$N")
TAR=(tar -cf /dev/zero "$TREE")

PROBE_DIR=$(bench/count-probe/build.sh "$OUT")
probe_start() {
  "$PROBE_DIR/count-probe" "$PROBE_DIR/count.bpf.o" > "$OUT/probe.out" &
  PROBE_PID=$!
  until grep -q attached "$OUT/probe.out" 2>/dev/null; do
    kill -0 "$PROBE_PID" 2>/dev/null || { echo "count probe failed to attach" >&2; exit 1; }
    sleep 0.1
  done
}
probe_stop() { kill -INT "$PROBE_PID"; wait "$PROBE_PID" || true; }

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

run_set() {
  local name=$1 tag=$2; shift 2
  rm -f "$OUT/$tag".*
  # Every timed run follows an untimed, untraced run of the same command: some hosts
  # (this VM's memory manager among them) reclaim idle page cache within seconds, and a
  # tar that reads part of the tree from disk times the disk, not the tracing.
  for _ in $(seq "$ROUNDS"); do
    "$@" >/dev/null 2>&1; "${TIMED[@]}" "$OUT/$tag.base" "$@"
    "$@" >/dev/null 2>&1; probe_start; "${TIMED[@]}" "$OUT/$tag.probe" "$@"; probe_stop
    "$@" >/dev/null 2>&1; node bench/record-cmd.mjs "$OUT/r.scap" -- "${TIMED[@]}" "$OUT/$tag.rec" "$@" > "$OUT/$tag.line"
    "$@" >/dev/null 2>&1; node bench/record-cmd.mjs "$OUT/r.scap.gz" --compress gzip -- "${TIMED[@]}" "$OUT/$tag.gz" "$@" > /dev/null
    "$@" >/dev/null 2>&1; node bench/record-cmd.mjs "$OUT/x.scap" --no-redundant-enter -- "${TIMED[@]}" "$OUT/$tag.rwx" "$@" > "$OUT/$tag.xline"
    if [ -n "${REF_ADDON:-}" ]; then
      "$@" >/dev/null 2>&1; FALCO_SCAP_RECORD_ADDON=$REF_ADDON node bench/record-cmd.mjs "$OUT/ref.scap" -- "${TIMED[@]}" "$OUT/$tag.ref" "$@" > /dev/null
    fi
  done
  if [ "${STRACE:-1}" != 0 ] && command -v strace >/dev/null; then strace -f -o /dev/null "${TIMED[@]}" "$OUT/$tag.strace" "$@"; else echo 0 > "$OUT/$tag.strace"; fi
  local line events drops size xevents xdrops
  line=$(cat "$OUT/$tag.xline")
  xevents=$(echo "$line" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
  xdrops=$(echo "$line" | sed -n 's/.*"drops":\([0-9]*\).*/\1/p')
  line=$(cat "$OUT/$tag.line")
  events=$(echo "$line" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
  drops=$(echo "$line" | sed -n 's/.*"drops":\([0-9]*\).*/\1/p')
  size=$(stat -c %s "$OUT/r.scap")
  awk -v n="$name" -v b="$(median "$OUT/$tag.base")" -v p="$(median "$OUT/$tag.probe")" -v r="$(median "$OUT/$tag.rec")" \
    -v g="$(median "$OUT/$tag.gz")" -v s="$(cat "$OUT/$tag.strace")" -v ev="$events" -v dr="$drops" -v sz="$size" \
    -v x="$(median "$OUT/$tag.rwx")" -v xev="$xevents" -v xdr="$xdrops" \
    -v f="$( [ -n "${REF_ADDON:-}" ] && median "$OUT/$tag.ref")" \
    -v all="untraced $(tr '\n' ' ' < "$OUT/$tag.base")| probe $(tr '\n' ' ' < "$OUT/$tag.probe")| record $(tr '\n' ' ' < "$OUT/$tag.rec")| no redundant enter $(tr '\n' ' ' < "$OUT/$tag.rwx")$( [ -n "${REF_ADDON:-}" ] && echo "| reference $(tr '\n' ' ' < "$OUT/$tag.ref")")" 'BEGIN {
    bb = (b ? b : 1); pp = p / bb; rr = r / bb
    printf "%-24s untraced %6d ms | count probe %6d ms (x%.2f) | record %6d ms (x%.2f = %.2f x the probe'"'"'s slowdown) | record+gzip %6d ms (x%.2f) | strace -f %s ms (x%.2f) | %d events, %d drops, %.1f MB\n",
      n, b, p, pp, r, rr, rr / (pp > 0 ? pp : 1), g, g / bb, s, s / bb, ev, dr, sz / 1e6
    printf "%-24s   record --no-redundant-enter %6d ms (x%.2f = %.2f x the probe'"'"'s slowdown), %d events, %d drops\n", "", x, x / bb, (x / bb) / (pp > 0 ? pp : 1), xev, xdr
    if (f != "") printf "%-24s   reference addon %6d ms (x%.2f = %.2f x the probe'"'"'s slowdown)\n", "", f, f / bb, (f / bb) / (pp > 0 ? pp : 1)
    printf "%-24s   runs (ms): %s\n", "", all }'
}

echo "kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), medians of $ROUNDS interleaved rounds, ${CLOCK:-wall} time of the workload"
run_set "dd bs=1 count=$N" dd "${DD[@]}"
run_set "tar $TREE" tar "${TAR[@]}"
