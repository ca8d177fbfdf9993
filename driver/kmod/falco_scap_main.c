// SPDX-License-Identifier: GPL-2.0-only
/*
 * falco-scap kernel module.
 *
 * Hooks the kernel tracepoints sys_enter, sys_exit, sched_process_fork,
 * sched_process_exec and sched_process_exit, encodes events in libscap's
 * format with driver/common/encode.h (the encoder the eBPF driver uses) and
 * hands them to user space through one byte ring per CPU, mmap'ed from the
 * misc device /dev/falco-scap (layout: falco_scap_kmod.h).
 *
 * Probes are registered when the device is opened (one opener at a time)
 * and removed when it is released; FS_IOC_START / FS_IOC_STOP switch event
 * production on and off without detaching.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/version.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/uaccess.h>
#include <linux/tracepoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/pid_namespace.h>
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/dcache.h>
#include <linux/cred.h>
#include <linux/audit.h>
#include <linux/cgroup.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/binfmts.h>
#include <linux/compat.h>
#include <linux/net.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/un.h>
#include <linux/openat2.h>
#include <linux/timekeeping.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <net/sock.h>
#include <net/af_unix.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

#include "falco_scap_kmod.h"

/* ---- the shared encoder, on plain kernel memory accessors ---- */
#define FS_SCRATCH 32768 /* offsets are masked to this; events stay far below */
#define ENC_U8 u8
#define ENC_U16 u16
#define ENC_U32 u32
#define ENC_U64 u64
#define ENC_OFF(x) ((x) & (FS_SCRATCH - 1))
#define ENC_MAX_CHUNK 8192
#define ENC_READ_USER(d, l, s) copy_from_user_nofault((d), (const void __user *)(s), (l))
#define ENC_READ_USER_STR(d, m, s) fs_user_str((char *)(d), (const void __user *)(s), (m))
#define ENC_READ_KERNEL(d, l, s) copy_from_kernel_nofault((d), (s), (l))
#define ENC_READ_KERNEL_STR(d, m, s) fs_kernel_str((char *)(d), (const char *)(s), (m))

/* strncpy_from_user_nofault is not exported to modules: read in pieces that
 * never cross a page, with page faults disabled. Returns the length including
 * the NUL (the string is cut and terminated at max), or -EFAULT. */
static long fs_user_str(char *dst, const void __user *src, long max) {
	long n = 0;
	if(max <= 0)
		return 0;
	while(n < max - 1) {
		unsigned long a = (unsigned long)src + n;
		long chunk = min_t(long, PAGE_SIZE - (a & (PAGE_SIZE - 1)), max - 1 - n);
		long i;
		chunk = min_t(long, chunk, 256);
		if(copy_from_user_nofault(dst + n, (const void __user *)a, chunk))
			return n ? (dst[n] = 0, n + 1) : -EFAULT;
		for(i = 0; i < chunk; i++)
			if(!dst[n + i])
				return n + i + 1;
		n += chunk;
	}
	dst[n] = 0;
	return n + 1;
}

/* Kernel strings here are always valid memory (comm, d_path output, names). */
static long fs_kernel_str(char *dst, const char *src, long max) {
	size_t n;
	if(max <= 0)
		return 0;
	n = strnlen(src, max - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
	return n + 1;
}
#include "encode.h"
#include "ppm_codes.h"
#include "ppm_sc_x86_64.h"
#include "flags.h"
#include "sockets.h"
#include "events.h"

MODULE_LICENSE("GPL");
MODULE_AUTHOR("falco-scap");
MODULE_DESCRIPTION("falco-scap: syscall capture in libscap's event format");
MODULE_VERSION("0.1.0");

static unsigned int ring_kb = 8192;
module_param(ring_kb, uint, 0444);
MODULE_PARM_DESC(ring_kb, "ring buffer size per CPU in KiB (power of two, 64..262144)");

#define PATH_MAX_LEN 1024
#define ARGS_MAX_LEN 4096
#define ENV_MAX_LEN 4096
#define CG_MAX_TOTAL 4096
#define TMP_LEN 4096
#define EXEC_SLOTS 64
#define COMPAT_2022_MAX_SC 329

struct fs_cpu {
	struct fs_ring_hdr *hdr; /* start of the vmalloc_user region */
	unsigned char *data;
	unsigned char *scratch; /* FS_SCRATCH + ENC_MAX_CHUNK */
	char *tmp;              /* TMP_LEN: paths, cgroups */
	int busy;
};

struct exec_slot {
	pid_t tid;
	char path[PATH_MAX_LEN];
};

static struct {
	struct mutex lock; /* open/release/ioctl */
	bool open;
	struct fs_cpu *cpus; /* nr_cpu_ids entries */
	u32 ring_bytes;
	u32 region_bytes;
	int capturing;
	u32 flags;
	pid_t self_tgid;
	struct exec_slot *exec_slots;
	spinlock_t exec_lock;
	atomic64_t forks, execs;
	u64 opens;
	struct tracepoint *tp_enter, *tp_exit, *tp_fork, *tp_exec, *tp_pexit;
	bool reg_enter, reg_exit, reg_fork, reg_exec, reg_pexit;
} g;

/* ---- rings ---- */

static void ring_push(struct fs_cpu *c, const unsigned char *ev, u32 len) {
	struct fs_ring_hdr *h = c->hdr;
	u32 size = g.ring_bytes;
	u64 head = h->head;
	u64 tail = smp_load_acquire(&h->tail);
	u64 used = head - tail;
	u32 off, first;

	if(used > size || len > size - used) {
		WRITE_ONCE(h->drops, h->drops + 1);
		WRITE_ONCE(h->drops_buffer_full, h->drops_buffer_full + 1);
		return;
	}
	off = (u32)(head & (size - 1));
	first = min(len, size - off);
	memcpy(c->data + off, ev, first);
	if(len > first)
		memcpy(c->data, ev + first, len - first);
	smp_store_release(&h->head, head + len);
	WRITE_ONCE(h->events, h->events + 1);
}

/* Claim this CPU's scratch area; NULL when capture is off or the probe nests. */
static struct fs_cpu *begin_event(void) {
	struct fs_cpu *c;
	if(!READ_ONCE(g.capturing))
		return NULL;
	if(current->tgid == READ_ONCE(g.self_tgid))
		return NULL;
	preempt_disable();
	c = &g.cpus[smp_processor_id()];
	if(c->busy) {
		WRITE_ONCE(c->hdr->drops, c->hdr->drops + 1);
		WRITE_ONCE(c->hdr->drops_nested, c->hdr->drops_nested + 1);
		preempt_enable();
		return NULL;
	}
	c->busy = 1;
	return c;
}

static void end_event(struct fs_cpu *c, struct scap_enc *e, u16 type) {
	u32 len = enc_finish(e, ktime_get_real_ns(), current->pid, type);
	if(len > FS_SCRATCH || len < SCAP_EVT_HDR_LEN) {
		WRITE_ONCE(c->hdr->drops, c->hdr->drops + 1);
		WRITE_ONCE(c->hdr->drops_too_large, c->hdr->drops_too_large + 1);
	} else {
		ring_push(c, e->buf, len);
	}
	c->busy = 0;
	preempt_enable();
}

/* ---- flag conversions: driver/common/flags.h, checked against this kernel ---- */

static void __init check_flag_values(void) {
	BUILD_BUG_ON(FS_O_WRONLY != O_WRONLY || FS_O_RDWR != O_RDWR || FS_O_CREAT != O_CREAT);
	BUILD_BUG_ON(FS_O_EXCL != O_EXCL || FS_O_TRUNC != O_TRUNC || FS_O_APPEND != O_APPEND);
	BUILD_BUG_ON(FS_O_NONBLOCK != O_NONBLOCK || FS_O_DSYNC != O_DSYNC || FS_O_DIRECT != O_DIRECT);
	BUILD_BUG_ON(FS_O_LARGEFILE != O_LARGEFILE || FS_O_DIRECTORY != O_DIRECTORY);
	BUILD_BUG_ON(FS_O_CLOEXEC != O_CLOEXEC || FS_O_SYNC != O_SYNC || FS_O_TMPFILE != O_TMPFILE);
	BUILD_BUG_ON(FS_CLONE_VM != CLONE_VM || FS_CLONE_FS != CLONE_FS || FS_CLONE_FILES != CLONE_FILES);
	BUILD_BUG_ON(FS_CLONE_SIGHAND != CLONE_SIGHAND || FS_CLONE_PTRACE != CLONE_PTRACE);
	BUILD_BUG_ON(FS_CLONE_VFORK != CLONE_VFORK || FS_CLONE_PARENT != CLONE_PARENT);
	BUILD_BUG_ON(FS_CLONE_THREAD != CLONE_THREAD || FS_CLONE_NEWNS != CLONE_NEWNS);
	BUILD_BUG_ON(FS_CLONE_SYSVSEM != CLONE_SYSVSEM || FS_CLONE_SETTLS != CLONE_SETTLS);
	BUILD_BUG_ON(FS_CLONE_PARENT_SETTID != CLONE_PARENT_SETTID);
	BUILD_BUG_ON(FS_CLONE_CHILD_CLEARTID != CLONE_CHILD_CLEARTID);
	BUILD_BUG_ON(FS_CLONE_UNTRACED != CLONE_UNTRACED || FS_CLONE_CHILD_SETTID != CLONE_CHILD_SETTID);
	BUILD_BUG_ON(FS_CLONE_NEWCGROUP != CLONE_NEWCGROUP || FS_CLONE_NEWUTS != CLONE_NEWUTS);
	BUILD_BUG_ON(FS_CLONE_NEWIPC != CLONE_NEWIPC || FS_CLONE_NEWUSER != CLONE_NEWUSER);
	BUILD_BUG_ON(FS_CLONE_NEWPID != CLONE_NEWPID || FS_CLONE_NEWNET != CLONE_NEWNET);
	BUILD_BUG_ON(FS_CLONE_IO != CLONE_IO);
	BUILD_BUG_ON(FS_AF_UNIX != AF_UNIX || FS_AF_INET != AF_INET || FS_AF_INET6 != AF_INET6);
	BUILD_BUG_ON(FS_AT_REMOVEDIR != AT_REMOVEDIR);
}

static u32 encode_dev(dev_t d) {
	return fs_encode_dev(MAJOR(d), MINOR(d));
}

static u16 ppm_sc_of(long id) {
	u16 sc;
	if(id < 0 || id >= SCAP_NSYSCALLS_X86_64)
		return 0;
	sc = scap_x86_64_to_ppm_sc[id];
	if((READ_ONCE(g.flags) & FS_START_COMPAT_2022) && sc >= COMPAT_2022_MAX_SC)
		return 0;
	return sc;
}

/* ---- files and sockets of the current task (RCU, no references taken) ---- */

static struct file *fd_file_rcu(long fd) {
	struct files_struct *files = current->files;
	struct fdtable *fdt;
	if(!files || fd < 0)
		return NULL;
	fdt = files_fdtable(files);
	if((unsigned long)fd >= fdt->max_fds)
		return NULL;
	return rcu_dereference_raw(fdt->fd[fd]);
}

static void fd_dev_ino(long fd, u32 *dev, u64 *ino) {
	struct file *f;
	*dev = 0;
	*ino = 0;
	rcu_read_lock();
	f = fd_file_rcu(fd);
	if(f && f->f_inode) {
		*ino = f->f_inode->i_ino;
		*dev = encode_dev(f->f_inode->i_sb->s_dev);
	}
	rcu_read_unlock();
}

static struct sock *fd_sock_rcu(long fd) {
	struct file *f = fd_file_rcu(fd);
	struct socket *sock = f ? sock_from_file(f) : NULL;
	return sock ? sock->sk : NULL;
}

/* PT_SOCKTUPLE of a connected socket: family, local addr/port, remote addr/port. */
static void enc_socktuple(struct scap_enc *e, long fd) {
	struct sock *sk;
	unsigned char *p = enc_cursor(e);

	rcu_read_lock();
	sk = fd_sock_rcu(fd);
	if(sk && sk->sk_family == AF_INET) {
		enc_tuple_inet(e, sk->sk_rcv_saddr, sk->sk_num, sk->sk_daddr, ntohs(sk->sk_dport));
#if IS_ENABLED(CONFIG_IPV6)
	} else if(sk && sk->sk_family == AF_INET6) {
		memcpy(p + 1, &sk->sk_v6_rcv_saddr, 16);
		memcpy(p + 19, &sk->sk_v6_daddr, 16);
		enc_tuple_inet6_ports(e, sk->sk_num, ntohs(sk->sk_dport));
#endif
	} else if(sk && sk->sk_family == AF_UNIX) {
		struct unix_sock *us = unix_sk(sk);
		struct sock *peer = READ_ONCE(us->peer);
		/* path of the peer (connect side) or ours */
		struct unix_address *ua = READ_ONCE((peer ? unix_sk(peer) : us)->addr);
		long l = 0;
		if(ua && ua->len > 2) {
			l = fs_kernel_str((char *)p + 17, ua->name->sun_path, FS_UNIX_PATH_MAX);
			if(l <= 1) /* abstract socket: leading NUL */
				l = fs_kernel_str((char *)p + 17, ua->name->sun_path + 1, FS_UNIX_PATH_MAX - 1);
		}
		enc_tuple_unix(e, (u64)(unsigned long)sk, (u64)(unsigned long)peer, l);
	} else {
		enc_empty(e);
	}
	rcu_read_unlock();
}

/* PT_SOCKADDR from a user sockaddr. */
static void enc_sockaddr_user(struct scap_enc *e, const void __user *uaddr, int ulen) {
	unsigned char *p = enc_cursor(e);
	struct sockaddr_storage ss;
	if(!uaddr || ulen < 2) {
		enc_empty(e);
		return;
	}
	if(ulen > (int)sizeof(ss))
		ulen = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if(copy_from_user_nofault(&ss, uaddr, ulen)) {
		enc_empty(e);
		return;
	}
	if(ss.ss_family == AF_INET && ulen >= (int)sizeof(struct sockaddr_in)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		enc_sockaddr_inet(e, sin->sin_addr.s_addr, ntohs(sin->sin_port));
	} else if(ss.ss_family == AF_INET6 && ulen >= (int)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		memcpy(p + 1, &sin6->sin6_addr, 16);
		enc_sockaddr_inet6_port(e, ntohs(sin6->sin6_port));
	} else if(ss.ss_family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
		const char *path = sun->sun_path[0] ? sun->sun_path : sun->sun_path + 1;
		size_t l = strnlen(path, FS_UNIX_PATH_MAX - 1);
		memcpy(p + 1, path, l);
		p[1 + l] = 0;
		enc_sockaddr_unix(e, l + 1);
	} else {
		enc_empty(e);
	}
}

/* ---- process information ---- */

static void enc_exe_args(struct scap_enc *e, struct mm_struct *mm) {
	unsigned long as, ae;
	u32 before, exelen;
	if(!mm || mm->arg_end <= mm->arg_start) {
		enc_empty(e);
		enc_empty(e);
		return;
	}
	as = mm->arg_start;
	ae = mm->arg_end;
	before = e->off;
	enc_user_str(e, (const void *)as, PATH_MAX_LEN);
	exelen = e->off - before;
	if(ae - as > exelen)
		enc_user_bytes(e, (const void *)(as + exelen), ae - as - exelen, ARGS_MAX_LEN);
	else
		enc_empty(e);
}

static void enc_env(struct scap_enc *e, struct mm_struct *mm) {
	if(!mm || mm->env_end <= mm->env_start) {
		enc_empty(e);
		return;
	}
	enc_user_bytes(e, (const void *)mm->env_start, mm->env_end - mm->env_start, ENV_MAX_LEN);
}

/* d_path into the CPU's tmp area, then into the event. */
static void enc_path(struct scap_enc *e, struct fs_cpu *c, const struct path *p) {
	char *s = d_path(p, c->tmp, TMP_LEN);
	if(IS_ERR(s)) {
		enc_empty(e);
		return;
	}
	enc_kernel_str(e, s, PATH_MAX_LEN);
}

static void enc_cwd(struct scap_enc *e, struct fs_cpu *c, struct task_struct *t) {
	struct fs_struct *fs = t->fs;
	if(!fs) {
		enc_empty(e);
		return;
	}
	/* fs->pwd stays referenced while the lock is held: no path_get/put, which
	 * could sleep on the put side */
	spin_lock(&fs->lock);
	enc_path(e, c, &fs->pwd);
	spin_unlock(&fs->lock);
}

static void enc_fdlimit_pf_vm(struct scap_enc *e, struct task_struct *t, struct mm_struct *mm) {
	u32 vsz = 0, rss = 0, swp = 0;
	enc_u64(e, READ_ONCE(t->signal->rlim[RLIMIT_NOFILE].rlim_cur));
	enc_u64(e, t->maj_flt);
	enc_u64(e, t->min_flt);
	if(mm) {
		vsz = mm->total_vm << (PAGE_SHIFT - 10);
		rss = (get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES) +
		       get_mm_counter(mm, MM_SHMEMPAGES))
		      << (PAGE_SHIFT - 10);
		swp = get_mm_counter(mm, MM_SWAPENTS) << (PAGE_SHIFT - 10);
	}
	enc_u32(e, vsz);
	enc_u32(e, rss);
	enc_u32(e, swp);
}

/* "controller=path\0" for the controllers libscap lists, whole entries only. */
static void enc_cgroups(struct scap_enc *e, struct fs_cpu *c, struct task_struct *t) {
	static const struct {
		const char *name;
		int id;
	} ctl[] = {
#if IS_ENABLED(CONFIG_CPUSETS)
	        {"cpuset", cpuset_cgrp_id},
#endif
#if IS_ENABLED(CONFIG_CGROUP_SCHED)
	        {"cpu", cpu_cgrp_id},
#endif
#if IS_ENABLED(CONFIG_CGROUP_CPUACCT)
	        {"cpuacct", cpuacct_cgrp_id},
#endif
#if IS_ENABLED(CONFIG_BLK_CGROUP)
	        {"io", io_cgrp_id},
#endif
#if IS_ENABLED(CONFIG_MEMCG)
	        {"memory", memory_cgrp_id},
#endif
#if IS_ENABLED(CONFIG_CGROUP_PIDS)
	        {"pids", pids_cgrp_id},
#endif
	        {NULL, 0},
	};
	char *out = (char *)&e->buf[ENC_OFF(e->off)];
	u32 off = 0;
	size_t i;
	rcu_read_lock();
	for(i = 0; ctl[i].name; i++) {
		struct cgroup_subsys_state *css = task_css(t, ctl[i].id);
		size_t nl = strlen(ctl[i].name);
		int l;
		if(!css || !css->cgroup)
			continue;
		l = cgroup_path(css->cgroup, c->tmp, TMP_LEN);
		if(l <= 0 || l >= TMP_LEN)
			continue;
		if(off + nl + 1 + (u32)l + 1 > CG_MAX_TOTAL)
			break;
		memcpy(out + off, ctl[i].name, nl);
		out[off + nl] = '=';
		memcpy(out + off + nl + 1, c->tmp, l + 1);
		off += nl + 1 + l + 1;
	}
	rcu_read_unlock();
	if(!off) {
		enc_empty(e);
		return;
	}
	e->off += off;
	enc_set_len(e, (u16)off);
}

static u64 cap_u64(kernel_cap_t k) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return k.val;
#else
	return ((u64)k.cap[1] << 32) | k.cap[0];
#endif
}

static u64 ts_ns(struct timespec64 ts) {
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static u64 inode_ctime_ns(struct inode *i) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return ts_ns(inode_get_ctime(i));
#else
	return ts_ns(i->i_ctime);
#endif
}

static u64 inode_mtime_ns(struct inode *i) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	return ts_ns(inode_get_mtime(i));
#else
	return ts_ns(i->i_mtime);
#endif
}

static u32 task_tty_dev(struct task_struct *t) {
	unsigned long fl;
	u32 r = 0;
	if(!t->sighand)
		return 0;
	spin_lock_irqsave(&t->sighand->siglock, fl);
	if(t->signal->tty && t->signal->tty->driver) {
		struct tty_struct *tty = t->signal->tty;
		u32 major = tty->driver->major, minor = tty->driver->minor_start + tty->index;
		r = (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
	}
	spin_unlock_irqrestore(&t->sighand->siglock, fl);
	return r;
}

static u64 pidns_init_start(struct task_struct *t) {
	struct pid_namespace *ns = task_active_pid_ns(t);
	struct task_struct *r = ns ? READ_ONCE(ns->child_reaper) : NULL;
	return r ? r->start_time : 0;
}


/* clone/fork/vfork/clone3 exit: 21 parameters (same list as the eBPF driver). */
static void emit_clone_x(struct fs_cpu *c, long id, long ret, unsigned long *a) {
	struct task_struct *t = current;
	struct mm_struct *mm = t->mm;
	const struct cred *cred;
	struct scap_enc e;
	u16 type = fs_clone_event_type(id, 0);
	u64 kflags = 0;
	pid_t ptid;

	if(id == __NR_clone)
		kflags = a[0];
	else if(id == __NR_clone3) {
		if(copy_from_user_nofault(&kflags, (const void __user *)a[0], sizeof(kflags)))
			kflags = 0;
	} else if(id == __NR_vfork)
		kflags = CLONE_VM | CLONE_VFORK;

	rcu_read_lock();
	ptid = rcu_dereference(t->real_parent)->pid;
	rcu_read_unlock();

	enc_begin(&e, c->scratch, type, 21);
	enc_s64(&e, ret);
	enc_exe_args(&e, mm);
	enc_s64(&e, t->pid);
	enc_s64(&e, t->tgid);
	enc_s64(&e, ptid);
	enc_cwd(&e, c, t);
	enc_fdlimit_pf_vm(&e, t, mm);
	enc_kernel_str(&e, t->comm, TASK_COMM_LEN);
	enc_cgroups(&e, c, t);
	enc_u32(&e, fs_clone_flags_to_scap(kflags));
	rcu_read_lock();
	cred = rcu_dereference(t->cred);
	enc_u32(&e, __kuid_val(cred->euid));
	enc_u32(&e, __kgid_val(cred->egid));
	rcu_read_unlock();
	enc_s64(&e, task_pid_vnr(t));
	enc_s64(&e, task_tgid_vnr(t));
	enc_u64(&e, pidns_init_start(t));
	end_event(c, &e, type);
}

static void take_exec_name(pid_t tid, char *dst) {
	struct exec_slot *s = &g.exec_slots[tid % EXEC_SLOTS];
	unsigned long fl;
	dst[0] = 0;
	spin_lock_irqsave(&g.exec_lock, fl);
	if(s->tid == tid) {
		strscpy(dst, s->path, PATH_MAX_LEN);
		s->tid = 0;
	}
	spin_unlock_irqrestore(&g.exec_lock, fl);
}

/* execve (31 parameters) / execveat (30) exit. */
static void emit_execve_x(struct fs_cpu *c, long id, long ret) {
	struct task_struct *t = current;
	struct mm_struct *mm = t->mm;
	const struct cred *cred;
	struct scap_enc e;
	u16 type = id == __NR_execve ? PPME_SYSCALL_EXECVE_19_X : PPME_SYSCALL_EXECVEAT_X;
	u32 np = id == __NR_execve ? 31 : 30;
	struct file *exe = NULL;
	struct inode *ei = NULL;
	u64 capi, capp, cape;
	u32 euid, egid, flags = 0;
	pid_t ptgid, vpgid, pgid;

	rcu_read_lock();
	ptgid = rcu_dereference(t->real_parent)->tgid;
	vpgid = pid_vnr(task_pgrp(t));
	pgid = pid_nr(task_pgrp(t));
	cred = rcu_dereference(t->cred);
	capi = cap_u64(cred->cap_inheritable);
	capp = cap_u64(cred->cap_permitted);
	cape = cap_u64(cred->cap_effective);
	euid = __kuid_val(cred->euid);
	egid = __kgid_val(cred->egid);
	rcu_read_unlock();

	enc_begin(&e, c->scratch, type, np);
	enc_s64(&e, ret);
	enc_exe_args(&e, mm);
	enc_s64(&e, t->pid);
	enc_s64(&e, t->tgid);
	enc_s64(&e, ptgid);
	enc_cwd(&e, c, t);
	enc_fdlimit_pf_vm(&e, t, mm);
	enc_kernel_str(&e, t->comm, TASK_COMM_LEN);
	enc_cgroups(&e, c, t);
	enc_env(&e, mm);
	enc_u32(&e, task_tty_dev(t));
	enc_s64(&e, vpgid);
	enc_u32(&e, __kuid_val(audit_get_loginuid(t)));
	/* the executable stays pinned by the mm of the task that is running */
	rcu_read_lock();
	if(mm)
		exe = rcu_dereference(mm->exe_file);
	ei = exe ? file_inode(exe) : NULL;
	if(ei && ei->i_nlink == 0)
		flags |= 1 << 2; /* PPM_EXE_UPPER_LAYER is 1; 1 << 2: exe from memfd / deleted */
	enc_u32(&e, flags);
	enc_u64(&e, capi);
	enc_u64(&e, capp);
	enc_u64(&e, cape);
	enc_u64(&e, ei ? ei->i_ino : 0);
	enc_u64(&e, ei ? inode_ctime_ns(ei) : 0);
	enc_u64(&e, ei ? inode_mtime_ns(ei) : 0);
	enc_u32(&e, euid);
	if(exe)
		enc_path(&e, c, &exe->f_path); /* trusted_exepath */
	else
		enc_empty(&e);
	rcu_read_unlock();
	enc_s64(&e, pgid);
	enc_u32(&e, egid);
	if(np == 31) {
		take_exec_name(t->pid, c->tmp);
		if(c->tmp[0])
			enc_kernel_str(&e, c->tmp, PATH_MAX_LEN);
		else
			enc_empty(&e);
	}
	end_event(c, &e, type);
}

/* ---- per-syscall events ---- */

enum { K_GENERIC, K_CLONE, K_EXEC, K_OPEN, K_CLOSE, K_CONNECT, K_NET, K_IDS, K_DIR };

static int classify(long id) {
	switch(id) {
	case __NR_clone:
	case __NR_clone3:
	case __NR_fork:
	case __NR_vfork:
		return K_CLONE;
	case __NR_execve:
	case __NR_execveat:
		return K_EXEC;
	case __NR_open:
	case __NR_openat:
	case __NR_openat2:
	case __NR_creat:
		return K_OPEN;
	case __NR_close:
		return K_CLOSE;
	case __NR_connect:
		return K_CONNECT;
	case __NR_socket:
	case __NR_bind:
	case __NR_listen:
	case __NR_accept:
	case __NR_accept4:
		return K_NET;
	case __NR_setreuid:
	case __NR_setregid:
		/* their events are newer than the 2022 tables: generic there, as in the eBPF driver */
		if(READ_ONCE(g.flags) & FS_START_COMPAT_2022)
			return K_GENERIC;
		return K_IDS;
	case __NR_setuid:
	case __NR_setgid:
	case __NR_setresuid:
	case __NR_setresgid:
		return K_IDS;
	case __NR_chdir:
	case __NR_fchdir:
	case __NR_chroot:
		return K_DIR;
	default:
		return K_GENERIC;
	}
}

static void emit_generic(struct fs_cpu *c, int enter, long id) {
	struct scap_enc e;
	u16 type = enter ? PPME_GENERIC_E : PPME_GENERIC_X;
	enc_begin(&e, c->scratch, type, 2);
	enc_u16(&e, ppm_sc_of(id));
	enc_u16(&e, (u16)id);
	end_event(c, &e, type);
}

static void emit_open(struct fs_cpu *c, int enter, long id, long ret, unsigned long *a) {
	struct scap_enc e;
	u16 type;
	u32 dev = 0;
	u64 ino = 0;
	if(!enter && ret >= 0)
		fd_dev_ino(ret, &dev, &ino);
	if(id == __NR_open) {
		u32 fl = a[1], mode = a[2];
		type = enter ? PPME_SYSCALL_OPEN_E : PPME_SYSCALL_OPEN_X;
		enc_begin(&e, c->scratch, type, enter ? 3 : 6);
		if(!enter)
			enc_s64(&e, ret);
		enc_user_str(&e, (const void *)a[0], PATH_MAX_LEN);
		enc_u32(&e, fs_open_flags_to_scap(fl));
		enc_u32(&e, fs_open_mode_to_scap(fl, mode));
	} else if(id == __NR_creat) {
		type = enter ? PPME_SYSCALL_CREAT_E : PPME_SYSCALL_CREAT_X;
		enc_begin(&e, c->scratch, type, enter ? 2 : 6);
		if(!enter)
			enc_s64(&e, ret);
		enc_user_str(&e, (const void *)a[0], PATH_MAX_LEN);
		enc_u32(&e, (u32)a[1] & 07777);
	} else if(id == __NR_openat2) {
		struct open_how how;
		memset(&how, 0, sizeof(how));
		if(copy_from_user_nofault(&how, (const void __user *)a[2], sizeof(how)))
			memset(&how, 0, sizeof(how));
		type = enter ? PPME_SYSCALL_OPENAT2_E : PPME_SYSCALL_OPENAT2_X;
		enc_begin(&e, c->scratch, type, enter ? 5 : 8);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a[0]);
		enc_user_str(&e, (const void *)a[1], PATH_MAX_LEN);
		enc_u32(&e, fs_open_flags_to_scap(how.flags));
		enc_u32(&e, fs_open_mode_to_scap(how.flags, how.mode));
		enc_u32(&e, (u32)how.resolve); /* RESOLVE_* bits match PPM_RESOLVE_* order */
	} else {
		u32 fl = a[2], mode = a[3];
		type = enter ? PPME_SYSCALL_OPENAT_2_E : PPME_SYSCALL_OPENAT_2_X;
		enc_begin(&e, c->scratch, type, enter ? 4 : 7);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a[0]);
		enc_user_str(&e, (const void *)a[1], PATH_MAX_LEN);
		enc_u32(&e, fs_open_flags_to_scap(fl));
		enc_u32(&e, fs_open_mode_to_scap(fl, mode));
	}
	if(!enter) {
		enc_u32(&e, dev);
		enc_u64(&e, ino);
		if(id == __NR_creat)
			enc_u16(&e, 0); /* fd flags: none known here (as the eBPF driver) */
	}
	end_event(c, &e, type);
}

/* socket, bind, listen, accept, accept4: the eBPF driver's parameter lists. */
static void emit_net(struct fs_cpu *c, int enter, long id, long ret, unsigned long *a) {
	struct scap_enc e;
	u16 type;
	long fd = (int)a[0];
	int compat = READ_ONCE(g.flags) & FS_START_COMPAT_2022;
	switch(id) {
	case __NR_socket:
		type = enter ? PPME_SOCKET_SOCKET_E : PPME_SOCKET_SOCKET_X;
		enc_begin(&e, c->scratch, type, enter ? 3 : 5);
		if(!enter)
			enc_s64(&e, ret);
		enc_u32(&e, (u32)a[0]);
		enc_u32(&e, (u32)a[1]);
		enc_u32(&e, (u32)a[2]);
		if(!enter)
			enc_u32(&e, 0);
		break;
	case __NR_bind:
		type = enter ? PPME_SOCKET_BIND_E : PPME_SOCKET_BIND_X;
		if(enter) {
			enc_begin(&e, c->scratch, type, 1);
			enc_s64(&e, fd);
		} else {
			enc_begin(&e, c->scratch, type, 3);
			enc_s64(&e, ret);
			enc_sockaddr_user(&e, (const void __user *)a[1], (int)a[2]);
			enc_s64(&e, fd);
		}
		break;
	case __NR_listen:
		type = enter ? PPME_SOCKET_LISTEN_E : PPME_SOCKET_LISTEN_X;
		enc_begin(&e, c->scratch, type, enter ? 2 : 3);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, fd);
		enc_s32(&e, (int)a[1]);
		break;
	default: { /* accept, accept4 */
		int is4 = id == __NR_accept4;
		int old4 = is4 && compat; /* the older accept4 event: no flags on exit */
		u32 qlen = 0, qmax = 0;
		struct sock *ls;
		if(old4)
			type = enter ? PPME_SOCKET_ACCEPT4_5_E : PPME_SOCKET_ACCEPT4_5_X;
		else if(is4)
			type = enter ? PPME_SOCKET_ACCEPT4_6_E : PPME_SOCKET_ACCEPT4_6_X;
		else
			type = enter ? PPME_SOCKET_ACCEPT_5_E : PPME_SOCKET_ACCEPT_5_X;
		if(enter) {
			enc_begin(&e, c->scratch, type, is4 ? 1 : 0);
			if(is4)
				enc_s32(&e, (int)a[3]);
			break;
		}
		enc_begin(&e, c->scratch, type, is4 && !old4 ? 6 : 5);
		enc_s64(&e, ret);
		if(ret >= 0)
			enc_socktuple(&e, ret);
		else
			enc_empty(&e);
		rcu_read_lock();
		ls = fd_sock_rcu(fd);
		if(ls) {
			qlen = READ_ONCE(ls->sk_ack_backlog);
			qmax = READ_ONCE(ls->sk_max_ack_backlog);
		}
		rcu_read_unlock();
		enc_u8(&e, fs_queue_pct(qlen, qmax));
		enc_u32(&e, qlen);
		enc_u32(&e, qmax);
		if(is4 && !old4)
			enc_s32(&e, (int)a[3]);
		break;
	}
	}
	end_event(c, &e, type);
}

/* setuid/setgid (1 id), setreuid/setregid (2), setresuid/setresgid (3): the
 * ids on the exit event, as the current event versions carry them. */
static void emit_ids(struct fs_cpu *c, int enter, long id, long ret, unsigned long *a) {
	struct scap_enc e;
	u16 type;
	u32 n, i;
	switch(id) {
	case __NR_setuid:
		type = enter ? PPME_SYSCALL_SETUID_E : PPME_SYSCALL_SETUID_X;
		n = 1;
		break;
	case __NR_setgid:
		type = enter ? PPME_SYSCALL_SETGID_E : PPME_SYSCALL_SETGID_X;
		n = 1;
		break;
	case __NR_setreuid:
		type = enter ? PPME_SYSCALL_SETREUID_E : PPME_SYSCALL_SETREUID_X;
		n = 2;
		break;
	case __NR_setregid:
		type = enter ? PPME_SYSCALL_SETREGID_E : PPME_SYSCALL_SETREGID_X;
		n = 2;
		break;
	case __NR_setresuid:
		type = enter ? PPME_SYSCALL_SETRESUID_E : PPME_SYSCALL_SETRESUID_X;
		n = 3;
		break;
	default:
		type = enter ? PPME_SYSCALL_SETRESGID_E : PPME_SYSCALL_SETRESGID_X;
		n = 3;
		break;
	}
	if(enter) {
		/* the setre*id enter events carry nothing; the others repeat the ids */
		if(n == 2) {
			enc_begin(&e, c->scratch, type, 0);
		} else {
			enc_begin(&e, c->scratch, type, n);
			for(i = 0; i < n; i++)
				enc_u32(&e, (u32)a[i]);
		}
	} else {
		enc_begin(&e, c->scratch, type, n + 1);
		enc_s64(&e, ret);
		for(i = 0; i < n; i++)
			enc_u32(&e, (u32)a[i]);
	}
	end_event(c, &e, type);
}

/* chdir, chroot (path on exit) and fchdir (fd). */
static void emit_dir(struct fs_cpu *c, int enter, long id, long ret, unsigned long *a) {
	struct scap_enc e;
	u16 type;
	if(id == __NR_fchdir) {
		type = enter ? PPME_SYSCALL_FCHDIR_E : PPME_SYSCALL_FCHDIR_X;
		enc_begin(&e, c->scratch, type, enter ? 1 : 2);
		if(!enter)
			enc_s64(&e, ret);
		enc_s64(&e, (int)a[0]);
	} else {
		type = id == __NR_chdir ? (enter ? PPME_SYSCALL_CHDIR_E : PPME_SYSCALL_CHDIR_X)
		                        : (enter ? PPME_SYSCALL_CHROOT_E : PPME_SYSCALL_CHROOT_X);
		enc_begin(&e, c->scratch, type, enter ? 0 : 2);
		if(!enter) {
			enc_s64(&e, ret);
			enc_user_str(&e, (const void *)a[0], PATH_MAX_LEN);
		}
	}
	end_event(c, &e, type);
}

static void emit_close(struct fs_cpu *c, int enter, long ret, unsigned long *a) {
	struct scap_enc e;
	u16 type = enter ? PPME_SYSCALL_CLOSE_E : PPME_SYSCALL_CLOSE_X;
	enc_begin(&e, c->scratch, type, enter ? 1 : 2);
	if(!enter)
		enc_s64(&e, ret);
	enc_s64(&e, (int)a[0]);
	end_event(c, &e, type);
}

static void emit_connect(struct fs_cpu *c, int enter, long ret, unsigned long *a) {
	struct scap_enc e;
	u16 type = enter ? PPME_SOCKET_CONNECT_E : PPME_SOCKET_CONNECT_X;
	long fd = (int)a[0];
	if(enter) {
		enc_begin(&e, c->scratch, type, 2);
		enc_s64(&e, fd);
		enc_sockaddr_user(&e, (const void __user *)a[1], (int)a[2]);
	} else {
		enc_begin(&e, c->scratch, type, 4);
		enc_s64(&e, ret);
		enc_socktuple(&e, fd);
		enc_s64(&e, fd);
		enc_sockaddr_user(&e, (const void __user *)a[1], (int)a[2]);
	}
	end_event(c, &e, type);
}

static void emit_execve_e(struct fs_cpu *c, long id, unsigned long *a) {
	struct scap_enc e;
	if(id == __NR_execve) {
		enc_begin(&e, c->scratch, PPME_SYSCALL_EXECVE_19_E, 1);
		enc_user_str(&e, (const void *)a[0], PATH_MAX_LEN);
		end_event(c, &e, PPME_SYSCALL_EXECVE_19_E);
	} else {
		enc_begin(&e, c->scratch, PPME_SYSCALL_EXECVEAT_E, 3);
		enc_s64(&e, (int)a[0]);
		enc_user_str(&e, (const void *)a[1], PATH_MAX_LEN);
		enc_u32(&e, (u32)a[4]);
		end_event(c, &e, PPME_SYSCALL_EXECVEAT_E);
	}
}

static void emit_empty(struct fs_cpu *c, u16 type) {
	struct scap_enc e;
	enc_begin(&e, c->scratch, type, 0);
	end_event(c, &e, type);
}

/* ---- tracepoint probes ---- */

static void probe_sys_enter(void *data, struct pt_regs *regs, long id) {
	unsigned long a[6];
	struct fs_cpu *c;
	int k;
	if(in_compat_syscall())
		return;
	k = classify(id);
	if(k == K_GENERIC && (READ_ONCE(g.flags) & FS_START_NO_GENERIC))
		return;
	c = begin_event();
	if(!c)
		return;
	syscall_get_arguments(current, regs, a);
	switch(k) {
	case K_CLONE:
		emit_empty(c, fs_clone_event_type(id, 1));
		break;
	case K_EXEC:
		emit_execve_e(c, id, a);
		break;
	case K_OPEN:
		emit_open(c, 1, id, 0, a);
		break;
	case K_CLOSE:
		emit_close(c, 1, 0, a);
		break;
	case K_CONNECT:
		emit_connect(c, 1, 0, a);
		break;
	case K_NET:
		emit_net(c, 1, id, 0, a);
		break;
	case K_IDS:
		emit_ids(c, 1, id, 0, a);
		break;
	case K_DIR:
		emit_dir(c, 1, id, 0, a);
		break;
	default:
		emit_generic(c, 1, id);
		break;
	}
}

static void probe_sys_exit(void *data, struct pt_regs *regs, long ret) {
	unsigned long a[6];
	struct fs_cpu *c;
	long id;
	int k;
	if(in_compat_syscall())
		return;
	id = syscall_get_nr(current, regs);
	if(id < 0)
		return;
	k = classify(id);
	if(k == K_GENERIC && (READ_ONCE(g.flags) & FS_START_NO_GENERIC))
		return;
	c = begin_event();
	if(!c)
		return;
	syscall_get_arguments(current, regs, a);
	switch(k) {
	case K_CLONE:
		emit_clone_x(c, id, ret, a);
		break;
	case K_EXEC:
		emit_execve_x(c, id, ret);
		break;
	case K_OPEN:
		emit_open(c, 0, id, ret, a);
		break;
	case K_CLOSE:
		emit_close(c, 0, ret, a);
		break;
	case K_CONNECT:
		emit_connect(c, 0, ret, a);
		break;
	case K_NET:
		emit_net(c, 0, id, ret, a);
		break;
	case K_IDS:
		emit_ids(c, 0, id, ret, a);
		break;
	case K_DIR:
		emit_dir(c, 0, id, ret, a);
		break;
	default:
		emit_generic(c, 0, id);
		break;
	}
}

static void probe_sched_fork(void *data, struct task_struct *parent, struct task_struct *child) {
	if(READ_ONCE(g.capturing))
		atomic64_inc(&g.forks);
}

/* Keeps the file name of a successful execve for its exit event. */
static void probe_sched_exec(void *data, struct task_struct *p, pid_t old_pid,
                             struct linux_binprm *bprm) {
	struct exec_slot *s;
	unsigned long fl;
	if(!READ_ONCE(g.capturing))
		return;
	atomic64_inc(&g.execs);
	s = &g.exec_slots[p->pid % EXEC_SLOTS];
	spin_lock_irqsave(&g.exec_lock, fl);
	s->tid = p->pid;
	strscpy(s->path, bprm->filename ? bprm->filename : "", PATH_MAX_LEN);
	spin_unlock_irqrestore(&g.exec_lock, fl);
}

static void probe_sched_exit(void *data, struct task_struct *p) {
	struct fs_cpu *c;
	struct scap_enc e;
	int code;
	if(p != current)
		return;
	c = begin_event();
	if(!c)
		return;
	code = p->exit_code;
	enc_begin(&e, c->scratch, PPME_PROCEXIT_1_E, 5);
	enc_s64(&e, code);
	enc_s64(&e, (code >> 8) & 0xff);
	enc_u8(&e, code & 0x7f);
	enc_u8(&e, (code & 0x80) ? 1 : 0);
	enc_s64(&e, 0); /* reaper: left to the reader, as the eBPF driver does */
	end_event(c, &e, PPME_PROCEXIT_1_E);
}

/* ---- tracepoint lookup and registration ---- */

static void find_tp(struct tracepoint *tp, void *priv) {
	if(!strcmp(tp->name, "sys_enter"))
		g.tp_enter = tp;
	else if(!strcmp(tp->name, "sys_exit"))
		g.tp_exit = tp;
	else if(!strcmp(tp->name, "sched_process_fork"))
		g.tp_fork = tp;
	else if(!strcmp(tp->name, "sched_process_exec"))
		g.tp_exec = tp;
	else if(!strcmp(tp->name, "sched_process_exit"))
		g.tp_pexit = tp;
}

static void unregister_probes(void) {
	if(g.reg_enter)
		tracepoint_probe_unregister(g.tp_enter, probe_sys_enter, NULL);
	if(g.reg_exit)
		tracepoint_probe_unregister(g.tp_exit, probe_sys_exit, NULL);
	if(g.reg_fork)
		tracepoint_probe_unregister(g.tp_fork, probe_sched_fork, NULL);
	if(g.reg_exec)
		tracepoint_probe_unregister(g.tp_exec, probe_sched_exec, NULL);
	if(g.reg_pexit)
		tracepoint_probe_unregister(g.tp_pexit, probe_sched_exit, NULL);
	g.reg_enter = g.reg_exit = g.reg_fork = g.reg_exec = g.reg_pexit = false;
	/* no probe is running any more once this returns */
	tracepoint_synchronize_unregister();
}

static int register_probes(void) {
	int err;
#define REG(tp, fn, flag)                                     \
	err = tracepoint_probe_register(g.tp, (void *)fn, NULL); \
	if(err)                                                  \
		goto fail;                                           \
	g.flag = true;
	REG(tp_enter, probe_sys_enter, reg_enter)
	REG(tp_exit, probe_sys_exit, reg_exit)
	REG(tp_fork, probe_sched_fork, reg_fork)
	REG(tp_exec, probe_sched_exec, reg_exec)
	REG(tp_pexit, probe_sched_exit, reg_pexit)
#undef REG
	return 0;
fail:
	pr_err("falco_scap: tracepoint_probe_register failed (%d)\n", err);
	unregister_probes();
	return err;
}

/* ---- buffers ---- */

static void free_buffers(void) {
	unsigned int cpu;
	if(g.cpus) {
		for(cpu = 0; cpu < nr_cpu_ids; cpu++) {
			vfree(g.cpus[cpu].hdr);
			vfree(g.cpus[cpu].scratch);
			vfree(g.cpus[cpu].tmp);
		}
		kfree(g.cpus);
		g.cpus = NULL;
	}
	vfree(g.exec_slots);
	g.exec_slots = NULL;
}

static int alloc_buffers(void) {
	unsigned int cpu;
	g.cpus = kcalloc(nr_cpu_ids, sizeof(*g.cpus), GFP_KERNEL);
	g.exec_slots = vzalloc(sizeof(struct exec_slot) * EXEC_SLOTS);
	if(!g.cpus || !g.exec_slots)
		goto nomem;
	for_each_possible_cpu(cpu) {
		struct fs_cpu *c = &g.cpus[cpu];
		c->hdr = vmalloc_user(g.region_bytes); /* zeroed */
		c->scratch = vmalloc(FS_SCRATCH + ENC_MAX_CHUNK);
		c->tmp = vmalloc(TMP_LEN);
		if(!c->hdr || !c->scratch || !c->tmp)
			goto nomem;
		c->data = (unsigned char *)c->hdr + PAGE_SIZE;
		c->hdr->ring_bytes = g.ring_bytes;
		c->hdr->cpu = cpu;
	}
	return 0;
nomem:
	free_buffers();
	return -ENOMEM;
}

/* ---- device ---- */

static int fs_open(struct inode *inode, struct file *f) {
	int err;
	mutex_lock(&g.lock);
	if(g.open) {
		mutex_unlock(&g.lock);
		return -EBUSY;
	}
	err = alloc_buffers();
	if(!err) {
		g.capturing = 0;
		g.flags = 0;
		g.self_tgid = 0;
		atomic64_set(&g.forks, 0);
		atomic64_set(&g.execs, 0);
		err = register_probes();
		if(err)
			free_buffers();
	}
	if(!err) {
		g.open = true;
		g.opens++;
	}
	mutex_unlock(&g.lock);
	return err;
}

static int fs_release(struct inode *inode, struct file *f) {
	mutex_lock(&g.lock);
	WRITE_ONCE(g.capturing, 0);
	unregister_probes();
	free_buffers();
	g.open = false;
	mutex_unlock(&g.lock);
	return 0;
}

static int fs_mmap(struct file *f, struct vm_area_struct *vma) {
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long off = vma->vm_pgoff << PAGE_SHIFT;
	unsigned int cpu;
	int err;
	mutex_lock(&g.lock);
	err = -EINVAL;
	if(!g.cpus || off % g.region_bytes || len != g.region_bytes)
		goto out;
	cpu = off / g.region_bytes;
	if(cpu >= nr_cpu_ids || !g.cpus[cpu].hdr)
		goto out;
	err = remap_vmalloc_range(vma, g.cpus[cpu].hdr, 0);
out:
	mutex_unlock(&g.lock);
	return err;
}

static void sum_stats(struct fs_stats *s) {
	unsigned int cpu;
	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		struct fs_ring_hdr *h = g.cpus[cpu].hdr;
		s->events += READ_ONCE(h->events);
		s->drops += READ_ONCE(h->drops);
		s->drops_buffer_full += READ_ONCE(h->drops_buffer_full);
		s->drops_too_large += READ_ONCE(h->drops_too_large);
		s->drops_nested += READ_ONCE(h->drops_nested);
	}
	s->forks = atomic64_read(&g.forks);
	s->execs = atomic64_read(&g.execs);
	s->opens = g.opens;
}

static long fs_ioctl(struct file *f, unsigned int cmd, unsigned long arg) {
	long err = 0;
	mutex_lock(&g.lock);
	switch(cmd) {
	case FS_IOC_INFO: {
		struct fs_info info = {
		        .api_version = FS_KMOD_API_VERSION,
		        .ncpus = nr_cpu_ids,
		        .ring_bytes = g.ring_bytes,
		        .region_bytes = g.region_bytes,
		        .hdr_bytes = PAGE_SIZE,
		        .capturing = g.capturing,
		};
		if(copy_to_user((void __user *)arg, &info, sizeof(info)))
			err = -EFAULT;
		break;
	}
	case FS_IOC_START:
		WRITE_ONCE(g.flags, (u32)arg);
		WRITE_ONCE(g.self_tgid, current->tgid);
		WRITE_ONCE(g.capturing, 1);
		break;
	case FS_IOC_STOP:
		WRITE_ONCE(g.capturing, 0);
		/* events being encoded finish before STOP returns */
		synchronize_rcu();
		break;
	case FS_IOC_STATS: {
		struct fs_stats s;
		sum_stats(&s);
		if(copy_to_user((void __user *)arg, &s, sizeof(s)))
			err = -EFAULT;
		break;
	}
	default:
		err = -ENOTTY;
	}
	mutex_unlock(&g.lock);
	return err;
}

static const struct file_operations fs_fops = {
        .owner = THIS_MODULE,
        .open = fs_open,
        .release = fs_release,
        .mmap = fs_mmap,
        .unlocked_ioctl = fs_ioctl,
        .llseek = noop_llseek,
};

static struct miscdevice fs_misc = {
        .minor = MISC_DYNAMIC_MINOR,
        .name = "falco-scap",
        .fops = &fs_fops,
        .mode = 0600,
};

static int __init fs_init(void) {
	int err;
	check_flag_values();
	if(ring_kb < 64 || ring_kb > 262144 || (ring_kb & (ring_kb - 1))) {
		pr_err("falco_scap: ring_kb must be a power of two in 64..262144\n");
		return -EINVAL;
	}
	mutex_init(&g.lock);
	spin_lock_init(&g.exec_lock);
	g.ring_bytes = ring_kb * 1024;
	g.region_bytes = PAGE_SIZE + g.ring_bytes;
	for_each_kernel_tracepoint(find_tp, NULL);
	if(!g.tp_enter || !g.tp_exit || !g.tp_fork || !g.tp_exec || !g.tp_pexit) {
		pr_err("falco_scap: kernel tracepoints not found\n");
		return -ENOENT;
	}
	err = misc_register(&fs_misc);
	if(err)
		return err;
	pr_info("falco_scap: loaded, %u CPUs, %u KiB per CPU, /dev/%s\n", nr_cpu_ids, ring_kb,
	        fs_misc.name);
	return 0;
}

static void __exit fs_exit(void) {
	misc_deregister(&fs_misc);
	pr_info("falco_scap: unloaded\n");
}

module_init(fs_init);
module_exit(fs_exit);
