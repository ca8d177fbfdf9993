#!/usr/bin/env bash
# Fixed start-up cost of `falco-scap replay` (tiny capture, official stable rules) as CPU
# time, for a shared machine: wall times there follow the other load, CPU times much less.
# Each run reports, at exit, the main thread's on-CPU time (/proc/self/task/<pid>/schedstat,
# what the start-up waits for), the whole process's CPU time (adds GC helper threads and
# V8's background compiler) and the wall time from process start to exit. Builds are run
# in alternation (round r runs every build once), so drift in the load hits all alike;
# medians and quartiles per build.
#   bench/replay-startup-cpu.sh                       this build only
#   OLD=/path/to/other/dist RUNS=40 bench/replay-startup-cpu.sh
# A dist of another checkout must sit in a tree with the same rules/ and node_modules/.
# NODE_EXTRA_CA_CERTS, when set, makes every Node start load those certificates first
# (tens of ms); unset it to measure falco-scap's own start-up.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}
mkdir -p "$dir"
rules=${RULES:-$here/../../shared/rules/falcosecurity/falco_rules.yaml}
capture=${CAPTURE:-$here/../samples/captures/ls-etc.scap.gz}
runs=${RUNS:-30}
builds=("$here/../dist")
if [ -n "${OLD:-}" ]; then builds+=("$OLD"); fi
preload=$dir/startup-cpu-preload.cjs
cat >"$preload" <<'EOF'
const fs = require('node:fs');
process.on('exit', () => {
  const onCpuNs = Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  const c = process.cpuUsage();
  fs.writeSync(2, `STARTUP-CPU ${(onCpuNs / 1e6).toFixed(2)} ${((c.user + c.system) / 1000).toFixed(2)} ${performance.now().toFixed(2)}\n`);
});
EOF
run() { node -r "$preload" "$1/cli/falco-scap.cjs" replay -r "$rules" "$capture" --no-progress 2>&1 >/dev/null | grep '^STARTUP-CPU' | cut -d' ' -f2-; }
# warm-up: each build's code cache is in place before the timed rounds
for b in "${builds[@]}"; do for _ in 1 2 3; do run "$b" >/dev/null; done; done
echo "load: $(uptime)"
for _ in $(seq "$runs"); do
  for i in "${!builds[@]}"; do echo "$i $(run "${builds[$i]}")"; done
done | node -e '
  const names = process.argv.slice(1);
  const by = names.map(() => [[], [], []]);
  for (const line of require("fs").readFileSync(0, "utf8").trim().split("\n")) {
    const [i, ...v] = line.split(" ").map(Number);
    v.forEach((x, k) => by[i][k].push(x));
  }
  const q = (a, f) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor((s.length - 1) * f)]; };
  const fmt = (a) => `${q(a, 0.5).toFixed(1)} (q25 ${q(a, 0.25).toFixed(1)}, q75 ${q(a, 0.75).toFixed(1)})`;
  by.forEach(([m, p, w], i) => {
    console.log(`${names[i]}: main thread ${fmt(m)} ms, process CPU ${fmt(p)} ms, wall to exit ${fmt(w)} ms, n=${m.length}`);
  });
  if (by.length === 2) {
    const r = (k) => (q(by[0][k], 0.5) / q(by[1][k], 0.5)).toFixed(3);
    console.log(`this / OLD (medians): main thread ${r(0)}, process CPU ${r(1)}, wall ${r(2)}`);
  }
' "this build" "OLD"
