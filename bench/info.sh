#!/usr/bin/env bash
# Framing and counting: `falco-scap info` against sysdig's full read with a filter that
# matches nothing, raw and gzip, in the same run. Prints for each input:
#   - hyperfine medians (wall) and their ratio, and the ratio of mean CPU time (user+sys);
#   - the median ratio over back-to-back pairs (/usr/bin/time, info then sysdig), which
#     holds up better than separate medians when the machine is shared;
#   - for gzip, the same with the inflating worker thread turned off
#     (FALCO_SCAP_GZIP_WORKER=0, i.e. zlib's stream on the main thread), as a before/after;
# then peak RSS (/usr/bin/time) for 1M and 5M events, raw and gzip, to show it is flat.
#   bench/make-captures.sh && bench/info.sh          (BENCH_DIR=/tmp/bench, RUNS=10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}
cli="$here/../bin/falco-scap" # the installed command (it starts Node without NODE_EXTRA_CA_CERTS)
runs=${RUNS:-10}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for f in bench-5m.scap bench-5m.scap.gz; do
  echo "== $f"
  gz=0
  case $f in *.gz) gz=1 ;; esac
  off=()
  [ $gz = 1 ] && off=(-n "falco-scap, worker off" "env FALCO_SCAP_GZIP_WORKER=0 $cli info $dir/$f")
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$dir/info-$f.json" \
    -n falco-scap "$cli info $dir/$f" \
    -n sysdig "sysdig -r $dir/$f proc.name=nonexistent" "${off[@]}" >/dev/null
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
    const [a, b, c] = r;
    const cpu = (x) => x.user + x.system;
    console.log(`hyperfine median wall: falco-scap ${a.median.toFixed(3)} s, sysdig ${b.median.toFixed(3)} s, ratio ${(a.median / b.median).toFixed(2)}`);
    console.log(`hyperfine mean cpu:    falco-scap ${cpu(a).toFixed(3)} s, sysdig ${cpu(b).toFixed(3)} s, ratio ${(cpu(a) / cpu(b)).toFixed(2)}`);
    if (c) console.log(`worker off:            ${c.median.toFixed(3)} s wall (ratio ${(c.median / b.median).toFixed(2)}), ${cpu(c).toFixed(3)} s cpu`);
  ' "$dir/info-$f.json"
  pairs=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e" -o "$dir/.t1" $cli info "$dir/$f" >/dev/null
    /usr/bin/time -f "%e" -o "$dir/.t2" sysdig -r "$dir/$f" proc.name=nonexistent >/dev/null
    p="$(tail -1 "$dir/.t1")/$(tail -1 "$dir/.t2")"
    if [ $gz = 1 ]; then
      FALCO_SCAP_GZIP_WORKER=0 /usr/bin/time -f "%e" -o "$dir/.t3" $cli info "$dir/$f" >/dev/null
      p="$p/$(tail -1 "$dir/.t3")"
    fi
    pairs+=("$p")
  done
  node -e '
    const p = process.argv.slice(1).map((s) => s.split("/").map(Number));
    const med = (v) => ((v = [...v].sort((x, y) => x - y)), v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
    const r = p.map(([a, b]) => a / b).sort((x, y) => x - y);
    console.log(`paired runs (wall s, info/sysdig${p[0].length > 2 ? "/worker off" : ""}): ${p.map((x) => x.join("/")).join(" ")}`);
    console.log(`paired median ratio ${med(r).toFixed(2)} (min ${r[0].toFixed(2)}, max ${r[r.length - 1].toFixed(2)})`);
    if (p[0].length > 2) {
      console.log(`paired median ratio, worker off / sysdig ${med(p.map(([, b, c]) => c / b)).toFixed(2)}; worker / worker off ${med(p.map(([a, , c]) => a / c)).toFixed(2)}`);
    }
  ' "${pairs[@]}"
done
echo "== peak RSS (KB) of falco-scap info, 1M vs 5M events"
[ -s "$dir/bench-1m.scap.gz" ] || gzip -1 -k -c "$dir/bench-1m.scap" > "$dir/bench-1m.scap.gz"
for f in bench-1m.scap bench-5m.scap bench-1m.scap.gz bench-5m.scap.gz; do
  rss=$(/usr/bin/time -f %M $cli info "$dir/$f" 2>&1 >/dev/null | tail -1)
  echo "$f: $rss KB"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
