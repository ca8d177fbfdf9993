#!/usr/bin/env bash
# Fixed start-up cost of `falco-scap replay` with the official stable rules: a tiny
# capture (all the time goes to module loading, rule loading and compiling) against bare
# `node -e 0`, same run (hyperfine). OLD=/path/to/other/dist adds that build for a
# before/after comparison. PROFILE=1 also writes a CPU profile (node --cpu-prof) to
# $dir/startup.cpuprofile and prints its top self times.
#   bench/replay-startup.sh     OLD=/tmp/old/dist RUNS=40 bench/replay-startup.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}
mkdir -p "$dir"
rules=${RULES:-$here/../../shared/rules/falcosecurity/falco_rules.yaml}
capture=${CAPTURE:-$here/../../shared/captures/falco-traces/cat_write.scap}
runs=${RUNS:-30}
args="replay -r $rules $capture --no-progress"
cmds=(-n falco-scap "$here/../bin/falco-scap $args")
if [ -n "${OLD:-}" ]; then old=$OLD/cli/falco-scap.cjs; [ -f "$old" ] || old=$OLD/cli/main.js; cmds+=(-n old "env -u NODE_EXTRA_CA_CERTS node $old $args"); fi
# Bare node as bin/falco-scap starts it (without NODE_EXTRA_CA_CERTS, whose certificate
# bundle Node would otherwise parse at start).
cmds+=(-n node "env -u NODE_EXTRA_CA_CERTS node -e 0")
hyperfine -N --warmup 3 --runs "$runs" --export-json "$dir/startup.json" "${cmds[@]}" >/dev/null
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
  const base = r[r.length - 1];
  for (const x of r) {
    const over = x === base ? "" : `  (+${((x.median - base.median) * 1000).toFixed(0)} ms over bare node)`;
    console.log(`${x.command.padEnd(10)} wall median ${(x.median * 1000).toFixed(0)} ms, min ${(x.min * 1000).toFixed(0)} ms, user mean ${(x.user * 1000).toFixed(0)} ms${over}`);
  }
' "$dir/startup.json"
if [ -n "${PROFILE:-}" ]; then
  (cd "$dir" && node --cpu-prof --cpu-prof-interval 100 --cpu-prof-name startup.cpuprofile "$here/../dist/cli/falco-scap.cjs" $args >/dev/null 2>&1)
  node -e '
    const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map();
    p.samples.forEach((s, i) => {
      const f = byId.get(s).callFrame;
      const k = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
      self.set(k, (self.get(k) ?? 0) + p.timeDeltas[i]);
    });
    for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
  ' "$dir/startup.cpuprofile"
fi
