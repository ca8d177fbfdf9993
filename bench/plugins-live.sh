#!/usr/bin/env bash
# Two live plugin sources read concurrently: `falco-scap replay -c` with jsonaudit and its
# -DSECOND build (source jsonaudit2), each reading N events and sleeping D ms in every
# next_batch (a source that waits for its input), against each source alone. Read in turn,
# both would take about the sum of the two alone; read concurrently (next_batch on worker
# threads), about the longer one plus the CPU work of the other.
#   bench/plugins-live.sh [events per source] [delay ms per batch] [runs]
# Needs hyperfine and cc. Results: $dir/live-*.json (hyperfine) and a summary on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}/plugins-live
mkdir -p "$dir"
n=${1:-200000}
delay=${2:-5}
runs=${3:-5}
[ -f "$root/native/plugin-host/build/Release/falco_scap_plugin_host.node" ] || node "$root/native/plugin-host/build.mjs" --strict
node "$root/node_modules/typescript/bin/tsc" -p "$root/tsconfig.json" || true
cc -shared -fPIC -O2 -I "$root/native/plugin-host/src" -o "$dir/libjsonaudit.so" "$root/test/plugins/c/jsonaudit.c"
cc -shared -fPIC -O2 -I "$root/native/plugin-host/src" -DSECOND -o "$dir/libjsonaudit2.so" "$root/test/plugins/c/jsonaudit.c"

log=$dir/audit-$n.jsonl
[ -f "$log" ] || node -e '
  const n = Number(process.argv[1]); const users = ["alice", "bob", "carol", "dave", "eve"];
  const out = []; for (let i = 0; i < n; i++) out.push(JSON.stringify({ user: users[i % 5], action: i % 7 ? "read" : "write", count: i }));
  require("fs").writeFileSync(process.argv[2], out.join("\n") + "\n");' "$n" "$log"

for s in jsonaudit jsonaudit2; do
  printf -- '- rule: writes %s\n  desc: bench\n  condition: jaudit.action = write and jaudit.user = nobody\n  output: "w %%jaudit.user"\n  priority: NOTICE\n  source: %s\n' "$s" "$s"
done > "$dir/rules.yaml"
entry() { printf '  - name: %s\n    library_path: %s\n    init_config:\n      delayMs: %s\n    open_params: %s\n' "$1" "$dir/lib$1.so" "$delay" "$log"; }
{ echo "rules_files: [$dir/rules.yaml]"; echo "plugins:"; entry jsonaudit; } > "$dir/one.yaml"
{ echo "rules_files: [$dir/rules.yaml]"; echo "plugins:"; entry jsonaudit2; } > "$dir/two.yaml"
{ echo "rules_files: [$dir/rules.yaml]"; echo "plugins:"; entry jsonaudit; entry jsonaudit2; } > "$dir/both.yaml"

cli="$root/bin/falco-scap replay --no-progress"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $n events per source, ${delay} ms sleep per 512-event batch"
hyperfine -N -w 1 -r "$runs" --export-json "$dir/live.json" \
  -n jsonaudit-alone "$cli -c $dir/one.yaml" \
  -n jsonaudit2-alone "$cli -c $dir/two.yaml" \
  -n both-concurrently "$cli -c $dir/both.yaml" >&2
node -e '
  const r = Object.fromEntries(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results.map((x) => [x.command, x]));
  for (const [k, x] of Object.entries(r)) console.log(`${k.padEnd(18)} wall median ${x.median.toFixed(3)} s  cpu ${(x.user + x.system).toFixed(3)} s`);
  const a = r["jsonaudit-alone"].median, b = r["jsonaudit2-alone"].median, both = r["both-concurrently"].median;
  console.log(`both / (sum of alone) = ${(both / (a + b)).toFixed(2)}  (1.0: read in turn; 0.5: fully overlapped)`);
' "$dir/live.json"
