// SPDX-License-Identifier: GPL-2.0-only
// The cheapest useful probe on the recorder's tracepoints: count sys_enter and
// sys_exit per CPU. bench/record-overhead.sh times workloads under it to get the
// floor any tracepoint-based recorder pays on the machine.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void bump(void) {
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &zero);
	if(v)
		*v += 1;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(count_enter, struct pt_regs *regs, long id) {
	bump();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(count_exit, struct pt_regs *regs, long ret) {
	bump();
	return 0;
}
