#!/usr/bin/env bash
# CI step: build the falco-scap kernel module (warnings fail), the static
# reader, the toolkit (dist/) and the recorder addon if missing, then boot
# Debian's kernel in qemu, record samples/workload.sh with
# `falco-scap record --driver kmod` and compare its alerts with an eBPF
# recording of the same workload on this host (test/kmod/run-qemu.sh).
# Ends with "kmod: PASS" or "kmod: FAIL <why>".
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
for p in linux-headers-amd64 linux-image-amd64 qemu-system-x86 busybox-static cpio make gcc g++ zlib1g-dev libzstd-dev python3 file; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq "${need[@]}" >/tmp/kmod-apt.log 2>&1 || { echo "kmod: FAIL apt-get install ${need[*]}"; exit 1; }; fi
KVER=$(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | sort -V | while read v; do [ -e /lib/modules/$v/build/Makefile ] && echo $v; done | tail -1)
[ -n "$KVER" ] || { echo "kmod: FAIL no kernel image with matching headers"; exit 1; }
make -C driver/kmod clean KVER="$KVER" >/dev/null 2>&1
if ! make -C driver/kmod KVER="$KVER" > /tmp/kmod-build.log 2>&1; then tail -30 /tmp/kmod-build.log; echo "kmod: FAIL module build"; exit 1; fi
if grep -qiE "warning:" /tmp/kmod-build.log; then grep -iE "warning:" /tmp/kmod-build.log; echo "kmod: FAIL module build has warnings"; exit 1; fi
echo "kmod: module built for $KVER, no warnings"
if ! make -C native/kmod-reader > /tmp/kmod-reader-build.log 2>&1; then tail -30 /tmp/kmod-reader-build.log; echo "kmod: FAIL reader build"; exit 1; fi
# The guest runs the real CLI and addon: build them when this runs on its own.
if [ ! -f dist/cli/falco-scap.cjs ] && ! npm run build > /tmp/kmod-dist-build.log 2>&1; then tail -20 /tmp/kmod-dist-build.log; echo "kmod: FAIL npm run build"; exit 1; fi
addon=native/build/Release/falco_scap_record.node
if [ -z "${FALCO_SCAP_RECORD_ADDON:-}" ] && ! node -e 'process.exit(require(process.argv[1]).drivers?.includes("kmod") ? 0 : 1)' "$PWD/$addon" 2>/dev/null; then
  if ! node native/build.mjs --strict > /tmp/kmod-addon-build.log 2>&1; then tail -20 /tmp/kmod-addon-build.log; echo "kmod: FAIL recorder addon build"; exit 1; fi
fi
timeout "${FALCO_SCAP_KMOD_STEP_TIMEOUT:-300}" test/kmod/run-qemu.sh; rc=$?
if [ $rc -eq 3 ]; then
  # Both vCPUs of the software-emulated guest stuck in the kernel while a recording starts
  # (the probes being registered), in 3 of some 38 boots; not root-caused (our module, or
  # qemu's emulation of cross-CPU code patching). Said here, and the guest booted once more:
  # the step passes only if that whole second run passes.
  echo "kmod: the guest hung (soft lockup, a known intermittent fault, not root-caused); booting it once more"
  timeout "${FALCO_SCAP_KMOD_STEP_TIMEOUT:-300}" test/kmod/run-qemu.sh; rc=$?
  if [ $rc -eq 0 ]; then echo "kmod: PASS (second boot; the first hung)"; exit 0; fi
fi
if [ $rc -eq 0 ]; then echo "kmod: PASS"; else echo "kmod: FAIL qemu test (exit $rc)"; fi
exit $rc
