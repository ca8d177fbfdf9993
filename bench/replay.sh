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
cli="$here/../bin/falco-scap" # the installed command (it starts Node without NODE_EXTRA_CA_CERTS)
runs=${RUNS:-5}
# User CPU seconds of a command over $runs runs: "min median" (the min is the least
# disturbed by other load; the median is what a typical run costs).
usertimes() {
  local all=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%U" -o "$dir/.user" "$@" >/dev/null 2>&1
    all+=("$(tail -1 "$dir/.user")")
  done
  printf '%s\n' "${all[@]}" | sort -n | awk '{v[NR] = $1} END {print v[1], v[int((NR + 1) / 2)]}'
}
files=${FILES:-bench-1m.scap bench-5m.scap bench-5m.scap.gz}
echo "load: $(uptime)"
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
  # hyperfine only reports the mean user time: min and median from /usr/bin/time runs.
  read -r amin amed < <(usertimes $cli replay -r "$rules" "$dir/$f" --no-progress)
  read -r bmin bmed < <(usertimes sysdig -r "$dir/$f" proc.name=nonexistent)
  echo "user min (/usr/bin/time x$runs):    falco-scap $amin s, sysdig $bmin s, ratio $(node -e "console.log(($amin / $bmin).toFixed(2))")"
  echo "user median (/usr/bin/time x$runs): falco-scap $amed s, sysdig $bmed s, ratio $(node -e "console.log(($amed / $bmed).toFixed(2))")"
done
echo "== peak RSS"
for f in bench-1m.scap bench-5m.scap bench-5m.scap.gz; do
  [ -f "$dir/$f" ] || continue
  /usr/bin/time -f "$f: falco-scap %e s wall, %U s user, %M KB peak RSS" $cli replay -r "$rules" "$dir/$f" --no-progress 2>&1 >/dev/null | tail -1
  /usr/bin/time -f "$f: sysdig     %e s wall, %U s user, %M KB peak RSS" sysdig -r "$dir/$f" proc.name=nonexistent 2>&1 >/dev/null | tail -1
done
