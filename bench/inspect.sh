#!/usr/bin/env bash
# Full replay with a filter that matches nothing: `falco-scap inspect BIG "proc.name=nonexistent"`
# against `sysdig -r BIG "proc.name=nonexistent"` (same work: every event read, parsed into
# thread/fd state and filtered), side by side with hyperfine, plus peak RSS (/usr/bin/time).
#   bench/make-captures.sh && bench/inspect.sh
# BENCH_DIR (default /tmp/falco-scap-bench), RUNS (default 5), CPU_PROFILE=1 to also write
# a V8 CPU profile of one falco-scap run to $BENCH_DIR/inspect-prof/. ROUNDS=N adds N
# interleaved rounds (falco-scap, sysdig, falco-scap, ...) timed with /usr/bin/time and
# their per-round ratios, which hold up better than hyperfine's blocks on a busy machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}
cli="$here/../bin/falco-scap" # the installed command (it starts Node without NODE_EXTRA_CA_CERTS)
runs=${RUNS:-5}
filter='proc.name=nonexistent'
for f in ${BENCH_FILES:-bench-5m.scap}; do
  [ -s "$dir/$f" ] || { echo "missing $dir/$f: run bench/make-captures.sh" >&2; exit 2; }
  echo "== $f"
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$dir/inspect-$f.json" \
    -n falco-scap "$cli inspect $dir/$f $filter" \
    -n sysdig "sysdig -r $dir/$f $filter" >/dev/null
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
    const [a, b] = r.map((x) => ({ user: x.user, wmin: x.min, wall: x.median }));
    const f = (v) => v.toFixed(3);
    console.log(`wall median: falco-scap ${f(a.wall)} s, sysdig ${f(b.wall)} s, ratio ${(a.wall / b.wall).toFixed(2)}`);
    console.log(`wall min:    falco-scap ${f(a.wmin)} s, sysdig ${f(b.wmin)} s, ratio ${(a.wmin / b.wmin).toFixed(2)}`);
    console.log(`user mean:   falco-scap ${f(a.user)} s, sysdig ${f(b.user)} s, ratio ${(a.user / b.user).toFixed(2)}`);
  ' "$dir/inspect-$f.json"
  if [ "${ROUNDS:-0}" -gt 0 ]; then
    rounds=$(mktemp)
    for _ in $(seq "$ROUNDS"); do
      a=$(/usr/bin/time -f '%e %U' $cli inspect "$dir/$f" "$filter" 2>&1 >/dev/null | tail -1)
      b=$(/usr/bin/time -f '%e %U' sysdig -r "$dir/$f" "$filter" 2>&1 >/dev/null | tail -1)
      echo "$a $b" >>"$rounds"
    done
    node -e '
      const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
      const med = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
      const f = (v) => v.toFixed(3);
      console.log(`${rows.length} interleaved rounds: wall median falco-scap ${f(med(rows.map((r) => r[0])))} s, sysdig ${f(med(rows.map((r) => r[2])))} s; ` +
        `per-round ratio median wall ${med(rows.map((r) => r[0] / r[2])).toFixed(2)}, user ${med(rows.map((r) => r[1] / r[3])).toFixed(2)}`);
    ' "$rounds"
    rm -f "$rounds"
  fi
  ours=$(/usr/bin/time -f %M $cli inspect "$dir/$f" "$filter" 2>&1 >/dev/null | tail -1)
  theirs=$(/usr/bin/time -f %M sysdig -r "$dir/$f" "$filter" 2>&1 >/dev/null | tail -1)
  echo "peak RSS: falco-scap $ours KB, sysdig $theirs KB"
  if [ "${CPU_PROFILE:-0}" = 1 ]; then
    mkdir -p "$dir/inspect-prof"
    node --cpu-prof --cpu-prof-dir="$dir/inspect-prof" "$here/../dist/cli/falco-scap.cjs" inspect "$dir/$f" "$filter"
    prof=$(ls -t "$dir"/inspect-prof/*.cpuprofile | head -1)
    echo "== top functions by self time ($prof)"
    node -e '
      const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const dt = new Map();
      for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
      const self = new Map();
      for (const n of p.nodes) {
        const cf = n.callFrame;
        const key = `${cf.functionName || "(anonymous)"} ${cf.url.replace(/^.*\/(dist|node_modules)\//, "$1/")}:${cf.lineNumber + 1}`;
        self.set(key, (self.get(key) ?? 0) + (dt.get(n.id) ?? 0));
      }
      const total = [...self.values()].reduce((a, b) => a + b, 0);
      for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
    ' "$prof"
  fi
done
