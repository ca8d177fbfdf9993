#!/usr/bin/env bash
# Boots Debian's kernel in qemu with an initramfs of our own (busybox-static,
# the falco-scap module, the static fs-kmod-record reader and a scripted
# workload), records a capture, unloads/reloads the module, prints the
# capture base64 on the console and checks it on the host.
#   test/kmod/run-qemu.sh [workdir]
# Needs: qemu-system-x86, busybox-static, cpio, linux-image-amd64, the module
# (driver/kmod) and the reader (native/kmod-reader) already built.
# Ends with one line "kmod-qemu: PASS ..." or "kmod-qemu: FAIL ...".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-$(mktemp -d /tmp/fs-kmod-qemu-XXXXXX)}
mkdir -p "$WORK"
KO=$ROOT/driver/kmod/falco_scap.ko
READER=$ROOT/native/kmod-reader/build/fs-kmod-record
KVER=$(modinfo -F vermagic "$KO" 2>/dev/null | awk '{print $1}')
VMLINUZ=/boot/vmlinuz-$KVER
fail() { echo "kmod-qemu: FAIL $*"; exit 1; }
[ -f "$KO" ] || fail "module not built ($KO)"
[ -x "$READER" ] || fail "reader not built ($READER)"
[ -f "$VMLINUZ" ] || fail "no $VMLINUZ for module vermagic $KVER (apt-get install linux-image-amd64)"
BB=$(command -v busybox) || fail "busybox-static missing"
file -L "$BB" 2>/dev/null | grep -q "statically linked" || [ -f /bin/busybox ] || true

# ---- initramfs ----
IR=$WORK/initramfs
rm -rf "$IR"; mkdir -p "$IR"/{bin,sbin,etc,proc,sys,dev,tmp,root}
cp "$BB" "$IR/bin/busybox"
for a in $("$BB" --list); do [ "$a" = busybox ] || ln -sf busybox "$IR/bin/$a"; done
cp "$KO" "$IR/falco_scap.ko"
cp "$READER" "$IR/fs-kmod-record"
echo "root:x:0:0:root:/root:/bin/sh" > "$IR/etc/passwd"
echo "root:x:0:" > "$IR/etc/group"
echo 'root:$6$fake$hash:19000:0:99999:7:::' > "$IR/etc/shadow"
chmod 600 "$IR/etc/shadow"
cat > "$IR/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
ifconfig lo 127.0.0.1 up
slab() { echo "$(grep -E '^(Slab|SUnreclaim|VmallocUsed|MemFree):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"; }
echo "KMOD: meminfo0 $(slab)"
if insmod /falco_scap.ko ring_kb=1024; then echo "KMOD: insmod1 ok"; else echo "KMOD: insmod1 FAILED"; fi
/fs-kmod-record --compat2022 -o /tmp/cap.scap 2>/tmp/rec.log & RP=$!
sleep 1
# workload
cat /etc/shadow > /dev/null
sh -c 'ls / > /dev/null'
nc -l -p 8080 > /dev/null & NP=$!
sleep 0.3
echo hello | nc 127.0.0.1 8080
kill $NP 2>/dev/null
cp /bin/busybox /tmp/true && /tmp/true
sleep 1
kill -INT $RP; wait $RP; echo "KMOD: record1 rc=$?"
sed 's/^/KMOD: /' /tmp/rec.log
rmmod falco_scap && echo "KMOD: rmmod1 ok"
echo "KMOD: meminfo1 $(slab)"
# reload cycles: load, record briefly, unload
i=2
while [ $i -le 4 ]; do
  insmod /falco_scap.ko ring_kb=1024 || echo "KMOD: insmod$i FAILED"
  /fs-kmod-record -o /tmp/cap$i.scap -t 0.5 2>/tmp/rec$i.log; echo "KMOD: record$i rc=$?"
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

ACCEL="-accel tcg"
if [ -w /dev/kvm ] && [ "${FALCO_SCAP_KMOD_TCG:-0}" != 1 ]; then ACCEL="-accel kvm -cpu host"; fi
echo "kmod-qemu: booting $VMLINUZ ($ACCEL), work dir $WORK"
t0=$(date +%s)
timeout "${FALCO_SCAP_KMOD_TIMEOUT:-600}" qemu-system-x86_64 $ACCEL -m 512M -smp 2 -nographic -no-reboot \
  -kernel "$VMLINUZ" -initrd "$WORK/initramfs.gz" \
  -append "console=ttyS0 loglevel=4 panic=-1 oops=panic" > "$WORK/console.log" 2>&1
rc=$?
t1=$(date +%s)
grep "^KMOD:" "$WORK/console.log" | tr -d '\r'
echo "kmod-qemu: qemu exit $rc after $((t1 - t0)) s"
grep -q "KMOD: done" "$WORK/console.log" || { tail -30 "$WORK/console.log"; fail "guest did not finish (see $WORK/console.log)"; }
sed -n '/KMOD-CAPTURE-BEGIN/,/KMOD-CAPTURE-END/p' "$WORK/console.log" | tr -d '\r' | grep -v KMOD-CAPTURE | base64 -d | gunzip > "$WORK/cap.scap" || fail "capture did not decode"
echo "kmod-qemu: capture $(stat -c %s "$WORK/cap.scap") bytes at $WORK/cap.scap"

errs=()
for s in "insmod1 ok" "rmmod1 ok" "record1 rc=0" "rmmod4 ok"; do grep -q "KMOD: $s" "$WORK/console.log" || errs+=("missing '$s'"); done
grep -q "KMOD: dmesg 0 suspicious" "$WORK/console.log" || errs+=("kernel warnings in dmesg")
# slab after the reload cycles vs. after the first unload: no growth beyond 2 MiB
s1=$(grep "KMOD: meminfo1" "$WORK/console.log" | grep -o 'Slab: [0-9]*' | awk '{print $2}')
s2=$(grep "KMOD: meminfo2" "$WORK/console.log" | grep -o 'Slab: [0-9]*' | awk '{print $2}')
if [ -n "$s1" ] && [ -n "$s2" ] && [ $((s2 - s1)) -gt 2048 ]; then errs+=("slab grew ${s1}->${s2} kB"); fi

if [ -f "$ROOT/dist/cli/main.js" ]; then
  node "$ROOT/dist/cli/main.js" info "$WORK/cap.scap" > "$WORK/info.txt" 2>&1 || errs+=("falco-scap info failed")
  head -30 "$WORK/info.txt"
fi
if command -v sysdig >/dev/null; then
  sysdig -r "$WORK/cap.scap" > "$WORK/sysdig.txt" 2>"$WORK/sysdig.err" || errs+=("sysdig -r failed: $(tail -1 "$WORK/sysdig.err")")
  echo "kmod-qemu: sysdig read $(wc -l < "$WORK/sysdig.txt") events"
  grep -q "execve.*/tmp/true" "$WORK/sysdig.txt" || errs+=("no execve of /tmp/true")
  grep -q "open.*/etc/shadow" "$WORK/sysdig.txt" || errs+=("no open of /etc/shadow")
  grep -q "connect.*127.0.0.1" "$WORK/sysdig.txt" || errs+=("no connect to 127.0.0.1")
  grep -q "procexit" "$WORK/sysdig.txt" || errs+=("no procexit")
  grep -qE "clone|fork" "$WORK/sysdig.txt" || errs+=("no clone/fork")
fi
if [ ${#errs[@]} -gt 0 ]; then fail "${errs[*]}"; fi
echo "kmod-qemu: PASS ($((t1 - t0)) s in qemu, capture $(stat -c %s "$WORK/cap.scap") bytes)"
