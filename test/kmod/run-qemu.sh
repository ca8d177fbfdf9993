#!/usr/bin/env bash
# Boots Debian's kernel in qemu with an initramfs of our own: busybox-static,
# the falco-scap module, node + the toolkit (dist/, production node_modules,
# the recorder addon), python3 and setpriv for samples/workload.sh, and the
# static fs-kmod-record reader. In the guest:
#   1. `falco-scap record --driver kmod -- sh workload.sh` (the eBPF recorder
#      test's workload, through the real CLI + addon path),
#   2. `record --driver auto` picks the module; after rmmod, `--driver kmod`
#      fails with one line and exit 2,
#   3. 3 load/record/unload cycles with the static reader, slab before/after,
#      module counters, dmesg.
# The capture comes out base64 on the console. On the host: `falco-scap info`,
# `sysdig -r`, then the same workload is recorded with the eBPF driver and both
# captures are replayed with rules/falco-scap_rules.yaml: the alert sets (rule
# names) must be equal.
#   test/kmod/run-qemu.sh [workdir]
# Needs: qemu-system-x86, busybox-static, cpio, linux-image-amd64, node, python3,
# setpriv, the module (driver/kmod), the reader (native/kmod-reader), the addon
# (native/build or $FALCO_SCAP_RECORD_ADDON) and dist/ already built; root and
# BTF on the host for the eBPF reference recording.
# Ends with one line "kmod-qemu: PASS ..." or "kmod-qemu: FAIL ...".
set -uo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-$(mktemp -d /tmp/fs-kmod-qemu-XXXXXX)}
mkdir -p "$WORK"
KO=$ROOT/driver/kmod/falco_scap.ko
READER=$ROOT/native/kmod-reader/build/fs-kmod-record
ADDON=${FALCO_SCAP_RECORD_ADDON:-$ROOT/native/build/Release/falco_scap_record.node}
WORKLOAD=$ROOT/samples/workload.sh
RULES=$ROOT/rules/falco-scap_rules.yaml
CLI=$ROOT/dist/cli/falco-scap.cjs
KVER=$(modinfo -F vermagic "$KO" 2>/dev/null | awk '{print $1}')
VMLINUZ=/boot/vmlinuz-$KVER
fail() { echo "kmod-qemu: FAIL $*"; exit 1; }
[ -f "$KO" ] || fail "module not built ($KO)"
[ -x "$READER" ] || fail "reader not built ($READER)"
[ -f "$ADDON" ] || fail "recorder addon not built ($ADDON; node native/build.mjs --strict)"
[ -f "$CLI" ] || fail "dist/ not built (npm run build)"
[ -f "$VMLINUZ" ] || fail "no $VMLINUZ for module vermagic $KVER (apt-get install linux-image-amd64)"
BB=$(command -v busybox) || fail "busybox-static missing"
NODE=$(readlink -f "$(command -v node)")
# the system python (a pyenv shim on PATH is a script)
PY=$(readlink -f /usr/bin/python3 2>/dev/null || readlink -f "$(command -v python3)")
[ -x "$PY" ] && file -L "$PY" | grep -q ELF || fail "python3 missing (samples/workload.sh needs it)"

# ---- initramfs ----
IR=$WORK/initramfs
rm -rf "$IR"; mkdir -p "$IR"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/local/bin,fs}
cp "$BB" "$IR/bin/busybox"
for a in $("$BB" --list); do [ "$a" = busybox ] || ln -sf busybox "$IR/bin/$a"; done
# a file and the shared libraries it loads, at the same paths
copy_elf() {
  local f l
  for f in "$@"; do
    mkdir -p "$IR$(dirname "$f")"; cp -L "$f" "$IR$f"
    for l in $(ldd "$f" 2>/dev/null | grep -o '/[^ )]*'); do
      [ -e "$IR$l" ] || { mkdir -p "$IR$(dirname "$l")"; cp -L "$l" "$IR$l"; }
    done
  done
}
copy_elf "$NODE" "$PY" "$ADDON"
[ "$NODE" = /usr/bin/node ] || ln -sf "$NODE" "$IR/usr/bin/node"
ln -sf "$PY" "$IR/usr/bin/python3"
# The workload runs with the host's shell and tools, as in the eBPF run (busybox's
# sh would run its applets through /proc/self/exe, under other process names).
for t in sh cat id rm cp mv mkdir mktemp chmod ln ls true env setpriv; do
  p=$(PATH=/usr/bin:/bin type -P $t) && f=$(readlink -f "$p") || fail "$t missing"
  copy_elf "$f"; rm -f "$IR/bin/$t"; [ "$f" = "/bin/$t" ] || ln -sf "$f" "$IR/bin/$t"
done
# python: the standard modules the workload's python snippet loads (run here once to list them)
sed -n "/^python3 - <<'PY'/,/^PY\$/p" "$WORKLOAD" | sed '1d;$d' > "$WORK/snippet.py"
[ -s "$WORK/snippet.py" ] || echo 'import socket, threading' > "$WORK/snippet.py"
"$PY" -c 'import sys, encodings.idna
exec(open(sys.argv[1]).read())
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f: print(f)' "$WORK/snippet.py" > "$WORK/pymods.txt" || fail "the workload's python snippet failed on the host"
while read -r m; do mkdir -p "$IR$(dirname "$m")"; cp "$m" "$IR$m"; done < "$WORK/pymods.txt"
PYLIB=$("$PY" -c 'import os; print(os.path.dirname(os.__file__))')
mkdir -p "$IR$PYLIB/lib-dynload"
# the toolkit: dist/, production dependencies, the addon
cp -r "$ROOT/dist" "$ROOT/package.json" "$IR/fs/"
(cd "$ROOT" && npm ls --omit=dev --parseable --all 2>/dev/null) | while read -r d; do
  case "$d" in "$ROOT"/node_modules/*) rel=${d#"$ROOT"/}; mkdir -p "$IR/fs/$(dirname "$rel")"; cp -r "$d" "$IR/fs/$rel";; esac
done
mkdir -p "$IR/fs/native/build/Release"
cp "$ADDON" "$IR/fs/native/build/Release/falco_scap_record.node"
cp "$KO" "$IR/falco_scap.ko"
cp "$READER" "$IR/fs-kmod-record"
cp "$WORKLOAD" "$IR/workload.sh"
echo "root:x:0:0:root:/root:/bin/sh" > "$IR/etc/passwd"
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh" >> "$IR/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$IR/etc/group"
echo 'root:$6$fake$hash:19000:0:99999:7:::' > "$IR/etc/shadow"
chmod 600 "$IR/etc/shadow"
cat > "$IR/init" <<'INIT'
#!/bin/busybox sh
export PATH=/bin:/usr/bin:/sbin HOME=/root
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
ifconfig lo 127.0.0.1 up
hostname guest
slab() { echo "$(grep -E '^(Slab|SUnreclaim|VmallocUsed|MemFree):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"; }
FS="node /fs/dist/cli/falco-scap.cjs"
echo "KMOD: meminfo0 $(slab)"
if insmod /falco_scap.ko ring_kb=1024; then echo "KMOD: insmod1 ok"; else echo "KMOD: insmod1 FAILED"; fi
# 1. the workload, through the real CLI and addon; other activity meanwhile
#    (busybox) must stay out of the capture: only the command's tree is kept
/bin/busybox sh -c 'while :; do /bin/busybox head -c1 /proc/uptime > /dev/null; /bin/busybox usleep 20000; done' & NOISE=$!
timeout -s TERM 120 $FS record --driver kmod --compat2022 -w /tmp/cap.scap -- sh /workload.sh 2>/tmp/rec.log; echo "KMOD: record1 rc=$?"
kill $NOISE
tr '\r' '\n' < /tmp/rec.log | grep -v '^$' | tail -3 | sed 's/^/KMOD: /'
# 2. auto picks the module when its device exists (whole system, some activity)
busy() { /bin/busybox sh -c 'while :; do /bin/busybox cat /etc/passwd > /dev/null; /bin/busybox usleep 50000; done' & BUSY=$!; }
busy
$FS record --driver auto -w /tmp/auto.scap --duration 1s 2>/tmp/auto.log; echo "KMOD: auto rc=$?"
kill $BUSY
tr '\r' '\n' < /tmp/auto.log | grep -v '^$' | tail -1 | sed 's/^/KMOD: auto: /'
rmmod falco_scap && echo "KMOD: rmmod1 ok"
$FS record --driver kmod -w /tmp/none.scap --duration 1s 2>/tmp/none.log; echo "KMOD: nodev rc=$? lines=$(wc -l < /tmp/none.log) file=$([ -e /tmp/none.scap ] && echo kept || echo none)"
sed 's/^/KMOD: nodev: /' /tmp/none.log
echo "KMOD: meminfo1 $(slab)"
# 3. reload cycles: load, record briefly, unload
i=2
while [ $i -le 4 ]; do
  insmod /falco_scap.ko ring_kb=1024 || echo "KMOD: insmod$i FAILED"
  busy
  /fs-kmod-record -o /tmp/cap$i.scap -t 0.6 2>/tmp/rec$i.log; echo "KMOD: record$i rc=$?"
  kill $BUSY
  tail -1 /tmp/rec$i.log | sed 's/^/KMOD: /'
  rmmod falco_scap && echo "KMOD: rmmod$i ok"
  i=$((i+1))
done
echo 3 > /proc/sys/vm/drop_caches
echo "KMOD: meminfo2 $(slab)"
echo "KMOD: dmesg $(dmesg | grep -cE 'BUG:|WARNING:|Oops|sleeping function') suspicious lines"
dmesg | grep -iE 'falco_scap|BUG|WARNING|Oops|sleeping function' | sed 's/^/KMOD: dmesg: /' | head -20
echo "KMOD-CAPTURE-BEGIN"
gzip -c /tmp/cap.scap | base64
echo "KMOD-CAPTURE-END"
echo "KMOD: done"
poweroff -f
INIT
chmod +x "$IR/init"
(cd "$IR" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$WORK/initramfs.gz" || fail "cpio"
echo "kmod-qemu: initramfs $(( $(stat -c %s "$WORK/initramfs.gz") >> 20 )) MiB ($(du -sm "$IR" | cut -f1) MiB unpacked)"
rm -rf "$IR"  # ~140 MiB; the archive stays until the test passes

ACCEL="-accel tcg"
if [ -w /dev/kvm ] && [ "${FALCO_SCAP_KMOD_TCG:-0}" != 1 ]; then ACCEL="-accel kvm -cpu host"; fi
echo "kmod-qemu: booting $VMLINUZ ($ACCEL), work dir $WORK"
t0=$(date +%s)
# qemu runs in the background so that a TERM to this script (.ci/kmod.sh's step timeout)
# takes the VM down too instead of leaving it running.
trap 'kill "$QEMU_PID" 2>/dev/null' EXIT
timeout "${FALCO_SCAP_KMOD_TIMEOUT:-240}" qemu-system-x86_64 $ACCEL -m 1G -smp 2 -nographic -no-reboot \
  -kernel "$VMLINUZ" -initrd "$WORK/initramfs.gz" \
  -append "console=ttyS0 loglevel=4 panic=-1 oops=panic" > "$WORK/console.log" 2>&1 &
QEMU_PID=$!
wait "$QEMU_PID"
rc=$?
t1=$(date +%s)
grep "^KMOD:" "$WORK/console.log" | tr -d '\r'
echo "kmod-qemu: qemu exit $rc after $((t1 - t0)) s"
if ! grep -q "KMOD: done" "$WORK/console.log"; then
  tail -30 "$WORK/console.log"
  # Exit 3: the guest hung with the watchdog's soft-lockup report on its console (see
  # .ci/kmod.sh, which boots once more); any other unfinished run is a plain failure.
  if grep -q "soft lockup" "$WORK/console.log"; then echo "kmod-qemu: FAIL guest hung: soft lockup (see $WORK/console.log)"; exit 3; fi
  fail "guest did not finish (see $WORK/console.log)"
fi
sed -n '/KMOD-CAPTURE-BEGIN/,/KMOD-CAPTURE-END/p' "$WORK/console.log" | tr -d '\r' | grep -v KMOD-CAPTURE | base64 -d | gunzip > "$WORK/cap.scap" || fail "capture did not decode"
echo "kmod-qemu: capture $(stat -c %s "$WORK/cap.scap") bytes at $WORK/cap.scap"

errs=()
for s in "insmod1 ok" "record1 rc=0" "auto rc=0" "rmmod1 ok" "nodev rc=2 lines=1 file=none" "rmmod4 ok"; do
  grep -q "KMOD: $s" "$WORK/console.log" || errs+=("missing '$s'")
done
grep -q "KMOD: auto: .*driver: kmod" "$WORK/console.log" || errs+=("--driver auto did not pick the module")
grep -qE "KMOD: auto: .*recorded: [1-9][0-9]* events.* 0 dropped" "$WORK/console.log" || errs+=("whole-system kmod recording: no events or drops")
grep -q "KMOD: /tmp/cap.scap: recorded.*driver: kmod" "$WORK/console.log" || errs+=("record --driver kmod did not report the module")
grep -q "KMOD: nodev: .*kmod driver: /dev/falco-scap does not exist" "$WORK/console.log" || errs+=("no clear message without the module")
grep -q "KMOD: dmesg 0 suspicious" "$WORK/console.log" || errs+=("kernel warnings in dmesg")
# module counters: every reload cycle recorded events and dropped none
n=$(grep -cE "KMOD: fs-kmod-record: written=[1-9][0-9]* events=[1-9][0-9]* drops=0 " "$WORK/console.log")
[ "$n" = 3 ] || errs+=("only $n of 3 reload cycles recorded events without drops")
# slab after the reload cycles vs. after the first unload: no growth beyond 2 MiB
s1=$(grep "KMOD: meminfo1" "$WORK/console.log" | grep -o 'Slab: [0-9]*' | awk '{print $2}')
s2=$(grep "KMOD: meminfo2" "$WORK/console.log" | grep -o 'Slab: [0-9]*' | awk '{print $2}')
if [ -z "$s1" ] || [ -z "$s2" ]; then errs+=("no slab figures"); elif [ $((s2 - s1)) -gt 2048 ]; then errs+=("slab grew ${s1}->${s2} kB"); fi
echo "kmod-qemu: slab after first unload ${s1:-?} kB, after 3 reload cycles ${s2:-?} kB"

node "$CLI" info "$WORK/cap.scap" > "$WORK/info.txt" 2>&1 || errs+=("falco-scap info failed: $(tail -1 "$WORK/info.txt")")
grep -E "^  (EV_V2|PL_V9|FDL_V2|threads|fds):" "$WORK/info.txt" | sed 's/^ */kmod-qemu: info: /'
if command -v sysdig >/dev/null; then
  sysdig -r "$WORK/cap.scap" > "$WORK/sysdig.txt" 2>"$WORK/sysdig.err" || errs+=("sysdig -r failed: $(tail -1 "$WORK/sysdig.err")")
  echo "kmod-qemu: sysdig read $(wc -l < "$WORK/sysdig.txt") events"
  grep -q "execve.*/tmp/falco-scap-sample.*/payload" "$WORK/sysdig.txt" || errs+=("sysdig: no execve of the /tmp payload")
  grep -q "open.*/etc/shadow" "$WORK/sysdig.txt" || errs+=("sysdig: no open of /etc/shadow")
  grep -q "connect.*127.0.0.1" "$WORK/sysdig.txt" || errs+=("sysdig: no connect to 127.0.0.1")
  grep -q "procexit" "$WORK/sysdig.txt" || errs+=("sysdig: no procexit")
  grep -qE "clone|fork" "$WORK/sysdig.txt" || errs+=("sysdig: no clone/fork")
  if grep -qE "^[0-9]+ [0-9:.]+ [0-9]+ node " "$WORK/sysdig.txt"; then errs+=("sysdig: the recorder's own events are in the capture"); fi
  if grep -qE "^[0-9]+ [0-9:.]+ [0-9]+ (busybox|exe) " "$WORK/sysdig.txt"; then errs+=("sysdig: events of processes outside the traced command"); fi
  for p in sh cat id python3 cp payload setpriv; do
    grep -qE "^[0-9]+ [0-9:.]+ [0-9]+ $p " "$WORK/sysdig.txt" || errs+=("sysdig: no events of the workload's $p")
  done
fi

# The same workload with the eBPF driver on this host, same options.
rm -f "$WORK/ebpf.scap"
if ! node "$CLI" record --driver ebpf --compat2022 -w "$WORK/ebpf.scap" -- sh "$WORKLOAD" > "$WORK/ebpf-rec.log" 2>&1; then
  errs+=("eBPF reference recording failed: $(tr '\r' '\n' < "$WORK/ebpf-rec.log" | grep -v '^$' | tail -1)")
else
  tr '\r' '\n' < "$WORK/ebpf-rec.log" | grep -v '^$' | tail -1 | sed 's/^/kmod-qemu: ebpf: /'
  alerts() { node "$CLI" replay "$1" -r "$RULES" --json --no-progress 2>"$1.replay.err" | node -e '
    const names = new Set();
    for (const l of require("fs").readFileSync(0, "utf8").split("\n")) if (l.startsWith("{")) names.add(JSON.parse(l).rule);
    console.log([...names].sort().join("\n"));'; }
  alerts "$WORK/cap.scap" > "$WORK/alerts-kmod.txt" || errs+=("replay of the kmod capture failed")
  alerts "$WORK/ebpf.scap" > "$WORK/alerts-ebpf.txt" || errs+=("replay of the eBPF capture failed")
  echo "kmod-qemu: alerts kmod ($(grep -c . "$WORK/alerts-kmod.txt")): $(paste -sd '|' "$WORK/alerts-kmod.txt")"
  echo "kmod-qemu: alerts ebpf ($(grep -c . "$WORK/alerts-ebpf.txt")): $(paste -sd '|' "$WORK/alerts-ebpf.txt")"
  [ -s "$WORK/alerts-ebpf.txt" ] || errs+=("the eBPF recording raised no alert")
  cmp -s "$WORK/alerts-kmod.txt" "$WORK/alerts-ebpf.txt" || errs+=("alerts differ: kmod-only [$(comm -23 "$WORK/alerts-kmod.txt" "$WORK/alerts-ebpf.txt" | paste -sd '|')] ebpf-only [$(comm -13 "$WORK/alerts-kmod.txt" "$WORK/alerts-ebpf.txt" | paste -sd '|')]")
fi
if [ ${#errs[@]} -gt 0 ]; then fail "${errs[*]}"; fi
rm -f "$WORK/initramfs.gz" "$WORK/ebpf.scap"
echo "kmod-qemu: PASS ($((t1 - t0)) s in qemu, capture $(stat -c %s "$WORK/cap.scap") bytes, $(grep -c . "$WORK/alerts-kmod.txt") alerts equal to eBPF's)"
