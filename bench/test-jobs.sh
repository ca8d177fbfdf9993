#!/usr/bin/env bash
# `falco-scap test` parallelism: a suite of many small cases (every shared capture, several
# times over) run with --jobs 1 and --jobs 2 side by side (hyperfine).
#   bench/test-jobs.sh [CASES]     (needs dist/ built with the real engine, ../shared, hyperfine)
# Env: CAPTURES (dir searched for *.scap, default ../shared/captures), RULES (rules file,
# default ../shared/rules/falcosecurity/falco_rules.yaml), RUNS (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cases=${1:-32}
captures_dir=${CAPTURES:-$root/../shared/captures}
rules=${RULES:-$root/../shared/rules/falcosecurity/falco_rules.yaml}
runs=${RUNS:-5}
cli="node $root/dist/cli/main.js"

[ -f dist/replay/engine.js ] || { echo "dist/replay/engine.js missing: build with the real engine first (npm run build)" >&2; exit 2; }
mapfile -t caps < <(find "$captures_dir" -name '*.scap' -size +1k | sort)
[ "${#caps[@]}" -gt 0 ] || { echo "no captures under $captures_dir" >&2; exit 2; }
[ -f "$rules" ] || { echo "rules file $rules missing" >&2; exit 2; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
spec=$dir/bench.test.yaml
{
  echo "defaults:"
  echo "  rules: $rules"
  echo "cases:"
  for ((i = 0; i < cases; i++)); do
    cap=${caps[$((i % ${#caps[@]}))]}
    echo "  - name: case $i $(basename "$cap")"
    echo "    captures: $cap"
    echo "    expect: { total: { at_least: 0 } }"
  done
} >"$spec"

echo "== $cases cases over ${#caps[@]} captures, $(nproc) cores"
# One run first: it must pass (exit 0), or the timings mean nothing.
$cli test "$spec" --jobs 2 | tail -1
hyperfine -N --warmup 1 --runs "$runs" --export-json "$dir/jobs.json" \
  -n 'jobs 1' "$cli test $spec --jobs 1 --reporter json --output $dir/r1.json" \
  -n 'jobs 2' "$cli test $spec --jobs 2 --reporter json --output $dir/r2.json"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
  const [a, b] = r.map((x) => x.median);
  console.log(`median jobs 1 ${a.toFixed(3)} s, jobs 2 ${b.toFixed(3)} s, speed-up ${(a / b).toFixed(2)}x`);
' "$dir/jobs.json"
# Same results either way (timings aside).
node -e '
  const fs = require("fs");
  const strip = (f) => JSON.parse(fs.readFileSync(f, "utf8")).cases.map(({ duration_ms, ...c }) => c);
  const same = JSON.stringify(strip(process.argv[1])) === JSON.stringify(strip(process.argv[2]));
  console.log(same ? "jobs 1 and jobs 2 results identical" : "RESULTS DIFFER between jobs 1 and jobs 2");
  process.exit(same ? 0 : 1);
' "$dir/r1.json" "$dir/r2.json"
