#!/usr/bin/env bash
# Records the sample captures with our own recorder (needs root and the built recorder),
# then sanitizes them for publication. Run from the repository root after `npm install`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
node dist/cli/main.js record -w "$tmp/workload.raw.scap" --force --no-stats -- samples/workload.sh
node samples/sanitize.mjs "$tmp/workload.raw.scap" samples/captures/workload.scap.gz
node dist/cli/main.js record -w "$tmp/ls.raw.scap" --force --no-stats -- ls -la /etc
node samples/sanitize.mjs "$tmp/ls.raw.scap" samples/captures/ls-etc.scap.gz
rm -rf "$tmp"
ls -l samples/captures
