// SPDX-License-Identifier: GPL-2.0-only
/*
 * falco-scap CO-RE eBPF driver.
 *
 * Attached to BTF raw tracepoints (sys_enter, sys_exit, sched_process_fork,
 * sched_process_exec, sched_process_exit). Every event is encoded here, in
 * the kernel, in libscap's event format, straight into a per-CPU ring that
 * user space maps (see `struct ring`).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <asm/unistd_64.h>

#define SCRATCH_HALF 16384
#define ENC_U8 __u8
#define ENC_U16 __u16
#define ENC_U32 __u32
#define ENC_U64 __u64
#define ENC_OFF(x) ((x) & (SCRATCH_HALF - 1))
#define ENC_MAX_CHUNK 8192
#define ENC_READ_USER(d, l, s) bpf_probe_read_user((d), (l), (s))
#define ENC_READ_USER_STR(d, m, s) bpf_probe_read_user_str((d), (m), (s))
#define ENC_READ_KERNEL(d, l, s) bpf_probe_read_kernel((d), (l), (s))
#define ENC_READ_KERNEL_STR(d, m, s) bpf_probe_read_kernel_str((d), (m), (s))
#define ENC_BARRIER(x) asm volatile("" : "+r"(x))
#define ENC_DIRECT_STORES 1 /* x86-64 only driver: misaligned map-value stores are fine */
#include "../common/encode.h"
#include "../common/ppm_codes.h"
#include "../common/ppm_sc_x86_64.h"
#include "../common/flags.h"
#include "../common/sockets.h"
#include "../common/events.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before the object is loaded. */
const volatile __u32 cfg_snaplen = 80;
const volatile __u32 cfg_all_events = 1;  /* generic events for unhandled syscalls */
const volatile __u32 cfg_target_mode = 0; /* trace only tgids in `targets` */
const volatile __u32 cfg_self_tgid = 0;   /* the recorder: never traced */
const volatile __u64 cfg_boot_ts = 0;     /* boot time, ns since the epoch */
const volatile __u64 cfg_wakeup_bytes = 1 << 18; /* wake the reader past this much unread data */
const volatile __u64 cfg_ring_mask = (1 << 20) - 1; /* ring data bytes - 1 (a power of two) */
/* Readers built on 2022 event tables (sysdig 0.29) index fixed-size tables
 * with the event code and the generic-event syscall id: in this mode the
 * syscalls whose current events are newer than those tables are sent as
 * generic events, and syscall ids unknown to them as 0. */
const volatile __u32 cfg_compat_2022 = 0;
/* 0: no enter events for the syscalls whose exit event carries the same
 * parameters: read and write (fd, size) and generic events (syscall ids).
 * Current libsinsp takes them from the exit, as Falco's modern probe sends
 * exit events only; 2022 readers take the fd from the enter event (the loader
 * keeps this 1 in compat mode). */
const volatile __u32 cfg_redundant_enter = 1;
#define COMPAT_2022_MAX_EVENT 336
#define COMPAT_2022_MAX_SC 329

/* Mutable switch so user space can pause capture without detaching. */
volatile __u32 capture_on = 1;

#define PATH_MAX_LEN 1024
#define ARGS_MAX_LEN 4096
#define ENV_MAX_LEN 4096
#define MAX_CPUS 1024

/* Per-CPU event rings shared with user space (an mmapped array, one element
 * per CPU). Each event is encoded straight into its CPU's ring at the
 * producer position and published by one store of the new position, so an
 * event costs no copy and no reservation. (Encoding into a per-CPU batch and
 * sending it to a BPF ring buffer with bpf_ringbuf_output() copied every byte
 * once more: leaving that copy out took ~7% off the CPU time of tar and of
 * dd bs=1 under tracing; and partial batches needed a flush timer.) Events
 * stay whole and contiguous: one that reaches the end of the data runs on
 * into the RING_SLACK bytes past it, `wrap_end` notes where it ends, and the
 * next one starts at the wrapped position. An event is written only when
 * RING_SLACK bytes are free (more than the largest event plus the encoder's
 * scratch writes past it). This relies on x86 keeping stores in order (the
 * driver is x86-64 only) and on one program at a time per CPU, as the batch
 * did before it.
 * Header: the producer's words in the first cache line, the consumer's
 * position (written by user space) in a line of its own. */
#define RING_HDR 4096
#define RING_SLACK 65536
struct ring {
	__u64 prod;  /* bytes of events published since the start */
	__u64 events;
	__u64 drops;
	__u64 drops_buffer_full;
	__u64 drops_too_large;
	__u64 wrap_end; /* end of the last event that reached the end of the data */
	__u64 nest;     /* a program of this CPU is encoding (ring_enter) */
	__u64 pad0;
	__u64 cons;  /* bytes the reader has taken (user space) */
	__u64 pad1[(RING_HDR - 72) / 8];
	unsigned char data[];
};
/* user space reads these at fixed offsets (native/src/capture.cc) */
_Static_assert(__builtin_offsetof(struct ring, cons) == 64, "ring header layout");
_Static_assert(__builtin_offsetof(struct ring, data) == RING_HDR, "ring header size");
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, MAX_CPUS); /* the number of CPUs (loader) */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, RING_HDR + (1 << 20) + RING_SLACK); /* RING_HDR + ring bytes + RING_SLACK (loader) */
} rings SEC(".maps");

/* Wakes the reader: a BPF ring buffer gets a small record when a CPU's unread
 * data crosses cfg_wakeup_bytes (the reader also looks every 20 ms). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} doorbell SEC(".maps");

/* Target-pid mode: tgids being traced (the target and its descendants). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/* execve/execveat file name kept from the enter side, by tid. */
struct exec_name {
	char path[PATH_MAX_LEN];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct exec_name);
} exec_names SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_name);
} exec_name_tmp SEC(".maps");

/* ---- kernel constants that vmlinux.h (types only) does not carry ---- */
#define K_RLIMIT_NOFILE 7
#define K_PAGE_SHIFT 12

/* ---- small helpers ---- */

static __always_inline struct ring *get_ring(void) {
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&rings, &cpu);
}

static __always_inline void count_drop(struct ring *r, int too_large) {
	r->drops++;
	if(too_large)
		r->drops_too_large++;
	else
		r->drops_buffer_full++;
}

/* Where this CPU's next event is encoded, or NULL (a drop counted) when the
 * ring lacks RING_SLACK free bytes. */
static __always_inline unsigned char *ring_reserve(struct ring *r) {
	__u64 prod = r->prod;
	__u64 cons = *(volatile __u64 *)&r->cons;
	if(prod - cons > cfg_ring_mask + 1 - RING_SLACK) {
		count_drop(r, 0);
		return NULL;
	}
	return &r->data[prod & cfg_ring_mask];
}

static __always_inline unsigned char *get_scratch(void) {
	struct ring *r = get_ring();
	return r ? ring_reserve(r) : NULL;
}

/* Publish the event of `len` bytes at the producer position. The reader
 * sees it whole: the position is stored after the event's bytes (a compiler
 * barrier; x86 keeps stores in order). Wake the reader when this event takes
 * the unread data across the threshold; otherwise it finds the data on its
 * next look. */
static __always_inline void ring_commit(struct ring *r, __u32 len) {
	__u64 prod = r->prod;
	__u64 before = prod - *(volatile __u64 *)&r->cons;
	/* the reader copies events in at most two pieces: up to the end of the
	 * one that reaches the end of the data (into the slack), then from the start */
	if((prod & cfg_ring_mask) + len > cfg_ring_mask)
		r->wrap_end = prod + len;
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&r->prod = prod + len;
	r->events++;
	if(before < cfg_wakeup_bytes && before + len >= cfg_wakeup_bytes) {
		__u64 cpu = bpf_get_smp_processor_id();
		bpf_ringbuf_output(&doorbell, &cpu, sizeof(cpu), BPF_RB_FORCE_WAKEUP);
	}
}

/* One program at a time encodes into a CPU's ring. The kernel keeps a program
 * from recursing on a CPU, but where kernel code is preemptible (preempt=full)
 * a program can be preempted mid-event and a different one (the next task's
 * sys_exit, say) run on the same CPU: that one drops its event, counted,
 * instead of writing over the first one's. A flag, not a count: whoever is
 * preempted before setting it has not written anything yet. */
static __always_inline struct ring *ring_enter(void) {
	struct ring *r = get_ring();
	if(!r)
		return NULL;
	if(*(volatile __u64 *)&r->nest) {
		count_drop(r, 0);
		return NULL;
	}
	*(volatile __u64 *)&r->nest = 1;
	asm volatile("" ::: "memory");
	return r;
}

static __always_inline void ring_exit(struct ring *r) {
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&r->nest = 0;
}

/* Target-pid mode: the answer of the last `targets` lookup on this CPU, so a
 * busy traced process pays one hash lookup per change of process instead of
 * one per event. One 64-bit word (tgid << 32 | generation << 1 | traced), so
 * a preempted update never leaves a torn entry; `targets_gen` moves on every
 * change of `targets`, which invalidates every CPU's entry. */
__u32 targets_gen = 0;
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} target_cache SEC(".maps");

static __always_inline int is_target(__u32 tgid) {
	__u32 zero = 0;
	__u64 *slot = bpf_map_lookup_elem(&target_cache, &zero);
	__u32 gen = (targets_gen << 1) & 0xfffffffe;
	if(slot) {
		__u64 v = *slot;
		if((__u32)(v >> 32) == tgid && ((__u32)v & 0xfffffffe) == gen)
			return (__u32)v & 1;
	}
	int hit = bpf_map_lookup_elem(&targets, &tgid) != NULL;
	if(slot)
		*slot = ((__u64)tgid << 32) | gen | (hit ? 1 : 0);
	return hit;
}

static __always_inline void targets_changed(void) {
	__sync_fetch_and_add(&targets_gen, 1);
}

static __always_inline int should_trace_tgid(__u32 tgid) {
	if(!capture_on)
		return 0;
	if(tgid == cfg_self_tgid)
		return 0;
	if(cfg_target_mode && !is_target(tgid))
		return 0;
	return 1;
}

static __always_inline int should_trace(void) {
	return should_trace_tgid(bpf_get_current_pid_tgid() >> 32);
}

/* Finish the event encoded at this CPU's producer position and publish it. */
static __always_inline void submit(struct scap_enc *e, __u16 type) {
	__u64 tid = bpf_get_current_pid_tgid() & 0xffffffff;
	__u32 len = enc_finish(e, bpf_ktime_get_boot_ns() + cfg_boot_ts, tid, type);
	struct ring *r = get_ring();
	if(!r)
		return;
	if(len > SCRATCH_HALF || len < SCAP_EVT_HDR_LEN) {
		count_drop(r, len > SCRATCH_HALF);
		return;
	}
	ring_commit(r, len);
}

static __always_inline __u32 encode_dev(__u32 kdev) {
	/* kernel dev_t: major << 20 | minor */
	return fs_encode_dev(kdev >> 20, kdev & 0xfffff);
}

static __always_inline struct file *fd_to_file(struct task_struct *t, long fd) {
	struct files_struct *files = BPF_CORE_READ(t, files);
	if(!files || fd < 0)
		return NULL;
	struct fdtable *fdt = BPF_CORE_READ(files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if((unsigned long)fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline void file_dev_ino(struct file *f, __u32 *dev, __u64 *ino) {
	*dev = 0;
	*ino = 0;
	if(!f)
		return;
	struct inode *i = BPF_CORE_READ(f, f_inode);
	*ino = BPF_CORE_READ(i, i_ino);
	*dev = encode_dev(BPF_CORE_READ(i, i_sb, s_dev));
}

static __always_inline void enc_ptrace_dyn(struct scap_enc *e, __u64 v) {
	unsigned char *p = &e->buf[ENC_OFF(e->off)];
	p[0] = 0;
	enc_store64(p + 1, v);
	e->off += 9;
	enc_set_len(e, 9);
}

/* ---- socket helpers ---- */

static __always_inline struct sock *fd_to_sock(struct task_struct *t, long fd) {
	struct file *f = fd_to_file(t, fd);
	if(!f)
		return NULL;
	struct socket *s = BPF_CORE_READ(f, private_data);
	/* a file that is not a socket has other private data: check the ops */
	struct inode *i = BPF_CORE_READ(f, f_inode);
	umode_t mode = BPF_CORE_READ(i, i_mode);
	if((mode & 00170000) != 0140000)
		return NULL;
	return s ? BPF_CORE_READ(s, sk) : NULL;
}

/* PT_SOCKTUPLE of a connected socket: family, local addr/port, remote addr/port. */
static __always_inline void enc_socktuple(struct scap_enc *e, struct task_struct *t, long fd) {
	struct sock *sk = fd_to_sock(t, fd);
	if(!sk) {
		enc_empty(e);
		return;
	}
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	unsigned char *p = enc_cursor(e);
	if(fam == FS_AF_INET) {
		enc_tuple_inet(e, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr), BPF_CORE_READ(sk, __sk_common.skc_num),
		               BPF_CORE_READ(sk, __sk_common.skc_daddr),
		               fs_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)));
	} else if(fam == FS_AF_INET6) {
		bpf_probe_read_kernel(p + 1, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(p + 19, 16, &sk->__sk_common.skc_v6_daddr);
		enc_tuple_inet6_ports(e, BPF_CORE_READ(sk, __sk_common.skc_num),
		                      fs_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)));
	} else if(fam == FS_AF_UNIX) {
		struct unix_sock *us = (struct unix_sock *)sk;
		__u64 dst = (__u64)BPF_CORE_READ(us, peer);
		/* path of the peer (connect side) or ours */
		struct unix_sock *named = dst ? (struct unix_sock *)dst : us;
		struct unix_address *ua = BPF_CORE_READ(named, addr);
		long n = 0;
		if(ua && BPF_CORE_READ(ua, len) > 2) {
			n = bpf_probe_read_kernel_str(p + 17, FS_UNIX_PATH_MAX, (char *)&ua->name[0] + 2);
			if(n <= 1) /* abstract socket: leading NUL */
				n = bpf_probe_read_kernel_str(p + 17, FS_UNIX_PATH_MAX, (char *)&ua->name[0] + 3);
		}
		enc_tuple_unix(e, (__u64)sk, dst, n);
	} else {
		enc_empty(e);
	}
}

/* PT_SOCKADDR from a user sockaddr. */
static __always_inline void enc_sockaddr_user(struct scap_enc *e, const void *uaddr, int ulen) {
	unsigned char *p = enc_cursor(e);
	__u16 fam = 0;
	if(!uaddr || ulen < 2 || bpf_probe_read_user(&fam, 2, uaddr)) {
		enc_empty(e);
		return;
	}
	if(fam == FS_AF_INET && ulen >= 8) {
		struct sockaddr_in sin = {};
		bpf_probe_read_user(&sin, sizeof(sin), uaddr);
		enc_sockaddr_inet(e, sin.sin_addr.s_addr, fs_ntohs(sin.sin_port));
	} else if(fam == FS_AF_INET6 && ulen >= 24) {
		struct sockaddr_in6 sin6 = {};
		bpf_probe_read_user(&sin6, sizeof(sin6), uaddr);
		__builtin_memcpy(p + 1, &sin6.sin6_addr, 16);
		enc_sockaddr_inet6_port(e, fs_ntohs(sin6.sin6_port));
	} else if(fam == FS_AF_UNIX) {
		long n = bpf_probe_read_user_str(p + 1, FS_UNIX_PATH_MAX, (const char *)uaddr + 2);
		if(n <= 1) /* abstract socket: leading NUL */
			n = bpf_probe_read_user_str(p + 1, FS_UNIX_PATH_MAX, (const char *)uaddr + 3);
		enc_sockaddr_unix(e, n);
	} else {
		enc_empty(e);
	}
}

/* ---- process information (clone/execve exit) ---- */

static __always_inline __u64 mm_counter(struct mm_struct *mm, int i) {
	s64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), &mm->rss_stat[i & 3].count);
	return v > 0 ? (__u64)v : 0;
}

static __always_inline void enc_exe_args(struct scap_enc *e, struct task_struct *t) {
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long as = 0, ae = 0;
	if(mm) {
		as = BPF_CORE_READ(mm, arg_start);
		ae = BPF_CORE_READ(mm, arg_end);
	}
	if(!mm || ae <= as) {
		enc_empty(e); /* exe */
		enc_empty(e); /* args */
		return;
	}
	/* exe: argv[0] */
	__u32 before = e->off;
	enc_user_str(e, (void *)as, PATH_MAX_LEN);
	__u32 exelen = e->off - before;
	/* args: the rest of the argument area */
	unsigned long rest = ae - as;
	if(rest > exelen)
		enc_user_bytes(e, (void *)(as + exelen), rest - exelen, ARGS_MAX_LEN);
	else
		enc_empty(e);
}

static __always_inline void enc_env(struct scap_enc *e, struct task_struct *t) {
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	if(!mm) {
		enc_empty(e);
		return;
	}
	unsigned long es = BPF_CORE_READ(mm, env_start), ee = BPF_CORE_READ(mm, env_end);
	if(ee <= es) {
		enc_empty(e);
		return;
	}
	enc_user_bytes(e, (void *)es, ee - es, ENV_MAX_LEN);
}

static __always_inline void enc_fdlimit_pf_vm(struct scap_enc *e, struct task_struct *t, int signed_limit) {
	__u64 lim = BPF_CORE_READ(t, signal, rlim[K_RLIMIT_NOFILE].rlim_cur);
	enc_u64(e, lim);
	(void)signed_limit;
	enc_u64(e, BPF_CORE_READ(t, maj_flt));
	enc_u64(e, BPF_CORE_READ(t, min_flt));
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	__u32 vsz = 0, rss = 0, swp = 0;
	if(mm) {
		vsz = BPF_CORE_READ(mm, total_vm) << (K_PAGE_SHIFT - 10);
		rss = (mm_counter(mm, MM_FILEPAGES) + mm_counter(mm, MM_ANONPAGES) +
		       mm_counter(mm, MM_SHMEMPAGES))
		      << (K_PAGE_SHIFT - 10);
		swp = mm_counter(mm, MM_SWAPENTS) << (K_PAGE_SHIFT - 10);
	}
	enc_u32(e, vsz);
	enc_u32(e, rss);
	enc_u32(e, swp);
}

static __always_inline void enc_comm(struct scap_enc *e, struct task_struct *t) {
	enc_kernel_str(e, &t->comm[0], 16);
}

static __always_inline __s64 pid_nr_level(struct pid *p, int top) {
	if(!p)
		return 0;
	unsigned int level = top ? 0 : BPF_CORE_READ(p, level);
	int nr = 0;
	bpf_probe_read_kernel(&nr, sizeof(nr), &p->numbers[level & 31].nr);
	return nr;
}

static __always_inline __s64 task_vtid(struct task_struct *t) {
	return pid_nr_level(BPF_CORE_READ(t, thread_pid), 0);
}

static __always_inline __s64 task_vpid(struct task_struct *t) {
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);
	return pid_nr_level(BPF_CORE_READ(leader, thread_pid), 0);
}

static __always_inline __u32 task_tty(struct task_struct *t) {
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if(!tty)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	int major = BPF_CORE_READ(tty, driver, major);
	int minor = BPF_CORE_READ(tty, driver, minor_start) + index;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
}

static __always_inline void enc_pidns_start(struct scap_enc *e, struct task_struct *t) {
	/* start time of the init task of this task's pid namespace */
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	struct pid_namespace *ns = NULL;
	bpf_probe_read_kernel(&ns, sizeof(ns), &p->numbers[level & 31].ns);
	struct task_struct *child_reaper = BPF_CORE_READ(ns, child_reaper);
	enc_u64(e, child_reaper ? BPF_CORE_READ(child_reaper, start_time) : 0);
}


/* ---- cgroups (unified hierarchy) ---- */

struct kernfs_node___pre615 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

#define CG_DEPTH 16
#define CG_PATH 1024
struct cg_tmp {
	char path[CG_PATH + 512]; /* the path is built right-aligned in [pos, CG_PATH) */
	char name[256];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cg_tmp);
} cg_tmp_map SEC(".maps");

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn) {
	if(bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___pre615 *)kn, parent);
}

struct cg_walk {
	struct kernfs_node *kn;
	struct cg_tmp *tmp;
	__u32 pos;
};

/* one level of the walk from the task's cgroup up to (not including) the root */
static long cg_step(__u32 i, void *ctx) {
	struct cg_walk *w = ctx;
	struct kernfs_node *kn = w->kn;
	if(!kn)
		return 1;
	struct kernfs_node *parent = kn_parent(kn);
	if(!parent)
		return 1;
	const char *name = BPF_CORE_READ(kn, name);
	long n = bpf_probe_read_kernel_str(w->tmp->name, sizeof(w->tmp->name), name);
	w->kn = parent;
	if(n <= 1)
		return 0;
	__u32 nl = (__u32)(n - 1) & 255;
	if(w->pos < nl + 1)
		return 1;
	__u32 pos = w->pos - nl;
	bpf_probe_read_kernel(&w->tmp->path[pos & (CG_PATH - 1)], nl, w->tmp->name);
	pos -= 1;
	w->tmp->path[pos & (CG_PATH - 1)] = '/';
	w->pos = pos;
	return 0;
}

/* Build the path of one controller's cgroup in tmp; returns the start offset.
 * The path is [pos, CG_PATH] including a NUL; no branches on the data. */
static __always_inline __u32 cg_path(struct cg_tmp *tmp, struct task_struct *t, int ssid) {
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	bpf_probe_read_kernel(&css, sizeof(css), &cs->subsys[ssid]);
	struct cg_walk w = {.kn = BPF_CORE_READ(css, cgroup, kn), .tmp = tmp, .pos = CG_PATH};
	tmp->path[CG_PATH - 1] = '/'; /* stays when the cgroup is the root */
	tmp->path[CG_PATH] = 0;
	bpf_loop(CG_DEPTH, cg_step, &w, 0);
	__u32 pos = w.pos;
	pos -= (pos >> 10) & 1; /* CG_PATH (root) -> CG_PATH - 1 */
	return pos & (CG_PATH - 1);
}

#define CG_OUT 8192
#define CG_MAX_TOTAL 4096 /* SCAP_MAX_CGROUPS_SIZE: whole entries only */
struct cg_out {
	char data[2 * CG_OUT];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cg_out);
} cg_out_map SEC(".maps");

/* Writes "controller=path\0..." for the current task into cg_out_map, as
 * libscap lists cgroups (per controller: the v1 hierarchy path, or on v2 the
 * cgroup where the controller applies). Returns the length. A global function:
 * the verifier checks it once, apart from its callers. */
__noinline int build_cgroups(int unused) {
	__u32 zero = 0;
	struct cg_tmp *tmp = bpf_map_lookup_elem(&cg_tmp_map, &zero);
	struct cg_out *out = bpf_map_lookup_elem(&cg_out_map, &zero);
	if(!tmp || !out)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 off = 0;
#define CG_ENTRY(lit, id)                                                          \
	{                                                                              \
		__u32 pos = cg_path(tmp, t, bpf_core_enum_value(enum cgroup_subsys_id, id)); \
		__u32 l = CG_PATH + 1 - pos;                                               \
		ENC_BARRIER(l);                                                            \
		l &= 2047;                                                                 \
		if(off + sizeof(lit) - 1 + l > CG_MAX_TOTAL)                               \
			goto done;                                                             \
		__builtin_memcpy(&out->data[off & (CG_OUT - 1)], lit, sizeof(lit) - 1);    \
		off += sizeof(lit) - 1;                                                    \
		bpf_probe_read_kernel(&out->data[off & (CG_OUT - 1)], l, &tmp->path[pos]); \
		off += l;                                                                  \
	}
	CG_ENTRY("cpuset=", cpuset_cgrp_id)
	CG_ENTRY("cpu=", cpu_cgrp_id)
	CG_ENTRY("cpuacct=", cpuacct_cgrp_id)
	CG_ENTRY("io=", io_cgrp_id)
	CG_ENTRY("memory=", memory_cgrp_id)
	CG_ENTRY("pids=", pids_cgrp_id)
#undef CG_ENTRY
done:
	return off & (CG_OUT - 1);
}

static __always_inline void enc_cgroups(struct scap_enc *e, struct task_struct *t) {
	__u32 zero = 0;
	/* a global function's arguments must be scalars: make sure clang sets
	 * the unused one instead of leaving whatever r1 held */
	int arg = 0;
	ENC_BARRIER(arg);
	__u32 l = build_cgroups(arg);
	struct cg_out *out = bpf_map_lookup_elem(&cg_out_map, &zero);
	if(!out) {
		enc_empty(e);
		return;
	}
	enc_kernel_bytes(e, out->data, l, CG_OUT - 1);
}

/* ---- executable path (walk of dentries and mounts up to the global root) ---- */

#define XP_DEPTH 48
#define XP_PATH 4096
struct xp_tmp {
	char path[XP_PATH + 512]; /* built right-aligned in [pos, XP_PATH), NUL at XP_PATH */
	char name[256];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xp_tmp);
} xp_tmp_map SEC(".maps");

struct xp_walk {
	struct dentry *d;
	struct mount *m;
	struct xp_tmp *tmp;
	__u32 pos;
};

static long xp_step(__u32 i, void *ctx) {
	struct xp_walk *w = ctx;
	struct dentry *d = w->d;
	struct mount *m = w->m;
	if(!d || !m)
		return 1;
	struct dentry *mnt_root = BPF_CORE_READ(m, mnt.mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if(d == mnt_root || d == parent) {
		struct mount *mp = BPF_CORE_READ(m, mnt_parent);
		if(d != mnt_root || mp == m || !mp)
			return 1; /* the global root */
		w->d = BPF_CORE_READ(m, mnt_mountpoint);
		w->m = mp;
		return 0;
	}
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	long n = bpf_probe_read_kernel_str(w->tmp->name, sizeof(w->tmp->name), name);
	w->d = parent;
	if(n <= 1)
		return 0;
	__u32 nl = (__u32)(n - 1) & 255;
	if(w->pos < nl + 1)
		return 1;
	__u32 pos = w->pos - nl;
	bpf_probe_read_kernel(&w->tmp->path[pos & (XP_PATH - 1)], nl, w->tmp->name);
	pos -= 1;
	w->tmp->path[pos & (XP_PATH - 1)] = '/';
	w->pos = pos;
	return 0;
}

/* Absolute path (from the global root) of the current task's executable
 * (cwd = 0) or working directory (cwd = 1) in xp_tmp_map; returns the start
 * offset of the NUL-terminated path, or XP_PATH when unknown. A global
 * function: the verifier checks it once, apart from its callers. */
__noinline int build_path(int cwd) {
	__u32 zero = 0;
	struct xp_tmp *tmp = bpf_map_lookup_elem(&xp_tmp_map, &zero);
	if(!tmp)
		return XP_PATH;
	struct task_struct *t = bpf_get_current_task_btf();
	struct dentry *d;
	struct vfsmount *vm;
	if(cwd) {
		struct fs_struct *fs = BPF_CORE_READ(t, fs);
		if(!fs)
			return XP_PATH;
		d = BPF_CORE_READ(fs, pwd.dentry);
		vm = BPF_CORE_READ(fs, pwd.mnt);
	} else {
		struct file *exe = BPF_CORE_READ(t, mm, exe_file);
		if(!exe)
			return XP_PATH;
		d = BPF_CORE_READ(exe, f_path.dentry);
		vm = BPF_CORE_READ(exe, f_path.mnt);
	}
	struct xp_walk w = {
	        .d = d,
	        .m = container_of(vm, struct mount, mnt),
	        .tmp = tmp,
	        .pos = XP_PATH,
	};
	tmp->path[XP_PATH] = 0;
	bpf_loop(XP_DEPTH, xp_step, &w, 0);
	if(w.pos >= XP_PATH) {
		if(!cwd)
			return XP_PATH;
		/* the walk added nothing: the directory is the root itself */
		tmp->path[XP_PATH - 1] = '/';
		return XP_PATH - 1;
	}
	return w.pos & (XP_PATH - 1);
}

static __always_inline void enc_task_path(struct scap_enc *e, int cwd) {
	__u32 zero = 0;
	__u32 pos = build_path(cwd);
	struct xp_tmp *tmp = bpf_map_lookup_elem(&xp_tmp_map, &zero);
	if(!tmp || pos >= XP_PATH) {
		enc_empty(e);
		return;
	}
	pos &= XP_PATH - 1;
	enc_kernel_bytes(e, &tmp->path[pos], XP_PATH + 1 - pos, PATH_MAX_LEN);
}

/* The 21 parameters of the clone/fork/vfork/clone3 exit events. */
__noinline int emit_clone_x(__u32 type, long ret, __u64 kflags) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct scap_enc e;
	enc_begin(&e, buf, type, 21);
	enc_s64(&e, ret);
	enc_exe_args(&e, t);
	enc_s64(&e, BPF_CORE_READ(t, pid));
	enc_s64(&e, BPF_CORE_READ(t, tgid));
	enc_s64(&e, BPF_CORE_READ(t, real_parent, pid));
	enc_task_path(&e, 1); /* cwd */
	enc_fdlimit_pf_vm(&e, t, 1);
	enc_comm(&e, t);
	enc_cgroups(&e, t);
	__u32 f = fs_clone_flags_to_scap(kflags);
	enc_u32(&e, f);
	enc_u32(&e, BPF_CORE_READ(t, cred, euid.val));
	enc_u32(&e, BPF_CORE_READ(t, cred, egid.val));
	enc_s64(&e, task_vtid(t));
	enc_s64(&e, task_vpid(t));
	enc_pidns_start(&e, t);
	submit(&e, type);
	return 0;
}

static __always_inline __u64 inode_time(struct inode *i, int ctime) {
	__s64 sec = 0;
	__u32 nsec = 0;
	if(bpf_core_field_exists(i->i_ctime_sec)) {
		if(ctime) {
			sec = BPF_CORE_READ(i, i_ctime_sec);
			nsec = BPF_CORE_READ(i, i_ctime_nsec);
		} else {
			sec = BPF_CORE_READ(i, i_mtime_sec);
			nsec = BPF_CORE_READ(i, i_mtime_nsec);
		}
	}
	return (__u64)sec * 1000000000ull + nsec;
}

/* execve (31 params) / execveat (30 params) exit. */
__noinline int emit_execve_x(__u32 type, long ret) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tid = BPF_CORE_READ(t, pid);
	struct scap_enc e;
	__u32 np = type == PPME_SYSCALL_EXECVE_19_X ? 31 : 30;
	enc_begin(&e, buf, type, np);
	enc_s64(&e, ret);
	enc_exe_args(&e, t);
	enc_s64(&e, tid);
	enc_s64(&e, BPF_CORE_READ(t, tgid));
	enc_s64(&e, BPF_CORE_READ(t, real_parent, tgid));
	enc_task_path(&e, 1); /* cwd */
	enc_fdlimit_pf_vm(&e, t, 0);
	enc_comm(&e, t);
	enc_cgroups(&e, t);
	enc_env(&e, t);
	enc_u32(&e, task_tty(t));
	struct pid *pg = BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]);
	enc_s64(&e, pid_nr_level(pg, 0)); /* vpgid */
	enc_u32(&e, BPF_CORE_READ(t, loginuid.val));
	__u32 flags = 0;
	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	struct inode *ei = exe ? BPF_CORE_READ(exe, f_inode) : NULL;
	if(ei && BPF_CORE_READ(ei, i_nlink) == 0)
		flags |= 1 << 2; /* memfd / deleted executable */
	enc_u32(&e, flags);
	enc_u64(&e, BPF_CORE_READ(t, cred, cap_inheritable.val));
	enc_u64(&e, BPF_CORE_READ(t, cred, cap_permitted.val));
	enc_u64(&e, BPF_CORE_READ(t, cred, cap_effective.val));
	enc_u64(&e, ei ? BPF_CORE_READ(ei, i_ino) : 0);
	enc_u64(&e, ei ? inode_time(ei, 1) : 0);
	enc_u64(&e, ei ? inode_time(ei, 0) : 0);
	enc_u32(&e, BPF_CORE_READ(t, cred, euid.val));
	enc_task_path(&e, 0); /* trusted_exepath */
	enc_s64(&e, pid_nr_level(pg, 1));
	enc_u32(&e, BPF_CORE_READ(t, cred, egid.val));
	if(np == 31) {
		struct exec_name *n = bpf_map_lookup_elem(&exec_names, &tid);
		if(n)
			enc_kernel_str(&e, n->path, PATH_MAX_LEN);
		else
			enc_empty(&e);
	}
	bpf_map_delete_elem(&exec_names, &tid);
	submit(&e, type);
	return 0;
}

/* ---- syscall argument access ---- */

struct sargs {
	unsigned long a[6];
};

/* The common path, read and write, written straight into the batch (no
 * generic encoder): the same bytes emit_io writes. */
#define RW_E_LEN (SCAP_EVT_HDR_LEN + 2 * 2 + 8 + 4)
#define RW_X_FIXED (SCAP_EVT_HDR_LEN + 4 * 2 + 8 + 8 + 4)
#define RW_FAST_MAX_SNAP 4096

static __always_inline void rw_hdr(unsigned char *b, __u64 tid, __u32 len, __u16 type, __u32 nparams) {
	enc_store64(&b[0], bpf_ktime_get_boot_ns() + cfg_boot_ts);
	enc_store64(&b[8], tid);
	enc_store32(&b[16], len);
	enc_store16(&b[20], type);
	enc_store32(&b[22], nparams);
}

/* Inlined into the programs: the hottest path pays no call and no second
 * batch lookup. */
static __always_inline int fast_rw(struct ring *r, int enter, long id, long ret, struct pt_regs *regs,
                                   __u64 pid_tgid) {
	unsigned char *b = ring_reserve(r);
	if(!b)
		return 0;
	__u64 tid = pid_tgid & 0xffffffff;
	long fd = (int)regs->di;
	__u32 size = regs->dx;
	int is_read = id == __NR_read;
	if(enter) {
		rw_hdr(b, tid, RW_E_LEN, is_read ? PPME_SYSCALL_READ_E : PPME_SYSCALL_WRITE_E, 2);
		enc_store16(&b[26], 8);
		enc_store16(&b[28], 4);
		enc_store64(&b[30], fd);
		enc_store32(&b[38], size);
		ring_commit(r, RW_E_LEN);
		return 0;
	}
	__u32 n = 0;
	if(ret > 0) {
		__u64 want = is_read ? (__u64)ret : size;
		__u32 snap = cfg_snaplen;
		n = want < snap ? want : snap;
		ENC_BARRIER(n);
		n &= RW_FAST_MAX_SNAP * 2 - 1;
		if(n > RW_FAST_MAX_SNAP)
			n = RW_FAST_MAX_SNAP;
		if(n && bpf_probe_read_user(&b[SCAP_EVT_HDR_LEN + 8 + 8], n, (void *)regs->si) != 0)
			n = 0;
	}
	ENC_BARRIER(n);
	n &= RW_FAST_MAX_SNAP * 2 - 1;
	if(n > RW_FAST_MAX_SNAP)
		n = RW_FAST_MAX_SNAP;
	__u32 len = RW_X_FIXED + n;
	rw_hdr(b, tid, len, is_read ? PPME_SYSCALL_READ_X : PPME_SYSCALL_WRITE_X, 4);
	enc_store16(&b[26], 8);
	enc_store16(&b[28], n);
	enc_store16(&b[30], 8);
	enc_store16(&b[32], 4);
	enc_store64(&b[34], ret);
	unsigned char *tail = b + SCAP_EVT_HDR_LEN + 8 + 8 + n;
	enc_store64(&tail[0], fd);
	enc_store32(&tail[8], size);
	ring_commit(r, len);
	return 0;
}

/* Generic events (syscalls without an event of their own: newfstatat,
 * getdents64, ... a third of tar's events), also written inline. */
#define GENERIC_LEN (SCAP_EVT_HDR_LEN + 2 * 2 + 2 + 2)
static __always_inline __u16 ppm_sc_of(long id);
static __always_inline void fast_generic(struct ring *r, int enter, long id, __u64 pid_tgid) {
	unsigned char *b = ring_reserve(r);
	if(!b)
		return;
	rw_hdr(b, pid_tgid & 0xffffffff, GENERIC_LEN, enter ? PPME_GENERIC_E : PPME_GENERIC_X, 2);
	enc_store16(&b[26], 2);
	enc_store16(&b[28], 2);
	enc_store16(&b[30], ppm_sc_of(id));
	enc_store16(&b[32], (__u16)id);
	ring_commit(r, GENERIC_LEN);
}

/* regs is a BTF pointer in tp_btf programs: plain loads, no helper calls. */
static __always_inline void read_args(struct pt_regs *regs, struct sargs *s) {
	s->a[0] = regs->di;
	s->a[1] = regs->si;
	s->a[2] = regs->dx;
	s->a[3] = regs->r10;
	s->a[4] = regs->r8;
	s->a[5] = regs->r9;
}

static __always_inline __u16 ppm_sc_of(long id) {
	if(id < 0 || id >= SCAP_NSYSCALLS_X86_64)
		return 0;
	__u16 sc = scap_x86_64_to_ppm_sc[id];
	if(cfg_compat_2022 && sc >= COMPAT_2022_MAX_SC)
		return 0;
	return sc;
}

/* Data-carrying I/O: read/write/pread/pwrite/readv/writev/sendto/recvfrom/sendmsg/recvmsg. */
static __noinline int emit_io(int enter, long id, long ret, struct sargs *s) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct scap_enc e;
	__u16 type;
	long fd = (int)s->a[0];
	__u32 size = s->a[2];
	__u32 snap = cfg_snaplen;
	switch(id) {
	case __NR_read:
	case __NR_write:
		type = id == __NR_read ? (enter ? PPME_SYSCALL_READ_E : PPME_SYSCALL_READ_X)
		                       : (enter ? PPME_SYSCALL_WRITE_E : PPME_SYSCALL_WRITE_X);
		if(enter) {
			enc_begin(&e, buf, type, 2);
			enc_s64(&e, fd);
			enc_u32(&e, size);
		} else {
			enc_begin(&e, buf, type, 4);
			enc_s64(&e, ret);
			if(ret > 0)
				enc_user_bytes(&e, (void *)s->a[1], id == __NR_read ? ret : size, snap);
			else
				enc_empty(&e);
			enc_s64(&e, fd);
			enc_u32(&e, size);
		}
		break;
	case __NR_pread64:
	case __NR_pwrite64:
		type = id == __NR_pread64 ? (enter ? PPME_SYSCALL_PREAD_E : PPME_SYSCALL_PREAD_X)
		                          : (enter ? PPME_SYSCALL_PWRITE_E : PPME_SYSCALL_PWRITE_X);
		if(enter) {
			enc_begin(&e, buf, type, 3);
			enc_s64(&e, fd);
			enc_u32(&e, size);
			enc_u64(&e, s->a[3]);
		} else {
			enc_begin(&e, buf, type, 5);
			enc_s64(&e, ret);
			if(ret > 0)
				enc_user_bytes(&e, (void *)s->a[1], id == __NR_pread64 ? ret : size, snap);
			else
				enc_empty(&e);
			enc_s64(&e, fd);
			enc_u32(&e, size);
			enc_u64(&e, s->a[3]);
		}
		break;
	case __NR_readv:
	case __NR_writev: {
		type = id == __NR_readv ? (enter ? PPME_SYSCALL_READV_E : PPME_SYSCALL_READV_X)
		                        : (enter ? PPME_SYSCALL_WRITEV_E : PPME_SYSCALL_WRITEV_X);
		struct iovec iov = {};
		if(s->a[2] > 0)
			bpf_probe_read_user(&iov, sizeof(iov), (void *)s->a[1]);
		if(enter) {
			/* readv_E: fd ; writev_E: fd, size */
			enc_begin(&e, buf, type, id == __NR_readv ? 1 : 2);
			enc_s64(&e, fd);
			if(id == __NR_writev)
				enc_u32(&e, iov.iov_len);
		} else if(id == __NR_readv) {
			enc_begin(&e, buf, type, 4);
			enc_s64(&e, ret);
			enc_u32(&e, ret > 0 ? ret : 0);
			if(ret > 0)
				enc_user_bytes(&e, iov.iov_base, ret < iov.iov_len ? ret : iov.iov_len, snap);
			else
				enc_empty(&e);
			enc_s64(&e, fd);
		} else {
			enc_begin(&e, buf, type, 4);
			enc_s64(&e, ret);
			if(ret > 0)
				enc_user_bytes(&e, iov.iov_base, iov.iov_len, snap);
			else
				enc_empty(&e);
			enc_s64(&e, fd);
			enc_u32(&e, iov.iov_len);
		}
		break;
	}
	case __NR_sendto:
		type = enter ? PPME_SOCKET_SENDTO_E : PPME_SOCKET_SENDTO_X;
		if(enter) {
			enc_begin(&e, buf, type, 3);
			enc_s64(&e, fd);
			enc_u32(&e, size);
			enc_socktuple(&e, t, fd);
		} else {
			enc_begin(&e, buf, type, 5);
			enc_s64(&e, ret);
			if(ret > 0)
				enc_user_bytes(&e, (void *)s->a[1], size, snap);
			else
				enc_empty(&e);
			enc_s64(&e, fd);
			enc_u32(&e, size);
			enc_socktuple(&e, t, fd);
		}
		break;
	case __NR_recvfrom:
		type = enter ? PPME_SOCKET_RECVFROM_E : PPME_SOCKET_RECVFROM_X;
		if(enter) {
			enc_begin(&e, buf, type, 2);
			enc_s64(&e, fd);
			enc_u32(&e, size);
		} else {
			enc_begin(&e, buf, type, 5);
			enc_s64(&e, ret);
			if(ret > 0)
				enc_user_bytes(&e, (void *)s->a[1], ret, snap);
			else
				enc_empty(&e);
			enc_socktuple(&e, t, fd);
			enc_s64(&e, fd);
			enc_u32(&e, size);
		}
		break;
	case __NR_sendmsg:
	case __NR_recvmsg: {
		struct user_msghdr mh = {};
		struct iovec iov = {};
		bpf_probe_read_user(&mh, sizeof(mh), (void *)s->a[1]);
		if(mh.msg_iovlen > 0)
			bpf_probe_read_user(&iov, sizeof(iov), mh.msg_iov);
		if(id == __NR_sendmsg) {
			type = enter ? PPME_SOCKET_SENDMSG_E : PPME_SOCKET_SENDMSG_X;
			if(enter) {
				enc_begin(&e, buf, type, 3);
				enc_s64(&e, fd);
				enc_u32(&e, iov.iov_len);
				enc_socktuple(&e, t, fd);
			} else {
				enc_begin(&e, buf, type, 5);
				enc_s64(&e, ret);
				if(ret > 0)
					enc_user_bytes(&e, iov.iov_base, iov.iov_len, snap);
				else
					enc_empty(&e);
				enc_s64(&e, fd);
				enc_u32(&e, iov.iov_len);
				enc_socktuple(&e, t, fd);
			}
		} else {
			type = enter ? PPME_SOCKET_RECVMSG_E : PPME_SOCKET_RECVMSG_X;
			if(enter) {
				enc_begin(&e, buf, type, 1);
				enc_s64(&e, fd);
			} else {
				enc_begin(&e, buf, type, 6);
				enc_s64(&e, ret);
				enc_u32(&e, ret > 0 ? ret : 0);
				if(ret > 0)
					enc_user_bytes(&e, iov.iov_base, ret < iov.iov_len ? ret : iov.iov_len, snap);
				else
					enc_empty(&e);
				enc_socktuple(&e, t, fd);
				enc_empty(&e); /* msgcontrol */
				enc_s64(&e, fd);
			}
		}
		break;
	}
	default:
		return 0;
	}
	submit(&e, type);
	return 0;
}

/* open family */
static __noinline int emit_open(int enter, long id, long ret, struct sargs *s) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct scap_enc e;
	__u16 type;
	__u32 dev = 0;
	__u64 ino = 0;
	if(!enter && ret >= 0)
		file_dev_ino(fd_to_file(t, ret), &dev, &ino);
	switch(id) {
	case __NR_open: {
		__u32 fl = s->a[1], mode = s->a[2];
		type = enter ? PPME_SYSCALL_OPEN_E : PPME_SYSCALL_OPEN_X;
		enc_begin(&e, buf, type, enter ? 3 : 6);
		if(!enter)
			enc_s64(&e, ret);
		enc_user_str(&e, (void *)s->a[0], PATH_MAX_LEN);
		enc_u32(&e, fs_open_flags_to_scap(fl));
		enc_u32(&e, fs_open_mode_to_scap(fl, mode));
		if(!enter) {
			enc_u32(&e, dev);
			enc_u64(&e, ino);
		}
		break;
	}
	case __NR_creat: {
		__u32 mode = s->a[1];
		type = enter ? PPME_SYSCALL_CREAT_E : PPME_SYSCALL_CREAT_X;
		enc_begin(&e, buf, type, enter ? 2 : 6);
		if(!enter)
			enc_s64(&e, ret);
		enc_user_str(&e, (void *)s->a[0], PATH_MAX_LEN);
		enc_u32(&e, mode & 07777);
		if(!enter) {
			enc_u32(&e, dev);
			enc_u64(&e, ino);
			enc_u16(&e, 0);
		}
		break;
	}
	case __NR_openat: {
		__u32 fl = s->a[2], mode = s->a[3];
		type = enter ? PPME_SYSCALL_OPENAT_2_E : PPME_SYSCALL_OPENAT_2_X;
		enc_begin(&e, buf, type, enter ? 4 : 7);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)s->a[0]);
		enc_user_str(&e, (void *)s->a[1], PATH_MAX_LEN);
		enc_u32(&e, fs_open_flags_to_scap(fl));
		enc_u32(&e, fs_open_mode_to_scap(fl, mode));
		if(!enter) {
			enc_u32(&e, dev);
			enc_u64(&e, ino);
		}
		break;
	}
	case __NR_openat2: {
		struct open_how how = {};
		bpf_probe_read_user(&how, sizeof(how), (void *)s->a[2]);
		type = enter ? PPME_SYSCALL_OPENAT2_E : PPME_SYSCALL_OPENAT2_X;
		enc_begin(&e, buf, type, enter ? 5 : 8);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)s->a[0]);
		enc_user_str(&e, (void *)s->a[1], PATH_MAX_LEN);
		enc_u32(&e, fs_open_flags_to_scap(how.flags));
		enc_u32(&e, fs_open_mode_to_scap(how.flags, how.mode));
		enc_u32(&e, how.resolve); /* RESOLVE_* bits match PPM_RESOLVE_* order */
		if(!enter) {
			enc_u32(&e, dev);
			enc_u64(&e, ino);
		}
		break;
	}
	default:
		return 0;
	}
	submit(&e, type);
	return 0;
}

/* Path-only syscalls: unlink, rmdir, mkdir, rename, link, symlink, chdir, chroot and *at forms. */
static __noinline int emit_paths(int enter, long id, long ret, struct sargs *s) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct scap_enc e;
	__u16 type;
	void *a0 = (void *)s->a[0], *a1 = (void *)s->a[1], *a2 = (void *)s->a[2],
	     *a3 = (void *)s->a[3];
	switch(id) {
	case __NR_unlink:
		type = enter ? PPME_SYSCALL_UNLINK_2_E : PPME_SYSCALL_UNLINK_2_X;
		break;
	case __NR_unlinkat:
		type = enter ? PPME_SYSCALL_UNLINKAT_2_E : PPME_SYSCALL_UNLINKAT_2_X;
		break;
	case __NR_rmdir:
		type = enter ? PPME_SYSCALL_RMDIR_2_E : PPME_SYSCALL_RMDIR_2_X;
		break;
	case __NR_mkdir:
		type = enter ? PPME_SYSCALL_MKDIR_2_E : PPME_SYSCALL_MKDIR_2_X;
		break;
	case __NR_mkdirat:
		type = enter ? PPME_SYSCALL_MKDIRAT_E : PPME_SYSCALL_MKDIRAT_X;
		break;
	case __NR_rename:
		type = enter ? PPME_SYSCALL_RENAME_E : PPME_SYSCALL_RENAME_X;
		break;
	case __NR_renameat:
		type = enter ? PPME_SYSCALL_RENAMEAT_E : PPME_SYSCALL_RENAMEAT_X;
		break;
	case __NR_renameat2:
		type = enter ? PPME_SYSCALL_RENAMEAT2_E : PPME_SYSCALL_RENAMEAT2_X;
		break;
	case __NR_link:
		type = enter ? PPME_SYSCALL_LINK_2_E : PPME_SYSCALL_LINK_2_X;
		break;
	case __NR_linkat:
		type = enter ? PPME_SYSCALL_LINKAT_2_E : PPME_SYSCALL_LINKAT_2_X;
		break;
	case __NR_symlink:
		type = enter ? PPME_SYSCALL_SYMLINK_E : PPME_SYSCALL_SYMLINK_X;
		break;
	case __NR_symlinkat:
		type = enter ? PPME_SYSCALL_SYMLINKAT_E : PPME_SYSCALL_SYMLINKAT_X;
		break;
	case __NR_chdir:
		type = enter ? PPME_SYSCALL_CHDIR_E : PPME_SYSCALL_CHDIR_X;
		break;
	case __NR_chroot:
		type = enter ? PPME_SYSCALL_CHROOT_E : PPME_SYSCALL_CHROOT_X;
		break;
	default:
		return 0;
	}
	if(enter) {
		/* the current enter events of these carry no parameters except mkdir (mode) */
		if(id == __NR_mkdir) {
			enc_begin(&e, buf, type, 1);
			enc_u32(&e, (__u32)s->a[1] & 07777);
		} else {
			enc_begin(&e, buf, type, 0);
		}
		submit(&e, type);
		return 0;
	}
	switch(id) {
	case __NR_unlink:
	case __NR_rmdir:
	case __NR_chdir:
	case __NR_chroot:
		enc_begin(&e, buf, type, 2);
		enc_s64(&e, ret);
		enc_user_str(&e, a0, PATH_MAX_LEN);
		break;
	case __NR_unlinkat:
		enc_begin(&e, buf, type, 4);
		enc_s64(&e, ret);
		enc_s64(&e, (int)s->a[0]);
		enc_user_str(&e, a1, PATH_MAX_LEN);
		enc_u32(&e, (__u32)s->a[2] == 0x200 ? 1 : 0); /* AT_REMOVEDIR */
		break;
	case __NR_mkdir:
		enc_begin(&e, buf, type, 3);
		enc_s64(&e, ret);
		enc_user_str(&e, a0, PATH_MAX_LEN);
		enc_u32(&e, (__u32)s->a[1] & 07777);
		break;
	case __NR_mkdirat:
		enc_begin(&e, buf, type, 4);
		enc_s64(&e, ret);
		enc_s64(&e, (int)s->a[0]);
		enc_user_str(&e, a1, PATH_MAX_LEN);
		enc_u32(&e, (__u32)s->a[2] & 07777);
		break;
	case __NR_rename:
	case __NR_link:
		enc_begin(&e, buf, type, 3);
		enc_s64(&e, ret);
		enc_user_str(&e, a0, PATH_MAX_LEN);
		enc_user_str(&e, a1, PATH_MAX_LEN);
		break;
	case __NR_symlink:
		enc_begin(&e, buf, type, 3);
		enc_s64(&e, ret);
		enc_user_str(&e, a0, PATH_MAX_LEN);
		enc_user_str(&e, a1, PATH_MAX_LEN);
		break;
	case __NR_symlinkat:
		enc_begin(&e, buf, type, 4);
		enc_s64(&e, ret);
		enc_user_str(&e, a0, PATH_MAX_LEN);
		enc_s64(&e, (int)s->a[1]);
		enc_user_str(&e, a2, PATH_MAX_LEN);
		break;
	case __NR_renameat:
		enc_begin(&e, buf, type, 5);
		enc_s64(&e, ret);
		enc_s64(&e, (int)s->a[0]);
		enc_user_str(&e, a1, PATH_MAX_LEN);
		enc_s64(&e, (int)s->a[2]);
		enc_user_str(&e, a3, PATH_MAX_LEN);
		break;
	default: /* renameat2, linkat */
		enc_begin(&e, buf, type, 6);
		enc_s64(&e, ret);
		enc_s64(&e, (int)s->a[0]);
		enc_user_str(&e, a1, PATH_MAX_LEN);
		enc_s64(&e, (int)s->a[2]);
		enc_user_str(&e, a3, PATH_MAX_LEN);
		enc_u32(&e, (__u32)s->a[4]);
		break;
	}
	submit(&e, type);
	return 0;
}

/* Sockets: socket, socketpair, bind, connect, listen, accept, accept4. */
static __noinline int emit_net(int enter, long id, long ret, struct sargs *s) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct scap_enc e;
	__u16 type;
	long fd = (int)s->a[0];
	switch(id) {
	case __NR_socket:
		type = enter ? PPME_SOCKET_SOCKET_E : PPME_SOCKET_SOCKET_X;
		enc_begin(&e, buf, type, enter ? 3 : 5);
		if(!enter)
			enc_s64(&e, ret);
		enc_u32(&e, (__u32)s->a[0]);
		enc_u32(&e, (__u32)s->a[1]);
		enc_u32(&e, (__u32)s->a[2]);
		if(!enter)
			enc_u32(&e, 0);
		break;
	case __NR_socketpair:
		type = enter ? PPME_SOCKET_SOCKETPAIR_E : PPME_SOCKET_SOCKETPAIR_X;
		if(enter) {
			enc_begin(&e, buf, type, 3);
			enc_u32(&e, (__u32)s->a[0]);
			enc_u32(&e, (__u32)s->a[1]);
			enc_u32(&e, (__u32)s->a[2]);
		} else {
			int fds[2] = {-1, -1};
			if(ret >= 0)
				bpf_probe_read_user(fds, sizeof(fds), (void *)s->a[3]);
			enc_begin(&e, buf, type, 8);
			enc_s64(&e, ret);
			enc_s64(&e, fds[0]);
			enc_s64(&e, fds[1]);
			struct sock *s0 = ret >= 0 ? fd_to_sock(t, fds[0]) : NULL;
			enc_u64(&e, (__u64)s0);
			enc_u64(&e, s0 ? (__u64)BPF_CORE_READ((struct unix_sock *)s0, peer) : 0);
			enc_u32(&e, (__u32)s->a[0]);
			enc_u32(&e, (__u32)s->a[1]);
			enc_u32(&e, (__u32)s->a[2]);
		}
		break;
	case __NR_bind:
		type = enter ? PPME_SOCKET_BIND_E : PPME_SOCKET_BIND_X;
		if(enter) {
			enc_begin(&e, buf, type, 1);
			enc_s64(&e, fd);
		} else {
			enc_begin(&e, buf, type, 3);
			enc_s64(&e, ret);
			enc_sockaddr_user(&e, (void *)s->a[1], (int)s->a[2]);
			enc_s64(&e, fd);
		}
		break;
	case __NR_connect:
		type = enter ? PPME_SOCKET_CONNECT_E : PPME_SOCKET_CONNECT_X;
		if(enter) {
			enc_begin(&e, buf, type, 2);
			enc_s64(&e, fd);
			enc_sockaddr_user(&e, (void *)s->a[1], (int)s->a[2]);
		} else {
			enc_begin(&e, buf, type, 4);
			enc_s64(&e, ret);
			enc_socktuple(&e, t, fd);
			enc_s64(&e, fd);
			enc_sockaddr_user(&e, (void *)s->a[1], (int)s->a[2]);
		}
		break;
	case __NR_listen:
		type = enter ? PPME_SOCKET_LISTEN_E : PPME_SOCKET_LISTEN_X;
		if(enter) {
			enc_begin(&e, buf, type, 2);
			enc_s64(&e, fd);
			enc_s32(&e, (int)s->a[1]);
		} else {
			enc_begin(&e, buf, type, 3);
			enc_s64(&e, ret);
			enc_s64(&e, fd);
			enc_s32(&e, (int)s->a[1]);
		}
		break;
	case __NR_accept:
	case __NR_accept4: {
		int is4 = id == __NR_accept4;
		type = is4 ? (enter ? PPME_SOCKET_ACCEPT4_6_E : PPME_SOCKET_ACCEPT4_6_X)
		           : (enter ? PPME_SOCKET_ACCEPT_5_E : PPME_SOCKET_ACCEPT_5_X);
		/* compat: the older accept4 event has the same parameters minus the exit's flags */
		int old4 = is4 && cfg_compat_2022;
		if(old4)
			type = enter ? PPME_SOCKET_ACCEPT4_5_E : PPME_SOCKET_ACCEPT4_5_X;
		if(enter) {
			enc_begin(&e, buf, type, is4 ? 1 : 0);
			if(is4)
				enc_s32(&e, (int)s->a[3]);
		} else {
			enc_begin(&e, buf, type, is4 && !old4 ? 6 : 5);
			enc_s64(&e, ret);
			if(ret >= 0)
				enc_socktuple(&e, t, ret);
			else
				enc_empty(&e);
			__u32 qlen = 0, qmax = 0;
			struct sock *ls = fd_to_sock(t, fd);
			if(ls) {
				qlen = BPF_CORE_READ(ls, sk_ack_backlog);
				qmax = BPF_CORE_READ(ls, sk_max_ack_backlog);
			}
			enc_u8(&e, fs_queue_pct(qlen, qmax));
			enc_u32(&e, qlen);
			enc_u32(&e, qmax);
			if(is4 && !old4)
				enc_s32(&e, (int)s->a[3]);
		}
		break;
	}
	default:
		return 0;
	}
	submit(&e, type);
	return 0;
}

static __noinline int emit_dup23(int enter, long id, long ret, struct sargs *s) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct scap_enc e;
	__u16 type;
	long a0 = s->a[0], a1 = s->a[1], a2 = s->a[2];
	int is3 = id == __NR_dup3;
	type = is3 ? (enter ? PPME_SYSCALL_DUP3_E : PPME_SYSCALL_DUP3_X)
	           : (enter ? PPME_SYSCALL_DUP2_E : PPME_SYSCALL_DUP2_X);
	if(enter) {
		enc_begin(&e, buf, type, 1);
		enc_s64(&e, (int)a0);
	} else {
		enc_begin(&e, buf, type, is3 ? 4 : 3);
		enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		enc_s64(&e, (int)a1);
		if(is3)
			enc_u32(&e, (a2 & FS_O_CLOEXEC) ? (1 << 0) : 0);
	}
	submit(&e, type);
	return 0;
}

/* Everything else with a dedicated event. */
static __noinline int emit_misc(int enter, long id, long ret, struct sargs *s) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct scap_enc e;
	__u16 type;
	long a0 = s->a[0], a1 = s->a[1], a2 = s->a[2], a3 = s->a[3];
	switch(id) {
	case __NR_close:
		type = enter ? PPME_SYSCALL_CLOSE_E : PPME_SYSCALL_CLOSE_X;
		enc_begin(&e, buf, type, enter ? 1 : 2);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		break;
	case __NR_dup:
	case __NR_dup2:
	case __NR_dup3:
		if(!cfg_compat_2022 && id != __NR_dup)
			return emit_dup23(enter, id, ret, s);
		if(cfg_compat_2022) {
			/* older dup event: fd on enter, res on exit */
			type = enter ? PPME_SYSCALL_DUP_E : PPME_SYSCALL_DUP_X;
			enc_begin(&e, buf, type, 1);
			enc_s64(&e, enter ? (int)a0 : ret);
			break;
		}
		type = enter ? PPME_SYSCALL_DUP_1_E : PPME_SYSCALL_DUP_1_X;
		enc_begin(&e, buf, type, enter ? 1 : 2);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		break;
	case __NR_pipe:
	case __NR_pipe2: {
		int is2 = id == __NR_pipe2 && !cfg_compat_2022;
		type = is2 ? (enter ? PPME_SYSCALL_PIPE2_E : PPME_SYSCALL_PIPE2_X)
		           : (enter ? PPME_SYSCALL_PIPE_E : PPME_SYSCALL_PIPE_X);
		if(enter) {
			enc_begin(&e, buf, type, 0);
		} else {
			int fds[2] = {-1, -1};
			if(ret >= 0)
				bpf_probe_read_user(fds, sizeof(fds), (void *)a0);
			__u32 dev = 0;
			__u64 ino = 0;
			if(ret >= 0)
				file_dev_ino(fd_to_file(t, fds[0]), &dev, &ino);
			enc_begin(&e, buf, type, is2 ? 5 : 4);
			enc_s64(&e, ret);
			enc_s64(&e, fds[0]);
			enc_s64(&e, fds[1]);
			enc_u64(&e, ino);
			if(is2)
				enc_u32(&e, fs_open_flags_to_scap((__u32)a1) & ~3u);
		}
		break;
	}
	case __NR_fchdir:
		type = enter ? PPME_SYSCALL_FCHDIR_E : PPME_SYSCALL_FCHDIR_X;
		enc_begin(&e, buf, type, enter ? 1 : 2);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		break;
	case __NR_setuid:
	case __NR_setgid:
		type = id == __NR_setuid ? (enter ? PPME_SYSCALL_SETUID_E : PPME_SYSCALL_SETUID_X)
		                         : (enter ? PPME_SYSCALL_SETGID_E : PPME_SYSCALL_SETGID_X);
		enc_begin(&e, buf, type, enter ? 1 : 2);
		if(!enter)
			enc_s64(&e, ret);
		enc_u32(&e, (__u32)a0);
		break;
	case __NR_setresuid:
	case __NR_setresgid: {
		type = id == __NR_setresuid ? (enter ? PPME_SYSCALL_SETRESUID_E : PPME_SYSCALL_SETRESUID_X)
		                            : (enter ? PPME_SYSCALL_SETRESGID_E : PPME_SYSCALL_SETRESGID_X);
		enc_begin(&e, buf, type, enter ? 3 : 4);
		if(!enter)
			enc_s64(&e, ret);
		enc_u32(&e, (__u32)a0);
		enc_u32(&e, (__u32)a1);
		enc_u32(&e, (__u32)a2);
		break;
	}
	case __NR_setreuid:
	case __NR_setregid:
		type = id == __NR_setreuid ? (enter ? PPME_SYSCALL_SETREUID_E : PPME_SYSCALL_SETREUID_X)
		                           : (enter ? PPME_SYSCALL_SETREGID_E : PPME_SYSCALL_SETREGID_X);
		enc_begin(&e, buf, type, enter ? 0 : 3);
		if(!enter) {
			enc_s64(&e, ret);
			enc_u32(&e, (__u32)a0);
			enc_u32(&e, (__u32)a1);
		}
		break;
	case __NR_setsid:
		type = enter ? PPME_SYSCALL_SETSID_E : PPME_SYSCALL_SETSID_X;
		enc_begin(&e, buf, type, enter ? 0 : 1);
		if(!enter)
			enc_s64(&e, ret);
		break;
	case __NR_setpgid:
		type = enter ? PPME_SYSCALL_SETPGID_E : PPME_SYSCALL_SETPGID_X;
		enc_begin(&e, buf, type, enter ? 2 : 3);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		enc_s64(&e, (int)a1);
		break;
	case __NR_capset:
		type = enter ? PPME_SYSCALL_CAPSET_E : PPME_SYSCALL_CAPSET_X;
		enc_begin(&e, buf, type, enter ? 0 : 4);
		if(!enter) {
			enc_s64(&e, ret);
			enc_u64(&e, BPF_CORE_READ(t, cred, cap_inheritable.val));
			enc_u64(&e, BPF_CORE_READ(t, cred, cap_permitted.val));
			enc_u64(&e, BPF_CORE_READ(t, cred, cap_effective.val));
		}
		break;
	case __NR_ptrace:
		type = enter ? PPME_SYSCALL_PTRACE_E : PPME_SYSCALL_PTRACE_X;
		if(enter) {
			enc_begin(&e, buf, type, 2);
			enc_u16(&e, (__u16)a0);
			enc_s64(&e, (int)a1);
		} else {
			enc_begin(&e, buf, type, 5);
			enc_s64(&e, ret);
			/* addr, data: dynamic parameters, index 0 = u64 */
			enc_ptrace_dyn(&e, a2);
			enc_ptrace_dyn(&e, s->a[3]);
			enc_u16(&e, (__u16)a0);
			enc_s64(&e, (int)a1);
		}
		break;
	case __NR_mount:
		type = enter ? PPME_SYSCALL_MOUNT_E : PPME_SYSCALL_MOUNT_X;
		if(enter) {
			enc_begin(&e, buf, type, 1);
			enc_u32(&e, (__u32)a3);
		} else {
			enc_begin(&e, buf, type, 5);
			enc_s64(&e, ret);
			enc_user_str(&e, (void *)a0, PATH_MAX_LEN);
			enc_user_str(&e, (void *)a1, PATH_MAX_LEN);
			enc_user_str(&e, (void *)a2, 256);
			enc_u32(&e, (__u32)a3);
		}
		break;
	case __NR_umount2:
		if(cfg_compat_2022)
			type = enter ? PPME_SYSCALL_UMOUNT_E : PPME_SYSCALL_UMOUNT_X;
		else
			type = enter ? PPME_SYSCALL_UMOUNT2_E : PPME_SYSCALL_UMOUNT2_X;
		enc_begin(&e, buf, type, enter ? 1 : (cfg_compat_2022 ? 2 : 3));
		if(enter) {
			enc_u32(&e, (__u32)a1);
		} else {
			enc_s64(&e, ret);
			enc_user_str(&e, (void *)a0, PATH_MAX_LEN);
			if(!cfg_compat_2022)
				enc_u32(&e, (__u32)a1);
		}
		break;
	case __NR_init_module:
		type = enter ? PPME_SYSCALL_INIT_MODULE_E : PPME_SYSCALL_INIT_MODULE_X;
		enc_begin(&e, buf, type, enter ? 0 : 4);
		if(!enter) {
			enc_s64(&e, ret);
			enc_user_bytes(&e, (void *)a0, a1, cfg_snaplen);
			enc_u64(&e, a1);
			enc_user_str(&e, (void *)a2, 256);
		}
		break;
	case __NR_finit_module:
		type = enter ? PPME_SYSCALL_FINIT_MODULE_E : PPME_SYSCALL_FINIT_MODULE_X;
		enc_begin(&e, buf, type, enter ? 0 : 4);
		if(!enter) {
			enc_s64(&e, ret);
			enc_s64(&e, (int)a0);
			enc_user_str(&e, (void *)a1, 256);
			enc_u32(&e, (__u32)a2);
		}
		break;
	case __NR_bpf:
		type = enter ? PPME_SYSCALL_BPF_2_E : PPME_SYSCALL_BPF_2_X;
		enc_begin(&e, buf, type, enter ? 1 : 2);
		if(enter) {
			enc_s64(&e, a0);
		} else {
			enc_s64(&e, ret);
			enc_u32(&e, (__u32)a0);
		}
		break;
	case __NR_memfd_create:
		type = enter ? PPME_SYSCALL_MEMFD_CREATE_E : PPME_SYSCALL_MEMFD_CREATE_X;
		enc_begin(&e, buf, type, enter ? 0 : 3);
		if(!enter) {
			enc_s64(&e, ret);
			enc_user_str(&e, (void *)a0, 256);
			enc_u32(&e, (__u32)a1);
		}
		break;
	case __NR_setns:
		type = enter ? PPME_SYSCALL_SETNS_E : PPME_SYSCALL_SETNS_X;
		enc_begin(&e, buf, type, enter ? 2 : 3);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		enc_u32(&e, fs_clone_flags_to_scap((__u32)a1));
		break;
	case __NR_unshare:
		type = enter ? PPME_SYSCALL_UNSHARE_E : PPME_SYSCALL_UNSHARE_X;
		enc_begin(&e, buf, type, enter ? 1 : 2);
		if(!enter)
			enc_s64(&e, ret);
		enc_u32(&e, fs_clone_flags_to_scap((__u32)a0));
		break;
	case __NR_kill:
	case __NR_tkill:
		type = id == __NR_kill ? (enter ? PPME_SYSCALL_KILL_E : PPME_SYSCALL_KILL_X)
		                       : (enter ? PPME_SYSCALL_TKILL_E : PPME_SYSCALL_TKILL_X);
		enc_begin(&e, buf, type, enter ? 2 : 3);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		enc_u8(&e, (__u8)a1);
		break;
	case __NR_tgkill:
		type = enter ? PPME_SYSCALL_TGKILL_E : PPME_SYSCALL_TGKILL_X;
		enc_begin(&e, buf, type, enter ? 3 : 4);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		enc_s64(&e, (int)a1);
		enc_u8(&e, (__u8)a2);
		break;
	case __NR_mmap: {
		type = enter ? PPME_SYSCALL_MMAP_E : PPME_SYSCALL_MMAP_X;
		if(enter) {
			enc_begin(&e, buf, type, 6);
		} else {
			struct mm_struct *mm = BPF_CORE_READ(t, mm);
			enc_begin(&e, buf, type, 10);
			enc_s64(&e, ret);
			enc_u32(&e, mm ? BPF_CORE_READ(mm, total_vm) << (K_PAGE_SHIFT - 10) : 0);
			enc_u32(&e, mm ? (mm_counter(mm, MM_FILEPAGES) + mm_counter(mm, MM_ANONPAGES) +
			                  mm_counter(mm, MM_SHMEMPAGES)) << (K_PAGE_SHIFT - 10)
			               : 0);
			enc_u32(&e, mm ? mm_counter(mm, MM_SWAPENTS) << (K_PAGE_SHIFT - 10) : 0);
		}
		enc_u64(&e, a0);
		enc_u64(&e, a1);
		enc_u32(&e, fs_mmap_prot_to_scap((__u32)a2));
		enc_u32(&e, fs_mmap_flags_to_scap((__u32)a3));
		enc_s64(&e, (int)s->a[4]);
		enc_u64(&e, s->a[5]);
		break;
	}
	case __NR_mprotect:
		type = enter ? PPME_SYSCALL_MPROTECT_E : PPME_SYSCALL_MPROTECT_X;
		enc_begin(&e, buf, type, enter ? 3 : 4);
		if(!enter)
			enc_s64(&e, ret);
		enc_u64(&e, a0);
		enc_u64(&e, a1);
		enc_u32(&e, fs_mmap_prot_to_scap((__u32)a2));
		break;
	case __NR_prctl:
		type = enter ? PPME_SYSCALL_PRCTL_E : PPME_SYSCALL_PRCTL_X;
		enc_begin(&e, buf, type, enter ? 0 : 4);
		if(!enter) {
			enc_s64(&e, ret);
			enc_u32(&e, (__u32)a0);
			if(a0 == 15 /* PR_SET_NAME */)
				enc_user_str(&e, (void *)a1, 16);
			else
				enc_empty(&e);
			enc_s64(&e, a1);
		}
		break;
	default:
		return 0;
	}
	submit(&e, type);
	return 0;
}

/* fcntl, shutdown, getcwd, chmod family, chown family, eventfd(2), epoll_create(1). */
static __noinline int emit_more(int enter, long id, long ret, struct sargs *s) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct scap_enc e;
	__u16 type;
	long a0 = s->a[0], a1 = s->a[1], a2 = s->a[2], a3 = s->a[3];
	switch(id) {
	case __NR_fcntl:
		type = enter ? PPME_SYSCALL_FCNTL_E : PPME_SYSCALL_FCNTL_X;
		enc_begin(&e, buf, type, enter ? 2 : 4);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		enc_u8(&e, fs_fcntl_cmd_to_scap((__u32)a1));
		if(!enter)
			enc_u64(&e, a2);
		break;
	case __NR_shutdown:
		type = enter ? PPME_SOCKET_SHUTDOWN_E : PPME_SOCKET_SHUTDOWN_X;
		enc_begin(&e, buf, type, enter ? 2 : 3);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a0);
		enc_u8(&e, (__u8)a1);
		break;
	case __NR_getcwd:
		type = enter ? PPME_SYSCALL_GETCWD_E : PPME_SYSCALL_GETCWD_X;
		enc_begin(&e, buf, type, enter ? 0 : 2);
		if(!enter) {
			enc_s64(&e, ret);
			if(ret > 0)
				enc_user_str(&e, (void *)a0, PATH_MAX_LEN);
			else
				enc_empty(&e);
		}
		break;
	case __NR_chmod:
		type = enter ? PPME_SYSCALL_CHMOD_E : PPME_SYSCALL_CHMOD_X;
		enc_begin(&e, buf, type, enter ? 0 : 3);
		if(!enter) {
			enc_s64(&e, ret);
			enc_user_str(&e, (void *)a0, PATH_MAX_LEN);
			enc_u32(&e, (__u32)a1 & 07777);
		}
		break;
	case __NR_fchmod:
		type = enter ? PPME_SYSCALL_FCHMOD_E : PPME_SYSCALL_FCHMOD_X;
		enc_begin(&e, buf, type, enter ? 0 : 3);
		if(!enter) {
			enc_s64(&e, ret);
			enc_s64(&e, (int)a0);
			enc_u32(&e, (__u32)a1 & 07777);
		}
		break;
	case __NR_fchmodat:
		type = enter ? PPME_SYSCALL_FCHMODAT_E : PPME_SYSCALL_FCHMODAT_X;
		enc_begin(&e, buf, type, enter ? 0 : 4);
		if(!enter) {
			enc_s64(&e, ret);
			enc_s64(&e, (int)a0);
			enc_user_str(&e, (void *)a1, PATH_MAX_LEN);
			enc_u32(&e, (__u32)a2 & 07777);
		}
		break;
	case __NR_chown:
	case __NR_lchown:
		type = id == __NR_chown ? (enter ? PPME_SYSCALL_CHOWN_E : PPME_SYSCALL_CHOWN_X)
		                        : (enter ? PPME_SYSCALL_LCHOWN_E : PPME_SYSCALL_LCHOWN_X);
		enc_begin(&e, buf, type, enter ? 0 : 4);
		if(!enter) {
			enc_s64(&e, ret);
			enc_user_str(&e, (void *)a0, PATH_MAX_LEN);
			enc_u32(&e, (__u32)a1);
			enc_u32(&e, (__u32)a2);
		}
		break;
	case __NR_fchown:
		type = enter ? PPME_SYSCALL_FCHOWN_E : PPME_SYSCALL_FCHOWN_X;
		enc_begin(&e, buf, type, enter ? 0 : 4);
		if(!enter) {
			enc_s64(&e, ret);
			enc_s64(&e, (int)a0);
			enc_u32(&e, (__u32)a1);
			enc_u32(&e, (__u32)a2);
		}
		break;
	case __NR_fchownat:
		type = enter ? PPME_SYSCALL_FCHOWNAT_E : PPME_SYSCALL_FCHOWNAT_X;
		enc_begin(&e, buf, type, enter ? 0 : 6);
		if(!enter) {
			enc_s64(&e, ret);
			enc_s64(&e, (int)a0);
			enc_user_str(&e, (void *)a1, PATH_MAX_LEN);
			enc_u32(&e, (__u32)a2);
			enc_u32(&e, (__u32)a3);
			enc_u32(&e, (__u32)s->a[4]);
		}
		break;
	case __NR_eventfd:
		type = enter ? PPME_SYSCALL_EVENTFD_E : PPME_SYSCALL_EVENTFD_X;
		enc_begin(&e, buf, type, enter ? 2 : 3);
		if(!enter)
			enc_s64(&e, ret);
		enc_u64(&e, (__u32)a0);
		enc_u32(&e, 0);
		break;
	case __NR_eventfd2:
		type = enter ? PPME_SYSCALL_EVENTFD2_E : PPME_SYSCALL_EVENTFD2_X;
		if(enter) {
			enc_begin(&e, buf, type, 1);
			enc_u64(&e, (__u32)a0);
		} else {
			enc_begin(&e, buf, type, 3);
			enc_s64(&e, ret);
			enc_u16(&e, (__u16)(fs_open_flags_to_scap((__u32)a1) & ~3u));
			enc_u64(&e, (__u32)a0);
		}
		break;
	case __NR_epoll_create:
		type = enter ? PPME_SYSCALL_EPOLL_CREATE_E : PPME_SYSCALL_EPOLL_CREATE_X;
		enc_begin(&e, buf, type, enter ? 1 : 2);
		if(!enter)
			enc_s64(&e, ret);
		enc_s32(&e, (int)a0);
		break;
	case __NR_epoll_create1:
		type = enter ? PPME_SYSCALL_EPOLL_CREATE1_E : PPME_SYSCALL_EPOLL_CREATE1_X;
		enc_begin(&e, buf, type, enter ? 1 : 2);
		if(!enter)
			enc_s64(&e, ret);
		enc_u32(&e, (a0 & FS_O_CLOEXEC) ? 1 : 0);
		break;
	default:
		return 0;
	}
	submit(&e, type);
	return 0;
}

/* Syscalls whose current events have codes >= COMPAT_2022_MAX_EVENT and no
 * older event version: sent as generic events in compat mode. (dup*, pipe2,
 * accept4 and umount2 use their older event versions instead.) */
static __always_inline int newer_than_2022(long id) {
	switch(id) {
	case __NR_capset:
	case __NR_setreuid:
	case __NR_setregid:
	case __NR_bpf:
	case __NR_prctl:
	case __NR_memfd_create:
	case __NR_init_module:
	case __NR_finit_module:
	case __NR_chown:
	case __NR_lchown:
	case __NR_fchown:
	case __NR_fchownat:
	case __NR_eventfd2:
	case __NR_epoll_create:
	case __NR_epoll_create1:
		return 1;
	default:
		return 0;
	}
}

static __always_inline int classify_all(long id);

static __always_inline int classify(long id) {
	if(cfg_compat_2022 && newer_than_2022(id))
		return 0;
	return classify_all(id);
}

static __always_inline int classify_all(long id) {
	switch(id) {
	case __NR_read:
	case __NR_write:
	case __NR_pread64:
	case __NR_pwrite64:
	case __NR_readv:
	case __NR_writev:
	case __NR_sendto:
	case __NR_recvfrom:
	case __NR_sendmsg:
	case __NR_recvmsg:
		return 1;
	case __NR_open:
	case __NR_openat:
	case __NR_openat2:
	case __NR_creat:
		return 2;
	case __NR_unlink:
	case __NR_unlinkat:
	case __NR_rmdir:
	case __NR_mkdir:
	case __NR_mkdirat:
	case __NR_rename:
	case __NR_renameat:
	case __NR_renameat2:
	case __NR_link:
	case __NR_linkat:
	case __NR_symlink:
	case __NR_symlinkat:
	case __NR_chdir:
	case __NR_chroot:
		return 3;
	case __NR_socket:
	case __NR_socketpair:
	case __NR_bind:
	case __NR_connect:
	case __NR_listen:
	case __NR_accept:
	case __NR_accept4:
		return 4;
	case __NR_close:
	case __NR_dup:
	case __NR_dup2:
	case __NR_dup3:
	case __NR_pipe:
	case __NR_pipe2:
	case __NR_fchdir:
	case __NR_setuid:
	case __NR_setgid:
	case __NR_setresuid:
	case __NR_setresgid:
	case __NR_setreuid:
	case __NR_setregid:
	case __NR_setsid:
	case __NR_setpgid:
	case __NR_capset:
	case __NR_ptrace:
	case __NR_mount:
	case __NR_umount2:
	case __NR_init_module:
	case __NR_finit_module:
	case __NR_bpf:
	case __NR_memfd_create:
	case __NR_setns:
	case __NR_unshare:
	case __NR_kill:
	case __NR_tkill:
	case __NR_tgkill:
	case __NR_mmap:
	case __NR_mprotect:
	case __NR_prctl:
		return 5;
	case __NR_clone:
	case __NR_clone3:
	case __NR_fork:
	case __NR_vfork:
		return 6;
	case __NR_execve:
	case __NR_execveat:
		return 7;
	case __NR_fcntl:
	case __NR_shutdown:
	case __NR_getcwd:
	case __NR_chmod:
	case __NR_fchmod:
	case __NR_fchmodat:
	case __NR_chown:
	case __NR_lchown:
	case __NR_fchown:
	case __NR_fchownat:
	case __NR_eventfd:
	case __NR_eventfd2:
	case __NR_epoll_create:
	case __NR_epoll_create1:
		return 8;
	default:
		return 0;
	}
}


static __noinline int emit_simple_enter(__u16 type) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	struct scap_enc e;
	enc_begin(&e, buf, type, 0);
	submit(&e, type);
	return 0;
}

static __noinline int emit_execve_e(long id, struct sargs *s) {
	unsigned char *buf = get_scratch();
	if(!buf)
		return 0;
	__u32 zero = 0;
	__u32 tid = bpf_get_current_pid_tgid();
	struct exec_name *tmp = bpf_map_lookup_elem(&exec_name_tmp, &zero);
	const char *path = (const char *)(id == __NR_execve ? s->a[0] : s->a[1]);
	if(tmp) {
		if(bpf_probe_read_user_str(tmp->path, PATH_MAX_LEN, path) > 0)
			bpf_map_update_elem(&exec_names, &tid, tmp, BPF_ANY);
	}
	struct scap_enc e;
	__u16 type;
	if(id == __NR_execve) {
		type = PPME_SYSCALL_EXECVE_19_E;
		enc_begin(&e, buf, type, 1);
		enc_user_str(&e, path, PATH_MAX_LEN);
	} else {
		type = PPME_SYSCALL_EXECVEAT_E;
		enc_begin(&e, buf, type, 3);
		enc_s64(&e, (int)s->a[0]);
		enc_user_str(&e, path, PATH_MAX_LEN);
		enc_u32(&e, (__u32)s->a[4]);
	}
	submit(&e, type);
	return 0;
}

static __always_inline int rw_fast(long id) {
	return (id == __NR_read || id == __NR_write) && cfg_snaplen <= RW_FAST_MAX_SNAP;
}

static __always_inline int sys_enter_emit(struct pt_regs *regs, long id, int kind, __u64 pt) {
	struct sargs s;
	read_args(regs, &s);
	switch(kind) {
	case 1:
		return emit_io(1, id, 0, &s);
	case 2:
		return emit_open(1, id, 0, &s);
	case 3:
		return emit_paths(1, id, 0, &s);
	case 4:
		return emit_net(1, id, 0, &s);
	case 5:
		return emit_misc(1, id, 0, &s);
	case 6:
		return emit_simple_enter(fs_clone_event_type(id, 1));
	case 7:
		return emit_execve_e(id, &s);
	case 8:
		return emit_more(1, id, 0, &s);
	default: /* generic events: written inline by the program */
		return 0;
	}
}

static __always_inline int sys_exit_emit(struct pt_regs *regs, long id, long ret, int kind, __u64 pt) {
	struct sargs s;
	read_args(regs, &s);
	switch(kind) {
	case 1:
		return emit_io(0, id, ret, &s);
	case 2:
		return emit_open(0, id, ret, &s);
	case 3:
		return emit_paths(0, id, ret, &s);
	case 4:
		return emit_net(0, id, ret, &s);
	case 5:
		return emit_misc(0, id, ret, &s);
	case 6: {
		__u64 kflags = 0;
		if(id == __NR_clone) {
			kflags = s.a[0];
		} else if(id == __NR_clone3) {
			bpf_probe_read_user(&kflags, sizeof(kflags), (void *)s.a[0]);
		} else if(id == __NR_vfork) {
			kflags = FS_CLONE_VM | FS_CLONE_VFORK;
		}
		return emit_clone_x(fs_clone_event_type(id, 0), ret, kflags);
	}
	case 7:
		return emit_execve_x(id == __NR_execve ? PPME_SYSCALL_EXECVE_19_X : PPME_SYSCALL_EXECVEAT_X,
		                     ret);
	case 8:
		return emit_more(0, id, ret, &s);
	default: /* generic events: written inline by the program */
		return 0;
	}
}

/* Both sides of a system call once its kind is known: the target check, then
 * the event, encoded with this CPU's ring held (ring_enter). ENTER is a
 * constant at each call, so each program keeps only its own side. */
static __always_inline int record_syscall(int enter, struct pt_regs *regs, long id, long ret, int kind) {
	__u64 pt = bpf_get_current_pid_tgid();
	if(!should_trace_tgid(pt >> 32))
		return 0;
	struct ring *r = ring_enter();
	if(!r)
		return 0;
	if(rw_fast(id) || !kind) {
		if(kind)
			fast_rw(r, enter, id, ret, regs, pt);
		else
			fast_generic(r, enter, id, pt);
	} else if(enter) {
		sys_enter_emit(regs, id, kind, pt);
	} else {
		sys_exit_emit(regs, id, ret, kind, pt);
	}
	ring_exit(r);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(fs_sys_enter, struct pt_regs *regs, long id) {
	if(!cfg_redundant_enter && (id == __NR_read || id == __NR_write))
		return 0;
	/* the syscall's kind first: without generic events most syscalls stop
	 * here, before the target lookup */
	int kind = rw_fast(id) ? 1 : classify(id);
	if(!kind && (!cfg_all_events || !cfg_redundant_enter))
		return 0;
	return record_syscall(1, regs, id, 0, kind);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(fs_sys_exit, struct pt_regs *regs, long ret) {
	long id = regs->orig_ax;
	int kind = rw_fast(id) ? 1 : classify(id);
	if(!kind && (!cfg_all_events || id < 0))
		return 0;
	return record_syscall(0, regs, id, ret, kind);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fs_sched_fork, struct task_struct *parent, struct task_struct *child) {
	if(!cfg_target_mode)
		return 0;
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	if(!bpf_map_lookup_elem(&targets, &ptgid))
		return 0;
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;
	if(ctgid != ptgid) {
		bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY);
		targets_changed();
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(fs_sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
	/* A non-leader thread that calls execve takes over the leader's tid; its
	 * target-mode membership is per tgid so nothing to move. Kept attached so
	 * future per-exec bookkeeping has a hook. */
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(fs_sched_exit, struct task_struct *p) {
	if(!should_trace())
		return 0;
	struct ring *r = ring_enter();
	unsigned char *buf = r ? ring_reserve(r) : NULL;
	if(buf) {
		struct scap_enc e;
		__u16 type = PPME_PROCEXIT_1_E;
		int code = BPF_CORE_READ(p, exit_code);
		enc_begin(&e, buf, type, 5);
		enc_s64(&e, code);
		enc_s64(&e, (code >> 8) & 0xff);
		enc_u8(&e, code & 0x7f);
		enc_u8(&e, (code & 0x80) ? 1 : 0);
		/* reaper: the thread that will adopt the children (best effort: the real parent) */
		enc_s64(&e, 0);
		submit(&e, type);
	}
	if(r)
		ring_exit(r);
	__u32 tgid = BPF_CORE_READ(p, tgid);
	__u32 pid = BPF_CORE_READ(p, pid);
	if(cfg_target_mode && tgid == pid) {
		bpf_map_delete_elem(&targets, &tgid);
		targets_changed();
	}
	return 0;
}
