/* SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only */
/*
 * falco-scap: kernel flag values -> libscap PPM_* flag bits.
 *
 * Shared by the eBPF driver and the kernel module. The kernel values are the
 * x86-64 ABI ones, spelled out here because the eBPF side only has the types
 * of vmlinux.h (no macros); the module checks them against its headers at
 * build time. The includer provides ENC_U32 / ENC_U64 (see encode.h).
 */
#ifndef FALCO_SCAP_FLAGS_H
#define FALCO_SCAP_FLAGS_H

/* open(2) */
#define FS_O_WRONLY 00000001
#define FS_O_RDWR 00000002
#define FS_O_CREAT 00000100
#define FS_O_EXCL 00000200
#define FS_O_TRUNC 00001000
#define FS_O_APPEND 00002000
#define FS_O_NONBLOCK 00004000
#define FS_O_DSYNC 00010000
#define FS_O_DIRECT 00040000
#define FS_O_LARGEFILE 00100000
#define FS_O_DIRECTORY 00200000
#define FS_O_CLOEXEC 02000000
#define FS_O_SYNC 04010000
#define FS_O_TMPFILE 020200000

/* clone(2) */
#define FS_CLONE_VM 0x00000100
#define FS_CLONE_FS 0x00000200
#define FS_CLONE_FILES 0x00000400
#define FS_CLONE_SIGHAND 0x00000800
#define FS_CLONE_PTRACE 0x00002000
#define FS_CLONE_VFORK 0x00004000
#define FS_CLONE_PARENT 0x00008000
#define FS_CLONE_THREAD 0x00010000
#define FS_CLONE_NEWNS 0x00020000
#define FS_CLONE_SYSVSEM 0x00040000
#define FS_CLONE_SETTLS 0x00080000
#define FS_CLONE_PARENT_SETTID 0x00100000
#define FS_CLONE_CHILD_CLEARTID 0x00200000
#define FS_CLONE_UNTRACED 0x00800000
#define FS_CLONE_CHILD_SETTID 0x01000000
#define FS_CLONE_NEWCGROUP 0x02000000
#define FS_CLONE_NEWUTS 0x04000000
#define FS_CLONE_NEWIPC 0x08000000
#define FS_CLONE_NEWUSER 0x10000000
#define FS_CLONE_NEWPID 0x20000000
#define FS_CLONE_NEWNET 0x40000000
#define FS_CLONE_IO 0x80000000u

#define FS_AF_UNIX 1
#define FS_AF_INET 2
#define FS_AF_INET6 10
#define FS_AT_REMOVEDIR 0x200
#define FS_PR_SET_NAME 15

/* libscap's PPM_O_* bits. O_TMPFILE and O_SYNC count only when all of their
 * bits are set (each includes another flag's bit). */
static __always_inline ENC_U32 fs_open_flags_to_scap(ENC_U32 f) {
	ENC_U32 r;
	switch(f & (FS_O_WRONLY | FS_O_RDWR)) {
	case FS_O_WRONLY:
		r = 2;
		break;
	case FS_O_RDWR:
		r = 3;
		break;
	default:
		r = 1;
		break;
	}
	if(f & FS_O_CREAT)
		r |= 1 << 2;
	if(f & FS_O_APPEND)
		r |= 1 << 3;
	if(f & FS_O_DSYNC)
		r |= 1 << 4;
	if(f & FS_O_EXCL)
		r |= 1 << 5;
	if(f & FS_O_NONBLOCK)
		r |= 1 << 6;
	if((f & FS_O_SYNC) == FS_O_SYNC)
		r |= 1 << 7;
	if(f & FS_O_TRUNC)
		r |= 1 << 8;
	if(f & FS_O_DIRECT)
		r |= 1 << 9;
	if(f & FS_O_DIRECTORY)
		r |= 1 << 10;
	if(f & FS_O_LARGEFILE)
		r |= 1 << 11;
	if(f & FS_O_CLOEXEC)
		r |= 1 << 12;
	if((f & FS_O_TMPFILE) == FS_O_TMPFILE)
		r |= 1 << 13;
	return r;
}

/* The mode only means something when a file can be created; the scap
 * permission bits use the kernel's low 12 bits as they are. */
static __always_inline ENC_U32 fs_open_mode_to_scap(ENC_U32 flags, ENC_U32 mode) {
	if(!(flags & FS_O_CREAT) && (flags & FS_O_TMPFILE) != FS_O_TMPFILE)
		return 0;
	return mode & 07777;
}

/* libscap's PPM_CL_* bits. */
static __always_inline ENC_U32 fs_clone_flags_to_scap(ENC_U64 f) {
	ENC_U32 r = 0;
	if(f & FS_CLONE_FILES)
		r |= 1 << 0;
	if(f & FS_CLONE_FS)
		r |= 1 << 1;
	if(f & FS_CLONE_IO)
		r |= 1 << 2;
	if(f & FS_CLONE_NEWIPC)
		r |= 1 << 3;
	if(f & FS_CLONE_NEWNET)
		r |= 1 << 4;
	if(f & FS_CLONE_NEWNS)
		r |= 1 << 5;
	if(f & FS_CLONE_NEWPID)
		r |= 1 << 6;
	if(f & FS_CLONE_NEWUTS)
		r |= 1 << 7;
	if(f & FS_CLONE_PARENT)
		r |= 1 << 8;
	if(f & FS_CLONE_PARENT_SETTID)
		r |= 1 << 9;
	if(f & FS_CLONE_PTRACE)
		r |= 1 << 10;
	if(f & FS_CLONE_SIGHAND)
		r |= 1 << 11;
	if(f & FS_CLONE_SYSVSEM)
		r |= 1 << 12;
	if(f & FS_CLONE_THREAD)
		r |= 1 << 13;
	if(f & FS_CLONE_UNTRACED)
		r |= 1 << 14;
	if(f & FS_CLONE_VM)
		r |= 1 << 15;
	if(f & FS_CLONE_NEWUSER)
		r |= 1 << 20;
	if(f & FS_CLONE_CHILD_CLEARTID)
		r |= 1 << 23;
	if(f & FS_CLONE_CHILD_SETTID)
		r |= 1 << 24;
	if(f & FS_CLONE_SETTLS)
		r |= 1 << 25;
	if(f & FS_CLONE_VFORK)
		r |= 1 << 27;
	if(f & FS_CLONE_NEWCGROUP)
		r |= 1 << 28;
	return r;
}

/* A device number as user space sees it (glibc makedev) from major/minor. */
static __always_inline ENC_U32 fs_encode_dev(ENC_U32 major, ENC_U32 minor) {
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

/* PROT_READ/WRITE/EXEC have the same bit positions in PPM_PROT_*. */
static __always_inline ENC_U32 fs_mmap_prot_to_scap(ENC_U32 p) {
	return p & 7;
}

/* libscap's PPM_MAP_* bits. */
static __always_inline ENC_U32 fs_mmap_flags_to_scap(ENC_U32 f) {
	ENC_U32 r = 0;
	if(f & 0x01) /* MAP_SHARED */
		r |= 1 << 0;
	if(f & 0x02) /* MAP_PRIVATE */
		r |= 1 << 1;
	if(f & 0x10) /* MAP_FIXED */
		r |= 1 << 2;
	if(f & 0x20) /* MAP_ANONYMOUS */
		r |= 1 << 3;
	if(f & 0x40) /* MAP_32BIT */
		r |= 1 << 4;
	if(f & 0x4000) /* MAP_NORESERVE */
		r |= 1 << 6;
	if(f & 0x8000) /* MAP_POPULATE */
		r |= 1 << 7;
	if(f & 0x10000) /* MAP_NONBLOCK */
		r |= 1 << 8;
	if(f & 0x0100) /* MAP_GROWSDOWN */
		r |= 1 << 9;
	if(f & 0x0800) /* MAP_DENYWRITE */
		r |= 1 << 10;
	if(f & 0x1000) /* MAP_EXECUTABLE */
		r |= 1 << 11;
	if(f & 0x2000) /* MAP_LOCKED */
		r |= 1 << 14;
	if(!(f & 0x20)) /* not anonymous: MAP_FILE */
		r |= 1 << 13;
	return r;
}

/* fcntl command -> libscap's PPM_FCNTL_* value (0: unknown). */
static __always_inline unsigned char fs_fcntl_cmd_to_scap(ENC_U32 c) {
	switch(c) {
	case 0: return 1;     /* F_DUPFD */
	case 1: return 2;     /* F_GETFD */
	case 2: return 3;     /* F_SETFD */
	case 3: return 4;     /* F_GETFL */
	case 4: return 5;     /* F_SETFL */
	case 5: return 6;     /* F_GETLK */
	case 6: return 8;     /* F_SETLK */
	case 7: return 9;     /* F_SETLKW */
	case 8: return 10;    /* F_SETOWN */
	case 9: return 12;    /* F_GETOWN */
	case 10: return 13;   /* F_SETSIG */
	case 11: return 15;   /* F_GETSIG */
	case 15: return 21;   /* F_SETOWN_EX */
	case 16: return 22;   /* F_GETOWN_EX */
	case 36: return 30;   /* F_OFD_GETLK */
	case 37: return 31;   /* F_OFD_SETLK */
	case 38: return 32;   /* F_OFD_SETLKW */
	case 1024: return 23; /* F_SETLEASE */
	case 1025: return 24; /* F_GETLEASE */
	case 1026: return 27; /* F_NOTIFY */
	case 1029: return 25; /* F_CANCELLK */
	case 1030: return 26; /* F_DUPFD_CLOEXEC */
	case 1031: return 28; /* F_SETPIPE_SZ */
	case 1032: return 29; /* F_GETPIPE_SZ */
	default: return 0;
	}
}

#endif
