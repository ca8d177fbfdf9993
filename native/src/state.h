// Host state at capture start (/proc, /etc/passwd, /etc/group, getifaddrs)
// written as libscap state blocks.
#pragma once
#include <cstdint>
#include <string>
#include "sink.h"

namespace fscap {

struct StateCounts {
	uint32_t threads = 0;
	uint32_t fds = 0;
	uint32_t users = 0;
	uint32_t groups = 0;
	uint32_t ifaddrs = 0;
};

// Section header block (1.2).
bool write_section_header(Sink &s);
// Machine info, interface list, user list, process list and fd lists.
// `boot_ts` is the boot time in ns since the epoch. Threads of `skip_tgid`
// (the recorder) are still listed so the reader knows them.
bool write_state(Sink &s, uint64_t boot_ts, StateCounts &counts, std::string &err);

uint64_t boot_time_ns();

}  // namespace fscap
