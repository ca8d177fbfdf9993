/* SPDX-License-Identifier: Apache-2.0 */
/* falco-scap: drain the kernel module's per-CPU rings (driver/kmod). Plain C,
 * usable from the recorder addon or the standalone fs-kmod-record. */
#ifndef FS_KMOD_READER_H
#define FS_KMOD_READER_H
#include <stddef.h>
#include <stdint.h>
#include "../../driver/kmod/falco_scap_kmod.h"
#ifdef __cplusplus
extern "C" {
#endif

struct fsk {
	int fd;
	struct fs_info info;
	void **regions; /* info.ncpus mappings (NULL: CPU not mapped) */
	unsigned char *tmp; /* one event, reassembled when it wraps */
};

/* callback: one whole libscap event (header + lengths + params) */
typedef int (*fsk_event_cb)(void *ctx, uint32_t cpu, const unsigned char *ev, uint32_t len);

int fsk_open(struct fsk *k, const char *dev); /* 0 or -errno */
int fsk_start(struct fsk *k, uint32_t flags);
int fsk_stop(struct fsk *k);
int fsk_stats(struct fsk *k, struct fs_stats *s);
/* Hands every complete event now in the rings to cb; returns the count, or
 * -1 when cb returned non-zero (the event it refused stays in the ring). */
long fsk_drain(struct fsk *k, fsk_event_cb cb, void *ctx);
void fsk_close(struct fsk *k);

#ifdef __cplusplus
}
#endif
#endif
