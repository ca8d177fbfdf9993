#include "kmod_source.h"

#include <cstring>

#include "../kmod-reader/kmod_reader.h"

namespace fscap {

struct KmodSource::Impl {
	struct fsk k;
	bool open = false;
};

KmodSource::KmodSource() : impl_(new Impl()) {}
KmodSource::~KmodSource() {
	close();
	delete impl_;
}

const char *KmodSource::default_device() { return FS_KMOD_DEVICE; }

int KmodSource::open(const std::string &dev) {
	close();
	int r = fsk_open(&impl_->k, dev.empty() ? FS_KMOD_DEVICE : dev.c_str());
	impl_->open = r == 0;
	return r;
}

int KmodSource::start(bool compat_2022, bool all_events) {
	uint32_t flags = 0;
	if(compat_2022)
		flags |= FS_START_COMPAT_2022;
	if(!all_events)
		flags |= FS_START_NO_GENERIC;
	return fsk_start(&impl_->k, flags);
}

int KmodSource::stop() { return impl_->open ? fsk_stop(&impl_->k) : 0; }

long KmodSource::drain(EventFn fn, void *ctx) { return impl_->open ? fsk_drain(&impl_->k, fn, ctx) : 0; }

bool KmodSource::counters(KmodCounters &c) {
	if(!impl_->open)
		return false;
	struct fs_stats st;
	memset(&st, 0, sizeof(st));
	if(fsk_stats(&impl_->k, &st) != 0)
		return false;
	c.events = st.events;
	c.drops = st.drops;
	c.drops_buffer_full = st.drops_buffer_full;
	c.drops_too_large = st.drops_too_large;
	c.drops_nested = st.drops_nested;
	uint32_t n = impl_->k.info.ncpus;
	c.cpu_events.assign(n, 0);
	c.cpu_drops.assign(n, 0);
	for(uint32_t i = 0; i < n; i++) {
		auto *h = static_cast<struct fs_ring_hdr *>(impl_->k.regions[i]);
		if(!h)
			continue;
		c.cpu_events[i] = __atomic_load_n(&h->events, __ATOMIC_RELAXED);
		c.cpu_drops[i] = __atomic_load_n(&h->drops, __ATOMIC_RELAXED);
	}
	return true;
}

uint32_t KmodSource::ncpus() const { return impl_->open ? impl_->k.info.ncpus : 0; }
uint32_t KmodSource::ring_bytes() const { return impl_->open ? impl_->k.info.ring_bytes : 0; }

void KmodSource::close() {
	if(impl_->open)
		fsk_close(&impl_->k);
	impl_->open = false;
}

}  // namespace fscap
