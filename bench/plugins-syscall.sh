#!/usr/bin/env bash
# Cost of plugins on syscall events: `falco-scap replay` of a syscall capture with one rule,
# without plugins, with the thrinfo test plugin loaded but unused, with a rule reading its
# field thr.comm (one native extraction per evaluated event, each looking the event's thread
# up in the "threads" table, i.e. a synchronous call back into JS), and with its parser
# (parse_event on every event, also looking the thread up).
#   bench/plugins-syscall.sh [capture] [runs]
# Needs hyperfine and cc. Results: $dir/syscall.json (hyperfine) and a summary on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}/plugins-syscall
mkdir -p "$dir"
cap=${1:-/tmp/bench/bench-1m.scap}
runs=${2:-5}
[ -f "$root/native/plugin-host/build/Release/falco_scap_plugin_host.node" ] || node "$root/native/plugin-host/build.mjs" --strict
node "$root/node_modules/typescript/bin/tsc" -p "$root/tsconfig.json" || true
src=$root/test/plugins/c/thrinfo.c
cc -shared -fPIC -O2 -I "$root/native/plugin-host/src" -DNO_PARSE -o "$dir/libthrinfo-extract.so" "$src"
cc -shared -fPIC -O2 -I "$root/native/plugin-host/src" -o "$dir/libthrinfo.so" "$src"

rule() { printf -- '- rule: %s\n  desc: bench\n  condition: %s\n  output: "%s"\n  priority: WARNING\n' "$1" "$2" "$3"; }
rule builtin 'proc.name = no-such-process' 'proc %proc.name' > "$dir/rules-builtin.yaml"
rule plugin 'thr.comm = no-such-process' 'comm %thr.comm' > "$dir/rules-plugin.yaml"

cli="$root/bin/falco-scap replay --no-progress -o append_output[0].suggested_output=false"
# How many events the rule is evaluated on (the per-event cost is over these).
$cli -r "$dir/rules-builtin.yaml" --stats-json "$dir/stats.json" "$cap" >/dev/null 2>&1
evaluated=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).evaluated)' "$dir/stats.json")
events=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).events)' "$dir/stats.json")

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $events events, $evaluated evaluated"
hyperfine -N -w 1 -r "$runs" -i --export-json "$dir/syscall.json" \
  -n no-plugin "$cli -r $dir/rules-builtin.yaml $cap" \
  -n plugin-unused "$cli --plugin $dir/libthrinfo-extract.so -r $dir/rules-builtin.yaml $cap" \
  -n plugin-field "$cli --plugin $dir/libthrinfo-extract.so -r $dir/rules-plugin.yaml $cap" \
  -n plugin-parser "$cli --plugin $dir/libthrinfo.so -r $dir/rules-builtin.yaml $cap" >&2

node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
  const events = Number(process.argv[2]), evaluated = Number(process.argv[3]);
  const wall = Object.fromEntries(r.map((x) => [x.command, x.median]));
  const cpu = Object.fromEntries(r.map((x) => [x.command, x.user + x.system]));
  for (const x of r) console.log(`${x.command.padEnd(14)} wall median ${x.median.toFixed(3)} s  cpu ${cpu[x.command].toFixed(3)} s  (${(x.median / wall["no-plugin"]).toFixed(2)}x wall)`);
  const per = (m, a, b, n) => (((m[a] - m[b]) / n) * 1e9).toFixed(0);
  console.log(`loaded but unused: wall ${per(wall, "plugin-unused", "no-plugin", events)} ns/event, cpu ${per(cpu, "plugin-unused", "no-plugin", events)} ns/event`);
  console.log(`thr.comm per evaluated event (native call + table lookup): wall ${per(wall, "plugin-field", "plugin-unused", evaluated)} ns, cpu ${per(cpu, "plugin-field", "plugin-unused", evaluated)} ns`);
  console.log(`parse_event, per capture event (enter events are not parsed; native call + table lookup): wall ${per(wall, "plugin-parser", "plugin-unused", events)} ns, cpu ${per(cpu, "plugin-parser", "plugin-unused", events)} ns`);
' "$dir/syscall.json" "$events" "$evaluated"
