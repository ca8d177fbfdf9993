#!/usr/bin/env bash
# `falco-scap test` parallelism: a suite of many small cases, --jobs 1 against --jobs 2.
#   bench/test-jobs.sh [CASES]      (default 208; needs dist/ built, hyperfine)
# The suite cycles through every capture of ../shared/captures (with Falco's
# falco_rules.yaml) and of samples/captures (with our default rules), one capture per
# case, so two rulesets are in play, as in a real spec directory. It is timed at CASES and
# at a quarter of that: the difference between the two sizes is the per-case work, without
# start-up (node, worker threads, engine import, compiling each ruleset once per worker,
# JIT warm-up), which no number of workers can shorten.
# Env: CAPTURES (dir searched for *.scap, default ../shared/captures), RULES (their rules
# file, default ../shared/rules/falcosecurity/falco_rules.yaml), RUNS (default 5),
# CLI (default "node dist/cli/falco-scap.cjs"), RAW=1 (replay decompressed copies of the captures).
# Most of these captures are gzip files: their inflate runs on libuv's thread pool, so even
# --jobs 1 keeps more than one core busy and --jobs 2 cannot reach 2x on two cores. RAW=1
# shows the speed-up when the work is all in the worker threads.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cases=${1:-208}
small=$(( cases / 4 > 0 ? cases / 4 : 1 ))
captures_dir=${CAPTURES:-$root/../shared/captures}
rules=${RULES:-$root/../shared/rules/falcosecurity/falco_rules.yaml}
runs=${RUNS:-5}
cli=${CLI:-node $root/dist/cli/falco-scap.cjs}

[ -f dist/testing/engine.js ] || { echo "dist/testing/engine.js missing: build first (npm run build)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 2; }
caps=() capRules=()
if [ -d "$captures_dir" ] && [ -f "$rules" ]; then
  while IFS= read -r c; do caps+=("$c"); capRules+=("$rules"); done < <(find "$captures_dir" -name '*.scap' -size +1k | sort)
fi
while IFS= read -r c; do caps+=("$c"); capRules+=("$root/rules/falco-scap_rules.yaml"); done < <(find "$root/samples/captures" -name '*.scap*' | sort)
[ "${#caps[@]}" -gt 0 ] || { echo "no captures found" >&2; exit 2; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
gz=0
for ((k = 0; k < ${#caps[@]}; k++)); do
  [ "$(head -c2 "${caps[$k]}" | od -An -tx1 | tr -d ' \n')" = 1f8b ] || continue
  gz=$((gz + 1))
  if [ -n "${RAW:-}" ]; then # a decompressed copy, under a distinct name
    raw="$dir/raw/$k-$(basename "${caps[$k]}" .gz)"
    mkdir -p "$dir/raw"
    gzip -dc "${caps[$k]}" >"$raw"
    caps[$k]=$raw
  fi
done
suite() { # suite FILE N: N cases cycling through the captures
  {
    echo "cases:"
    for ((i = 0; i < $2; i++)); do
      local k=$((i % ${#caps[@]}))
      echo "  - name: case $i $(basename "${caps[$k]}")"
      echo "    captures: ${caps[$k]}"
      echo "    rules: ${capRules[$k]}"
      echo "    expect: { total: { at_least: 0 }, priorities: { Emergency: 0 } }"
    done
  } >"$1"
}
suite "$dir/big.test.yaml" "$cases"
suite "$dir/small.test.yaml" "$small"

echo "== $cases and $small cases over ${#caps[@]} captures ($gz gzip$([ -n "${RAW:-}" ] && echo ', replayed from decompressed copies')); $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# Both runs must pass (exit 0) and agree, or the timings mean nothing.
$cli test "$dir/big.test.yaml" --jobs 1 --reporter json --output "$dir/r1.json" >/dev/null
$cli test "$dir/big.test.yaml" --jobs 2 --reporter json --output "$dir/r2.json" >/dev/null
node -e '
  const fs = require("fs");
  const strip = (f) => JSON.parse(fs.readFileSync(f, "utf8")).cases.map(({ duration_ms, ...c }) => c);
  const same = JSON.stringify(strip(process.argv[1])) === JSON.stringify(strip(process.argv[2]));
  console.log(same ? "jobs 1 and jobs 2 results identical" : "RESULTS DIFFER between jobs 1 and jobs 2");
  process.exit(same ? 0 : 1);
' "$dir/r1.json" "$dir/r2.json"

hyperfine -N --warmup 1 --runs "$runs" --export-json "$dir/jobs.json" \
  -n "jobs 1, $cases cases" "$cli test $dir/big.test.yaml --jobs 1 --reporter json --output $dir/o1.json" \
  -n "jobs 2, $cases cases" "$cli test $dir/big.test.yaml --jobs 2 --reporter json --output $dir/o2.json" \
  -n "jobs 1, $small cases" "$cli test $dir/small.test.yaml --jobs 1 --reporter json --output $dir/o3.json" \
  -n "jobs 2, $small cases" "$cli test $dir/small.test.yaml --jobs 2 --reporter json --output $dir/o4.json"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Per-thread CPU (Linux schedstat): the work split between the workers, and how long each
# thread waited for a CPU (other processes on the machine). Wall-clock ratios mean little
# when that wait is large: a busy machine's scheduler shares CPUs between sessions, not
# threads, so a second worker cannot get more CPU than the first had alone.
for j in 1 2; do
  echo "-- jobs $j, $cases cases:"
  FALCO_SCAP_TEST_STATS=1 $cli test "$dir/big.test.yaml" --jobs $j --reporter json --output "$dir/s$j.json" 2>&1 >/dev/null | sed 's/^falco-scap: stats: /   /'
done
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
  const [b1, b2, s1, s2] = r;
  const f = (x) => x.toFixed(3);
  for (const x of r) console.log(`${x.command.padEnd(22)} median ${f(x.median)} s  user ${f(x.user)} s  sys ${f(x.system)} s (means)`);
  console.log(`speed-up at ${process.argv[2]} cases: ${(b1.median / b2.median).toFixed(2)}x (wall, medians)`);
  console.log(`per-case speed-up (the ${process.argv[2] - process.argv[3]} extra cases): ${((b1.median - s1.median) / (b2.median - s2.median)).toFixed(2)}x`);
  console.log(`CPU of the extra cases: jobs 1 ${f(b1.user + b1.system - s1.user - s1.system)} s, jobs 2 ${f(b2.user + b2.system - s2.user - s2.system)} s`);
' "$dir/jobs.json" "$cases" "$small"
