#!/usr/bin/env bash
# `falco-scap test` parallelism: a suite of many small cases, --jobs 1 against --jobs 2.
#   bench/test-jobs.sh [CASES]      (default 208; needs dist/ built, GNU time)
# The suite cycles through every capture of ../shared/captures (with Falco's
# falco_rules.yaml) and of samples/captures (with our default rules), one capture per
# case, so two rulesets are in play, as in a real spec directory. It is timed at CASES and
# at a quarter of that: the difference between the two sizes is the per-case work, without
# start-up (node, worker threads, engine import, compiling each ruleset once per worker,
# JIT warm-up), which no number of workers can shorten.
# Env: CAPTURES (dir searched for *.scap, default ../shared/captures), RULES (their rules
# file, default ../shared/rules/falcosecurity/falco_rules.yaml), RUNS (default 5),
# CLI (default bin/falco-scap), RAW=1 (replay decompressed copies of the captures),
# REF (another command, e.g. an older build's "node /path/dist/cli/falco-scap.cjs": timed in
# the same rounds at CASES with --jobs 1 and 2, and compared; its verdicts must be ours).
# Most of these captures are small gzip files, inflated in one call on the worker thread;
# RAW=1 replays the same captures without the inflating. Even so --jobs 1 keeps more than
# one core busy: V8's optimizing compiler and garbage collector run on threads of their own
# (the process's CPU time is well above the worker and main threads' below), on the core
# --jobs 2 needs for its second worker.
set -euo pipefail
cd "$(dirname "$0")/.."
# --jobs 2 means two workers here even for the smaller suite, which would get one by
# default (a short suite gets fewer workers than --jobs allows; see docs/testing.md).
export FALCO_SCAP_TEST_WORKERS=all
root=$(pwd)
cases=${1:-208}
small=$(( cases / 4 > 0 ? cases / 4 : 1 ))
captures_dir=${CAPTURES:-$root/../shared/captures}
rules=${RULES:-$root/../shared/rules/falcosecurity/falco_rules.yaml}
runs=${RUNS:-5}
cli=${CLI:-$root/bin/falco-scap} # the installed command (it starts Node without NODE_EXTRA_CA_CERTS)
ref=${REF:-}

[ -f dist/testing/engine.js ] || { echo "dist/testing/engine.js missing: build first (npm run build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found" >&2; exit 2; }
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
suite() { # suite FILE N [FROM]: N cases cycling through the captures, from case FROM
  {
    echo "cases:"
    for ((i = ${3:-0}; i < ${3:-0} + $2; i++)); do
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
# The same cases split in two halves, for two separate processes run side by side.
half=$(( cases / 2 ))
suite "$dir/half1.test.yaml" "$half"
suite "$dir/half2.test.yaml" $(( cases - half )) "$half"

echo "== $cases and $small cases over ${#caps[@]} captures ($gz gzip$([ -n "${RAW:-}" ] && echo ', replayed from decompressed copies')); $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# Both runs must pass (exit 0) and agree, or the timings mean nothing.
$cli test "$dir/big.test.yaml" --jobs 1 --reporter json --output "$dir/r1.json" >/dev/null
$cli test "$dir/big.test.yaml" --jobs 2 --reporter json --output "$dir/r2.json" >/dev/null
[ -z "$ref" ] || $ref test "$dir/big.test.yaml" --jobs 2 --reporter json --output "$dir/r3.json" >/dev/null
node -e '
  const fs = require("fs");
  const strip = (f) => JSON.stringify(JSON.parse(fs.readFileSync(f, "utf8")).cases.map(({ duration_ms, ...c }) => c));
  const [r1, ...others] = process.argv.slice(1).map(strip);
  const same = others.every((r) => r === r1);
  console.log(same ? `jobs 1 and jobs 2 results identical${others.length > 1 ? ", and REF agrees" : ""}` : "RESULTS DIFFER between jobs 1, jobs 2 (and REF)");
  process.exit(same ? 0 : 1);
' "$dir/r1.json" "$dir/r2.json" $([ -z "$ref" ] || echo "$dir/r3.json")

# Two references for what this machine allows, timed in the same rounds:
# - two separate processes with --jobs 1, each running half the cases at the same time:
#   process-level parallelism, with nothing shared between the two but the cores;
# - --jobs 1 held to a single core (taskset): the whole process, V8's compiler and GC
#   threads included, on one core, where --jobs 1 on its own also uses part of the second.
cat >"$dir/halves.sh" <<EOF
$cli test $dir/half1.test.yaml --jobs 1 --reporter json --output $dir/h1.json >/dev/null &
$cli test $dir/half2.test.yaml --jobs 1 --reporter json --output $dir/h2.json >/dev/null
wait
EOF
# And the default for the smaller suite: --jobs 2 starting only the workers it gains from.
names=("jobs 1, $cases cases" "jobs 2, $cases cases" "jobs 1, $small cases" "jobs 2, $small cases" "2 processes, half each" "jobs 1 on one core" "jobs 2 as needed, $small")
cmds=("$cli test $dir/big.test.yaml --jobs 1" "$cli test $dir/big.test.yaml --jobs 2" "$cli test $dir/small.test.yaml --jobs 1" "$cli test $dir/small.test.yaml --jobs 2" "bash $dir/halves.sh" "taskset -c 0 $cli test $dir/big.test.yaml --jobs 1" "env -u FALCO_SCAP_TEST_WORKERS $cli test $dir/small.test.yaml --jobs 2")
command -v taskset >/dev/null || { echo "taskset not found (util-linux)" >&2; exit 2; }
if [ -n "$ref" ]; then
  names+=("REF jobs 1, $cases cases" "REF jobs 2, $cases cases")
  cmds+=("$ref test $dir/big.test.yaml --jobs 1" "$ref test $dir/big.test.yaml --jobs 2")
fi
# Each round times every command once, in turn (hyperfine would time all runs of one command
# first): a change in the machine's load then falls on all of them alike. One round first
# as a warm-up (page cache, code caches).
for ((r = 0; r <= runs; r++)); do
  for k in "${!cmds[@]}"; do
    if [ "$k" = 4 ]; then # the two halves write their own reports
      /usr/bin/time -f "$r $k %e %U %S" -a -o "$dir/times" ${cmds[$k]} >/dev/null
    else
      /usr/bin/time -f "$r $k %e %U %S" -a -o "$dir/times" ${cmds[$k]} --reporter json --output "$dir/o$k.json" >/dev/null
    fi
  done
done
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
  const [file, cases, small, ...names] = process.argv.slice(1);
  const rows = require("fs").readFileSync(file, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number)).filter((x) => x[0] > 0);
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const r = names.map((command, k) => {
    const mine = rows.filter((x) => x[1] === k);
    return { command, median: median(mine.map((x) => x[2])), user: median(mine.map((x) => x[3])), system: median(mine.map((x) => x[4])), n: mine.length };
  });
  const [b1, b2, s1, s2, halves, oneCore, fitted, r1, r2] = r;
  const f = (x) => x.toFixed(3);
  for (const x of r) console.log(`${x.command.padEnd(26)} median ${f(x.median)} s  user ${f(x.user)} s  sys ${f(x.system)} s (medians of ${x.n})`);
  console.log(`speed-up at ${cases} cases: ${(b1.median / b2.median).toFixed(2)}x (wall, medians)`);
  console.log(`per-case speed-up (the ${cases - small} extra cases): ${((b1.median - s1.median) / (b2.median - s2.median)).toFixed(2)}x`);
  console.log(`CPU of the extra cases: jobs 1 ${f(b1.user + b1.system - s1.user - s1.system)} s, jobs 2 ${f(b2.user + b2.system - s2.user - s2.system)} s`);
  console.log(`references: 2 processes with half the cases each ${f(halves.median)} s (jobs 1 / that: ${(b1.median / halves.median).toFixed(2)}x; jobs 2 / that: ${(b2.median / halves.median).toFixed(2)}); jobs 1 on one core ${f(oneCore.median)} s (that / jobs 2: ${(oneCore.median / b2.median).toFixed(2)}x, one core to two)`);
  console.log(`${small} cases, --jobs 2 as needed (the default, ${fitted.median <= s1.median * 1.05 ? "as fast as" : "slower than"} --jobs 1): ${f(fitted.median)} s against ${f(s1.median)} s with --jobs 1 and ${f(s2.median)} s with both workers`);
  if (r1 !== undefined) {
    console.log(`REF at ${cases} cases: jobs 1 ${f(r1.median)} s, jobs 2 ${f(r2.median)} s (speed-up ${(r1.median / r2.median).toFixed(2)}x)`);
    console.log(`this / REF (wall, medians): jobs 1 ${(b1.median / r1.median).toFixed(3)}, jobs 2 ${(b2.median / r2.median).toFixed(3)}; CPU jobs 1 ${((b1.user + b1.system) / (r1.user + r1.system)).toFixed(3)}, jobs 2 ${((b2.user + b2.system) / (r2.user + r2.system)).toFixed(3)}`);
    // Paired: in each round the two ran back to back.
    const paired = (k, j) => median(rows.filter((x) => x[1] === k).map((x) => x[2] / rows.find((y) => y[0] === x[0] && y[1] === j)[2]));
    console.log(`this / REF paired by round (median of ratios): jobs 1 ${paired(0, 7).toFixed(3)}, jobs 2 ${paired(1, 8).toFixed(3)}`);
  }
' "$dir/times" "$cases" "$small" "${names[@]}"
