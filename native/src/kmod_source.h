// The kernel module driver (driver/kmod) seen from the recorder: a thin C++
// face over native/kmod-reader. Kept in its own translation unit because the
// module's interface header declares its own fixed-width kernel types, which
// clash with the ones libbpf's headers bring into capture.cc.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace fscap {

struct KmodCounters {
	uint64_t events = 0, drops = 0, drops_buffer_full = 0, drops_too_large = 0, drops_nested = 0;
	std::vector<uint64_t> cpu_events, cpu_drops;
};

class KmodSource {
public:
	using EventFn = int (*)(void *ctx, uint32_t cpu, const unsigned char *ev, uint32_t len);
	KmodSource();
	~KmodSource();
	KmodSource(const KmodSource &) = delete;
	KmodSource &operator=(const KmodSource &) = delete;
	// 0 or -errno (ENOENT: module not loaded; EACCES: not root; EBUSY: in use;
	// ENOTTY/EPROTO: not a device of this API version)
	int open(const std::string &dev);
	// The calling process becomes "the recorder": the module skips its syscalls.
	int start(bool compat_2022, bool all_events);
	int stop();
	// Every whole event now in the rings to fn; the count.
	long drain(EventFn fn, void *ctx);
	bool counters(KmodCounters &c);
	uint32_t ncpus() const;
	uint32_t ring_bytes() const;
	void close();
	static const char *default_device();

private:
	struct Impl;
	Impl *impl_;
};

}  // namespace fscap
