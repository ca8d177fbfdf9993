#!/usr/bin/env bash
# Plugin host benchmark: 1M events sourced through the jsonaudit test plugin, 10 field
# extractions per event (batched: one native call per next_batch), cost per field.
#   bench/plugins.sh [events] [plugin batch size]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${BENCH_DIR:-/tmp/falco-scap-bench}/plugins
mkdir -p "$dir"
n=${1:-1000000}
batch=${2:-4096}
[ -f "$root/native/plugin-host/build/Release/falco_scap_plugin_host.node" ] || node "$root/native/plugin-host/build.mjs" --strict
node "$root/node_modules/typescript/bin/tsc" -p "$root/tsconfig.json" || true   # dist/ (errors elsewhere do not stop the emit)
cc -shared -fPIC -O2 -I "$root/native/plugin-host/src" -o "$dir/libjsonaudit.so" "$root/test/plugins/c/jsonaudit.c"
node "$here/plugins-bench.mjs" "$dir/libjsonaudit.so" "$dir" "$n" "$batch"
