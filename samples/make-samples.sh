#!/usr/bin/env bash
# Records the sample captures with our own recorder (needs root and the built recorder),
# then sanitizes them for publication. Run from the repository root after `npm install`.
# --compat2022: event versions sysdig 0.29 reads. The recorder runs with a minimal
# environment, so the environment the execve events carry holds nothing of this host.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rec() {
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    "$(command -v node)" dist/cli/main.js record --compat2022 --force --no-stats "$@"
}
rec -w "$tmp/workload.raw.scap" -- samples/workload.sh
node samples/sanitize.mjs "$tmp/workload.raw.scap" samples/captures/workload.scap.gz
rec -w "$tmp/ls.raw.scap" -- ls -la /etc
node samples/sanitize.mjs "$tmp/ls.raw.scap" samples/captures/ls-etc.scap.gz
rm -rf "$tmp"
ls -l samples/captures
