#!/usr/bin/env bash
# Replay throughput of a plugin event source: N events of the jsonaudit test plugin through
# `falco-scap replay` with 10 rules of its source, read live (--open-params) and from a
# capture of the same events; and the cost per extracted field, from 10 rules that use 10
# distinct plugin fields against 10 rules that use 1 (and 0: no extraction at all).
#   bench/plugins-replay.sh [events] [runs]
# Needs hyperfine and cc. Results: $dir/replay-*.json (hyperfine) and a summary on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}/plugins
mkdir -p "$dir"
n=${1:-1000000}
runs=${2:-5}
[ -f "$root/native/plugin-host/build/Release/falco_scap_plugin_host.node" ] || node "$root/native/plugin-host/build.mjs" --strict
node "$root/node_modules/typescript/bin/tsc" -p "$root/tsconfig.json" || true
lib=$dir/libjsonaudit.so
cc -shared -fPIC -O2 -I "$root/native/plugin-host/src" -o "$lib" "$root/test/plugins/c/jsonaudit.c"

# The same records as bench/plugins.sh (generated once).
log=$dir/audit-$n.jsonl
if [ ! -f "$log" ]; then
  node -e '
    const n = Number(process.argv[1]); const fs = require("fs");
    const users = ["alice", "bob", "carol", "dave", "eve"], actions = ["login", "logout", "read", "write", "fail"];
    const fd = fs.openSync(process.argv[2], "w"); let buf = [];
    for (let i = 0; i < n; i++) {
      buf.push(JSON.stringify({ user: users[i % 5], action: actions[(i * 7) % 5], count: i, tags: ["a", `t${i % 9}`], ip: `10.0.${(i >> 8) & 255}.${i & 255}`, host: `h${i % 100}` }));
      if (buf.length === 10000) { fs.writeSync(fd, buf.join("\n") + "\n"); buf = []; }
    }
    if (buf.length) fs.writeSync(fd, buf.join("\n") + "\n");
    fs.closeSync(fd);' "$n" "$log"
fi
cap=$dir/audit-$n.scap
[ -f "$cap" ] || node "$here/plugins-capture.mjs" "$lib" "$log" "$cap"

rule() { printf -- '- rule: %s\n  desc: bench\n  condition: %s\n  output: "%s"\n  priority: WARNING\n  source: jsonaudit\n' "$1" "$2" "$3"; }
{
  rule r1 'jaudit.user = mallory' 'user %jaudit.user'
  rule r2 'jaudit.action = delete' 'action %jaudit.action'
  rule r3 'jaudit.count > 999999999' 'count %jaudit.count'
  rule r4 'jaudit.tags intersects (zzz, yyy)' 'tags %jaudit.tags'
  rule r5 'jaudit.tag[1] = t99' 'tag %jaudit.tag[1]'
  rule r6 'jaudit.field[host] = h1000' 'host %jaudit.field[host]'
  rule r7 'jaudit.ip = 192.168.0.1' 'ip %jaudit.ip'
  rule r8 'jaudit.failed = true and jaudit.lineno < 1000' 'failed line %jaudit.lineno by %jaudit.user'
  rule r9 'jaudit.lineno = 0' 'line %jaudit.lineno'
  rule r10 'jaudit.field[user] = root' 'root %jaudit.field[user]'
} > "$dir/rules-10fields.yaml"
{ for i in 0 1 2 3 4 5 6 7 8 9; do rule "u$i" "jaudit.user = nobody$i" "u %jaudit.user"; done; } > "$dir/rules-1field.yaml"
{ for i in 0 1 2 3 4 5 6 7 8 9; do rule "e$i" "evt.num > 4000000000$i" "n %evt.num"; done; } > "$dir/rules-0fields.yaml"

cli="$root/bin/falco-scap replay --no-progress --plugin $lib -o append_output[0].suggested_output=false"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
hyperfine -N -w 1 -r "$runs" --export-json "$dir/replay-fields.json" \
  -n live-10fields "$cli -r $dir/rules-10fields.yaml --open-params $log" \
  -n live-1field "$cli -r $dir/rules-1field.yaml --open-params $log" \
  -n live-0fields "$cli -r $dir/rules-0fields.yaml --open-params $log" \
  -n capture-10fields "$cli -r $dir/rules-10fields.yaml $cap" \
  -n capture-0fields "$cli -r $dir/rules-0fields.yaml $cap" >&2

node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
  const n = Number(process.argv[2]);
  // Wall time (median) and CPU time (user + system, mean): on a loaded machine the CPU time
  // is the steadier measure of the work done (extraction runs on the main thread).
  const wall = Object.fromEntries(r.map((x) => [x.command, x.median]));
  const cpu = Object.fromEntries(r.map((x) => [x.command, x.user + x.system]));
  for (const x of r) {
    const c = cpu[x.command];
    console.log(`${x.command.padEnd(18)} wall median ${x.median.toFixed(3)} s (${Math.round(n / x.median)} events/s)  cpu ${c.toFixed(3)} s (${Math.round(n / c)} events/s)`);
  }
  const per = (m, a, b, k) => (((m[a] - m[b]) / (n * k)) * 1e9).toFixed(0);
  console.log(`cost per extracted field, 10 vs 1 field (same 10 rules): wall ${per(wall, "live-10fields", "live-1field", 9)} ns, cpu ${per(cpu, "live-10fields", "live-1field", 9)} ns`);
  console.log(`cost per extracted field, 10 vs 0 fields (incl. the per-batch native call): wall ${per(wall, "live-10fields", "live-0fields", 10)} ns, cpu ${per(cpu, "live-10fields", "live-0fields", 10)} ns`);
' "$dir/replay-fields.json" "$n"
