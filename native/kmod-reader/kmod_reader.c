/* SPDX-License-Identifier: Apache-2.0 */
#include "kmod_reader.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define EV_HDR 26
#define EV_MAX (64u << 10)

int fsk_open(struct fsk *k, const char *dev) {
	uint32_t i;
	memset(k, 0, sizeof(*k));
	k->fd = open(dev ? dev : FS_KMOD_DEVICE, O_RDWR | O_CLOEXEC);
	if(k->fd < 0)
		return -errno;
	if(ioctl(k->fd, FS_IOC_INFO, &k->info) < 0 || k->info.api_version != FS_KMOD_API_VERSION) {
		int e = errno ? errno : EPROTO;
		close(k->fd);
		return -e;
	}
	k->regions = calloc(k->info.ncpus, sizeof(void *));
	k->tmp = malloc(EV_MAX);
	if(!k->regions || !k->tmp) {
		fsk_close(k);
		return -ENOMEM;
	}
	for(i = 0; i < k->info.ncpus; i++) {
		void *p = mmap(NULL, k->info.region_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, k->fd,
		               (off_t)i * k->info.region_bytes);
		k->regions[i] = p == MAP_FAILED ? NULL : p; /* CPUs not possible: not mapped */
	}
	return 0;
}

int fsk_start(struct fsk *k, uint32_t flags) {
	return ioctl(k->fd, FS_IOC_START, (unsigned long)flags) < 0 ? -errno : 0;
}
int fsk_stop(struct fsk *k) {
	return ioctl(k->fd, FS_IOC_STOP, 0) < 0 ? -errno : 0;
}
int fsk_stats(struct fsk *k, struct fs_stats *s) {
	return ioctl(k->fd, FS_IOC_STATS, s) < 0 ? -errno : 0;
}

static void copy_out(unsigned char *dst, const unsigned char *data, uint32_t size, uint64_t pos,
                     uint32_t len) {
	uint32_t off = (uint32_t)(pos & (size - 1));
	uint32_t first = size - off < len ? size - off : len;
	memcpy(dst, data + off, first);
	if(len > first)
		memcpy(dst + first, data, len - first);
}

long fsk_drain(struct fsk *k, fsk_event_cb cb, void *ctx) {
	long n = 0;
	uint32_t cpu;
	for(cpu = 0; cpu < k->info.ncpus; cpu++) {
		struct fs_ring_hdr *h = k->regions[cpu];
		unsigned char *data;
		uint32_t size;
		uint64_t head, tail;
		if(!h)
			continue;
		data = (unsigned char *)h + k->info.hdr_bytes;
		size = k->info.ring_bytes;
		head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
		tail = h->tail;
		while(head - tail >= EV_HDR) {
			uint32_t len;
			unsigned char hdr[EV_HDR];
			const unsigned char *ev;
			copy_out(hdr, data, size, tail, EV_HDR);
			memcpy(&len, hdr + 16, 4);
			if(len < EV_HDR || len > EV_MAX || len > head - tail) {
				tail = head; /* corrupt: skip what is there */
				break;
			}
			if((tail & (size - 1)) + len <= size) {
				ev = data + (tail & (size - 1));
			} else {
				copy_out(k->tmp, data, size, tail, len);
				ev = k->tmp;
			}
			if(cb(ctx, cpu, ev, len) != 0) {
				__atomic_store_n(&h->tail, tail, __ATOMIC_RELEASE);
				return -1;
			}
			tail += len;
			n++;
		}
		__atomic_store_n(&h->tail, tail, __ATOMIC_RELEASE);
	}
	return n;
}

void fsk_close(struct fsk *k) {
	uint32_t i;
	if(k->regions) {
		for(i = 0; i < k->info.ncpus; i++)
			if(k->regions[i])
				munmap(k->regions[i], k->info.region_bytes);
		free(k->regions);
	}
	free(k->tmp);
	if(k->fd >= 0)
		close(k->fd);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}
