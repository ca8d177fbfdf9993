// SPDX-License-Identifier: Apache-2.0
// fs-kmod-record: records a SCAP capture from the falco-scap kernel module.
//   fs-kmod-record -o out.scap [-t seconds] [--compat2022] [--no-generic] [--dev /dev/falco-scap]
// Stops at SIGINT/SIGTERM or after -t seconds. Writes the SHB, the host state
// blocks (native/src/state.cc) and one EV_V2 block per event, in time order
// within each drain round. Prints the driver counters on stderr at the end.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>
#include <unistd.h>

#include "../src/sink.h"
#include "../src/state.h"
#include "kmod_reader.h"

using namespace fscap;

static volatile sig_atomic_t g_stop = 0;
static void on_sig(int) { g_stop = 1; }

struct Ev {
	uint64_t ts;
	uint16_t cpu;
	size_t off;
	uint32_t len;
};
struct Batch {
	std::vector<unsigned char> data;
	std::vector<Ev> evs;
};

static int collect(void *ctx, uint32_t cpu, const unsigned char *ev, uint32_t len) {
	Batch *b = static_cast<Batch *>(ctx);
	Ev e;
	memcpy(&e.ts, ev, 8);
	e.cpu = (uint16_t)cpu;
	e.off = b->data.size();
	e.len = len;
	b->data.insert(b->data.end(), ev, ev + len);
	b->evs.push_back(e);
	return 0;
}

static bool flush(Sink &s, Batch &b, uint64_t &written) {
	std::stable_sort(b.evs.begin(), b.evs.end(), [](const Ev &x, const Ev &y) { return x.ts < y.ts; });
	for(const Ev &e : b.evs) {
		if(!s.block2(0x216, &e.cpu, 2, &b.data[e.off], e.len))
			return false;
		written++;
	}
	b.data.clear();
	b.evs.clear();
	return s.push();
}

int main(int argc, char **argv) {
	std::string out, dev = FS_KMOD_DEVICE;
	double secs = 0;
	uint32_t flags = 0;
	for(int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if(a == "-o" && i + 1 < argc)
			out = argv[++i];
		else if(a == "-t" && i + 1 < argc)
			secs = atof(argv[++i]);
		else if(a == "--dev" && i + 1 < argc)
			dev = argv[++i];
		else if(a == "--compat2022")
			flags |= FS_START_COMPAT_2022;
		else if(a == "--no-generic")
			flags |= FS_START_NO_GENERIC;
		else {
			fprintf(stderr, "usage: %s -o out.scap [-t seconds] [--compat2022] [--no-generic] [--dev path]\n", argv[0]);
			return 2;
		}
	}
	if(out.empty()) {
		fprintf(stderr, "fs-kmod-record: -o is required\n");
		return 2;
	}
	struct fsk k;
	int r = fsk_open(&k, dev.c_str());
	if(r < 0) {
		fprintf(stderr, "fs-kmod-record: %s: %s\n", dev.c_str(), strerror(-r));
		return 1;
	}
	Sink sink;
	if(!sink.open(out, Compression::None, true, 0) || !write_section_header(sink)) {
		fprintf(stderr, "fs-kmod-record: %s\n", sink.error().c_str());
		return 1;
	}
	StateCounts counts;
	std::string err;
	if(!write_state(sink, boot_time_ns(), counts, err))
		fprintf(stderr, "fs-kmod-record: state: %s (continuing)\n", err.c_str());
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	if((r = fsk_start(&k, flags)) < 0) {
		fprintf(stderr, "fs-kmod-record: start: %s\n", strerror(-r));
		return 1;
	}
	fprintf(stderr, "fs-kmod-record: capturing (%u CPUs, %u KiB each), threads=%u fds=%u\n", k.info.ncpus,
	        k.info.ring_bytes >> 10, counts.threads, counts.fds);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	Batch b;
	uint64_t written = 0;
	bool ok = true;
	while(!g_stop && ok) {
		long n = fsk_drain(&k, collect, &b);
		if(n > 0)
			ok = flush(sink, b, written);
		else
			usleep(10000);
		if(secs > 0) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			if((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= secs)
				break;
		}
	}
	fsk_stop(&k);
	fsk_drain(&k, collect, &b);
	if(ok)
		ok = flush(sink, b, written);
	struct fs_stats st;
	memset(&st, 0, sizeof(st));
	fsk_stats(&k, &st);
	fsk_close(&k);
	if(!sink.close() || !ok) {
		fprintf(stderr, "fs-kmod-record: write: %s\n", sink.error().c_str());
		return 1;
	}
	fprintf(stderr,
	        "fs-kmod-record: written=%llu events=%llu drops=%llu full=%llu large=%llu nested=%llu forks=%llu execs=%llu opens=%llu\n",
	        (unsigned long long)written, (unsigned long long)st.events, (unsigned long long)st.drops,
	        (unsigned long long)st.drops_buffer_full, (unsigned long long)st.drops_too_large,
	        (unsigned long long)st.drops_nested, (unsigned long long)st.forks, (unsigned long long)st.execs,
	        (unsigned long long)st.opens);
	return 0;
}
