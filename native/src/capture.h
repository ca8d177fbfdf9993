// Live capture: loads the eBPF driver (or opens the kernel module's device),
// drains the per-CPU rings on a native thread and writes event blocks
// straight to the capture file.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "kmod_source.h"
#include "sink.h"
#include "state.h"

struct probe_bpf;
struct ring_buffer;

namespace fscap {

enum class Driver { Ebpf, Kmod };

struct Options {
	Driver driver = Driver::Ebpf;
	std::string kmod_device;  // empty: /dev/falco-scap
	std::string out;
	Compression compression = Compression::None;
	int level = 0;
	uint32_t snaplen = 80;
	bool all_events = true;
	bool compat_2022 = false;        // readable by sysdig 0.29 (2022 event tables)
	bool redundant_enter = true;     // read/write/generic enter events (always in compat mode)
	bool overwrite = false;
	int32_t target_pid = 0;          // 0: whole system
	uint64_t max_events = 0;         // 0: unlimited
	uint32_t ring_bytes = 8u << 20;  // per CPU, power of two
	bool drain_realtime = true;      // drain thread SCHED_RR (lowest RT priority) when allowed
	int drain_nice = -20;            // else this nice value (0: leave it)
};

struct Stats {
	uint64_t events_written = 0;  // event blocks in the file
	uint64_t events_kernel = 0;   // events pushed by the driver
	uint64_t drops = 0;           // events the driver could not push
	uint64_t drops_buffer_full = 0;
	uint64_t drops_too_large = 0;
	uint64_t drops_nested = 0;  // kmod: probe re-entered on one CPU
	uint64_t bytes = 0;   // uncompressed bytes of blocks
	uint64_t blocks = 0;  // all blocks, state included
	uint32_t ncpus = 0;
	Driver driver = Driver::Ebpf;
	uint32_t ring_bytes = 0;  // per CPU, as the driver has them
	StateCounts state;
	bool running = false;
	bool done = false;  // stopped by itself (max events or a write error)
	std::string error;
	std::vector<uint64_t> cpu_events, cpu_drops;
};

class Capture {
public:
	Capture() = default;
	~Capture();
	bool start(const Options &o, std::string &err);
	// Stops capture, drains every buffer, closes the file. Idempotent.
	bool stop(std::string &err);
	Stats stats();
	// the output file was created by start() (false when it refused to overwrite)
	bool created() const { return created_; }

	// ring buffer callback
	int on_event(uint32_t cpu, const void *data, size_t size);

private:
	bool start_ebpf(std::string &err);
	bool start_kmod(std::string &err);
	void loop();
	void loop_kmod();
	template <class Drain>
	void drain_remaining(Drain drain);
	void read_counters(Stats &s);
	void read_kmod_counters(Stats &s);
	bool write_batch(bool all);
	// kmod with a target: the kernel traces everything, keep target's tree only
	bool selected(const uint8_t *ev, uint32_t len);

	Options opt_;
	Sink sink_;
	probe_bpf *skel_ = nullptr;
	// The eBPF driver's per-CPU rings: one mmapped array map, an element per
	// CPU (header, data, slack; see driver/bpf/probe.bpf.c `struct ring`). The
	// consumer position is published once per drain round (each store pulls
	// the cache line the producing CPU reads on every event back across cores).
	uint8_t *ring_map_ = nullptr;  // the whole array, read-write
	size_t ring_map_len_ = 0;
	size_t ring_stride_ = 0;       // bytes per CPU element
	ring_buffer *doorbell_ = nullptr;  // the driver's wake-ups (a BPF ring buffer)
	long consume_rings();
	void unmap_rings();
	uint64_t max_fill_ = 0;  // most unread bytes in one CPU's ring at the last round
	Stats ebpf_final_;  // eBPF counters read just before the rings are unmapped
	bool ebpf_final_valid_ = false;
	KmodSource *kmod_ = nullptr;
	Stats kmod_final_;  // kmod counters read just before the device is closed
	bool kmod_final_valid_ = false;
	std::unordered_set<int64_t> targets_;  // thread ids in the target's tree (kmod)
	uint32_t ring_bytes_ = 0;
	std::thread th_;
	std::atomic<bool> stop_req_{false};
	std::atomic<bool> running_{false};
	std::atomic<bool> done_{false};
	std::atomic<bool> state_written_{false};  // the drain thread writes events only after the state
	std::mutex mu_;  // guards error_, written_
	std::string error_;
	std::atomic<uint64_t> written_{0};
	StateCounts state_;
	uint32_t ncpus_ = 0;
	uint64_t boot_ts_ = 0;

	// Events taken from one CPU's ring and not yet written: already in time
	// order, stored back to back from `head`.
	struct CpuQueue {
		std::vector<uint8_t> data;
		size_t head = 0;
		bool empty() const { return head >= data.size(); }
	};
	std::vector<CpuQueue> queues_;
	bool pending() const;
	bool stopped_ = false;
	bool created_ = false;
};

}  // namespace fscap
