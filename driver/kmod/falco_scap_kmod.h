/* SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only */
/*
 * falco-scap kernel module: the interface shared by the module and its
 * readers (native/kmod-reader). Plain fixed-width types only, so the file
 * builds in the kernel and in user space.
 *
 * One misc device, /dev/falco-scap. Each possible CPU owns one region of
 * `region_bytes` in the device's mmap space, at offset cpu * region_bytes:
 *
 *   [ struct fs_ring_hdr, one page ][ data: ring_bytes, a power of two ]
 *
 * The data area is a byte ring of whole libscap events (header + parameter
 * lengths + parameters), back to back, possibly wrapping around the end.
 * `head` and `tail` are free-running byte counts: the module only writes
 * `head` (release), the reader only writes `tail` (release) after it has
 * copied the events in [tail, head).
 */
#ifndef FALCO_SCAP_KMOD_H
#define FALCO_SCAP_KMOD_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
typedef uint32_t __u32;
typedef uint64_t __u64;
#endif

#define FS_KMOD_DEVICE "/dev/falco-scap"
#define FS_KMOD_API_VERSION 1

struct fs_ring_hdr {
	__u64 head; /* bytes produced (module) */
	__u64 tail; /* bytes consumed (reader) */
	__u64 events;            /* events pushed */
	__u64 drops;             /* events lost, all causes */
	__u64 drops_buffer_full; /* ring full */
	__u64 drops_too_large;   /* event larger than the scratch area */
	__u64 drops_nested;      /* probe re-entered on the same CPU */
	__u32 ring_bytes;
	__u32 cpu;
};

struct fs_info {
	__u32 api_version;
	__u32 ncpus;        /* regions in the mmap space (possible CPUs) */
	__u32 ring_bytes;   /* data bytes per CPU */
	__u32 region_bytes; /* page + ring_bytes: mmap offset step */
	__u32 hdr_bytes;    /* page size */
	__u32 capturing;
};

struct fs_stats {
	__u64 events;
	__u64 drops;
	__u64 drops_buffer_full;
	__u64 drops_too_large;
	__u64 drops_nested;
	__u64 forks;   /* sched_process_fork seen since open */
	__u64 execs;   /* sched_process_exec seen since open */
	__u64 opens;   /* device opens since the module was loaded */
};

/* FS_IOC_START flags */
#define FS_START_COMPAT_2022 (1u << 0) /* events readable by 2022 readers (sysdig 0.29) */
#define FS_START_NO_GENERIC (1u << 1)  /* no events for syscalls without a dedicated event */

#define FS_IOC_MAGIC 0xf5
#define FS_IOC_INFO _IOR(FS_IOC_MAGIC, 1, struct fs_info)
#define FS_IOC_START _IO(FS_IOC_MAGIC, 2) /* arg: FS_START_* flags */
#define FS_IOC_STOP _IO(FS_IOC_MAGIC, 3)
#define FS_IOC_STATS _IOR(FS_IOC_MAGIC, 4, struct fs_stats)

#endif
