#!/usr/bin/env bash
# Framing and counting: `falco-scap info` against sysdig's full read with a filter that
# matches nothing, side by side in the same run (hyperfine), plus peak RSS (/usr/bin/time).
#   bench/make-captures.sh && bench/info.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}
cli="node $here/../dist/cli/main.js"
runs=${RUNS:-5}
for f in bench-5m.scap bench-5m.scap.gz; do
  echo "== $f"
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$dir/info-$f.json" \
    -n falco-scap "$cli info $dir/$f" \
    -n sysdig "sysdig -r $dir/$f proc.name=nonexistent"
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
    const [a, b] = r.map((x) => x.median);
    console.log(`median falco-scap ${a.toFixed(3)} s, sysdig ${b.toFixed(3)} s, ratio ${(a / b).toFixed(2)}`);
  ' "$dir/info-$f.json"
done
echo "== peak RSS (KB), 1M vs 5M events"
for f in bench-1m.scap bench-5m.scap bench-5m.scap.gz; do
  rss=$(/usr/bin/time -f %M $cli info "$dir/$f" 2>&1 >/dev/null | tail -1)
  echo "falco-scap info $f: $rss KB"
done
