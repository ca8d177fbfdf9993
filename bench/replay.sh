#!/usr/bin/env bash
# Rule replay speed: `falco-scap replay` with the official stable rules against sysdig's
# filtered read (a filter that matches nothing), same run (hyperfine), raw and gzip, as
# ratios of user CPU time (min and median over the runs: the machine may be shared); then
# peak RSS (/usr/bin/time) for 1M and 5M events to show it is flat in file size.
#   BENCH_DIR=/tmp/bench bench/replay.sh     (needs bench-1m.scap, bench-5m.scap, bench-5m.scap.gz)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}
rules=${RULES:-$here/../../shared/rules/falcosecurity/falco_rules.yaml}
cli="node $here/../dist/cli/main.js"
runs=${RUNS:-5}
minuser() {
  local best=
  for _ in $(seq "$runs"); do
    local u
    /usr/bin/time -f "%U" -o "$dir/.user" "$@" >/dev/null 2>&1
    u=$(tail -1 "$dir/.user")
    if [ -z "$best" ] || node -e "process.exit($u < $best ? 0 : 1)"; then best=$u; fi
  done
  echo "$best"
}
files=${FILES:-bench-1m.scap bench-5m.scap bench-5m.scap.gz}
for f in $files; do
  echo "== $f"
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$dir/replay-$f.json" \
    -n falco-scap "$cli replay -r $rules $dir/$f --no-progress" \
    -n sysdig "sysdig -r $dir/$f proc.name=nonexistent" >/dev/null
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
    const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
    const [a, b] = r.map((x) => ({ user: x.user, wmin: x.min, wall: x.median }));
    const f = (v) => v.toFixed(3);
    console.log(`user mean (hyperfine): falco-scap ${f(a.user)} s, sysdig ${f(b.user)} s, ratio ${(a.user / b.user).toFixed(2)}`);
    console.log(`wall min:              falco-scap ${f(a.wmin)} s, sysdig ${f(b.wmin)} s, ratio ${(a.wmin / b.wmin).toFixed(2)}`);
    console.log(`wall median:           falco-scap ${f(a.wall)} s, sysdig ${f(b.wall)} s, ratio ${(a.wall / b.wall).toFixed(2)}`);
  ' "$dir/replay-$f.json"
  # hyperfine only reports the mean user time; the min over runs is the least disturbed by other load.
  a=$(minuser $cli replay -r "$rules" "$dir/$f" --no-progress)
  b=$(minuser sysdig -r "$dir/$f" proc.name=nonexistent)
  echo "user min (/usr/bin/time x$runs): falco-scap $a s, sysdig $b s, ratio $(node -e "console.log(($a / $b).toFixed(2))")"
done
echo "== peak RSS"
for f in bench-1m.scap bench-5m.scap bench-5m.scap.gz; do
  [ -f "$dir/$f" ] || continue
  /usr/bin/time -f "$f: falco-scap %e s wall, %U s user, %M KB peak RSS" $cli replay -r "$rules" "$dir/$f" --no-progress 2>&1 >/dev/null | tail -1
  /usr/bin/time -f "$f: sysdig     %e s wall, %U s user, %M KB peak RSS" sysdig -r "$dir/$f" proc.name=nonexistent 2>&1 >/dev/null | tail -1
done
