#!/bin/sh
# Builds the counting probe into $1 (default: a temporary directory; prints it).
# Needs clang, libbpf-dev and the vmlinux.h that `npm install` generates in driver/bpf.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I "$here/../../driver/bpf" -idirafter /usr/include/x86_64-linux-gnu \
  -c "$here/count.bpf.c" -o "$out/count.bpf.o"
cc -O2 -o "$out/count-probe" "$here/count.c" -lbpf
echo "$out"
