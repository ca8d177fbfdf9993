#include "capture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "probe.skel.h"

namespace fscap {

static const uint32_t kEvBlockV2 = 0x216;

static int rb_cb(void *ctx, void *data, size_t size) {
	auto *c = (std::pair<Capture *, uint32_t> *)ctx;
	return c->first->on_event(c->second, data, size);
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap) {
	(void)level;
	if(getenv("FALCO_SCAP_BPF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

Capture::~Capture() {
	std::string e;
	stop(e);
	if(skel_)
		probe_bpf__destroy(skel_);
}

bool Capture::start(const Options &o, std::string &err) {
	opt_ = o;
	libbpf_set_print(silent_print);
	if(!sink_.open(o.out, o.compression, o.overwrite, o.level)) {
		err = sink_.error();
		return false;
	}
	created_ = true;
	if(!write_section_header(sink_)) {
		err = sink_.error();
		return false;
	}

	skel_ = probe_bpf__open();
	if(!skel_) {
		err = std::string("cannot open the eBPF object: ") + strerror(errno);
		return false;
	}
	int ncpu = libbpf_num_possible_cpus();
	if(ncpu <= 0)
		ncpu = 1;
	ncpus_ = (uint32_t)ncpu;
	skel_->rodata->cfg_snaplen = o.snaplen;
	skel_->rodata->cfg_all_events = o.all_events ? 1 : 0;
	skel_->rodata->cfg_target_mode = o.target_pid > 0 ? 1 : 0;
	skel_->rodata->cfg_self_tgid = (uint32_t)getpid();
	boot_ts_ = boot_time_ns();
	skel_->rodata->cfg_boot_ts = boot_ts_;
	skel_->rodata->cfg_compat_2022 = o.compat_2022 ? 1 : 0;
	skel_->rodata->cfg_wakeup_bytes = o.ring_bytes / 4;
	bpf_map__set_max_entries(skel_->maps.ringbufs, ncpus_);
	bpf_map__set_max_entries(skel_->maps.rb_template, o.ring_bytes);

	int r = probe_bpf__load(skel_);
	if(r) {
		int e = -r;
		err = std::string("cannot load the eBPF driver: ") + strerror(e);
		if((e == EPERM || e == EACCES) && geteuid() != 0)
			err += " (record needs root, or CAP_BPF + CAP_PERFMON + CAP_SYS_RESOURCE)";
		else if(e == EACCES)
			err += " (the kernel verifier rejected it; set FALCO_SCAP_BPF_DEBUG=1 for its log)";
		else
			err += " (set FALCO_SCAP_BPF_DEBUG=1 for the verifier log)";
		return false;
	}

	int outer = bpf_map__fd(skel_->maps.ringbufs);
	for(uint32_t cpu = 0; cpu < ncpus_; cpu++) {
		int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, nullptr, 0, 0, o.ring_bytes, nullptr);
		if(fd < 0) {
			err = std::string("cannot create a ring buffer: ") + strerror(errno);
			return false;
		}
		ring_fds_.push_back(fd);
		if(bpf_map_update_elem(outer, &cpu, &fd, BPF_ANY) != 0) {
			err = std::string("cannot install a ring buffer: ") + strerror(errno);
			return false;
		}
	}
	cbctx_.resize(ncpus_);
	queues_.resize(ncpus_);
	for(uint32_t cpu = 0; cpu < ncpus_; cpu++) {
		cbctx_[cpu] = {this, cpu};
		if(cpu == 0)
			rb_ = ring_buffer__new(ring_fds_[0], rb_cb, &cbctx_[0], nullptr);
		else if(rb_ && ring_buffer__add(rb_, ring_fds_[cpu], rb_cb, &cbctx_[cpu]) != 0) {
			err = std::string("cannot poll a ring buffer: ") + strerror(errno);
			return false;
		}
		if(!rb_) {
			err = std::string("cannot set up ring buffer polling: ") + strerror(errno);
			return false;
		}
	}

	if(o.target_pid > 0) {
		uint32_t k = (uint32_t)o.target_pid;
		uint8_t one = 1;
		bpf_map_update_elem(bpf_map__fd(skel_->maps.targets), &k, &one, BPF_ANY);
	}

	r = probe_bpf__attach(skel_);
	if(r) {
		err = std::string("cannot attach the eBPF driver: ") + strerror(-r);
		return false;
	}

	// The driver is collecting from here; the state snapshot follows, so no
	// process or fd created in between is missed (its events come after).
	std::string serr;
	if(!write_state(sink_, boot_time_ns(), state_, serr)) {
		err = "writing the host state: " + serr;
		return false;
	}

	running_ = true;
	th_ = std::thread([this] { loop(); });
	return true;
}

int Capture::on_event(uint32_t cpu, const void *data, size_t size) {
	if(size < 26 || cpu >= queues_.size())
		return 0;
	uint32_t evlen;
	memcpy(&evlen, (const uint8_t *)data + 16, 4);
	if(evlen > size || evlen < 26)
		return 0;
	std::vector<uint8_t> &q = queues_[cpu].data;
	q.insert(q.end(), (const uint8_t *)data, (const uint8_t *)data + evlen);
	return 0;
}

bool Capture::pending() const {
	for(const CpuQueue &q : queues_)
		if(!q.empty())
			return true;
	return false;
}

// Events from different CPUs reach user space in per-CPU order only. Events
// are held back for kHoldbackNs after their timestamp and written in time
// order, so the file is ordered unless a CPU's buffer lags by more than that.
static const uint64_t kHoldbackNs = 30ull * 1000 * 1000;

static uint64_t now_event_clock() {
	struct timespec bt;
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return (uint64_t)bt.tv_sec * 1000000000ull + bt.tv_nsec;
}

bool Capture::write_batch(bool all) {
	uint64_t cutoff = all ? UINT64_MAX : now_event_clock() + boot_ts_ - kHoldbackNs;
	bool ok = true;
	const size_t n = queues_.size();
	// merge the per-CPU queues (each already in time order) by timestamp
	for(;;) {
		size_t best = n;
		uint64_t best_ts = UINT64_MAX;
		for(size_t c = 0; c < n; c++) {
			CpuQueue &q = queues_[c];
			if(q.empty())
				continue;
			uint64_t ts;
			memcpy(&ts, &q.data[q.head], 8);
			if(ts < best_ts || best == n) {
				best_ts = ts;
				best = c;
			}
		}
		if(best == n || best_ts > cutoff)
			break;
		if(opt_.max_events && written_.load(std::memory_order_relaxed) >= opt_.max_events) {
			done_ = true;
			break;
		}
		CpuQueue &q = queues_[best];
		uint32_t len;
		memcpy(&len, &q.data[q.head + 16], 4);
		uint16_t cpu = (uint16_t)best;
		if(!sink_.block2(kEvBlockV2, &cpu, 2, &q.data[q.head], len)) {
			ok = false;
			break;
		}
		q.head += len;
		written_.fetch_add(1, std::memory_order_relaxed);
	}
	for(CpuQueue &q : queues_) {
		if(q.empty() || !ok || done_.load()) {
			q.data.clear();
			q.head = 0;
		} else if(q.head > (1u << 20) && q.head * 2 > q.data.size()) {
			q.data.erase(q.data.begin(), q.data.begin() + (long)q.head);
			q.head = 0;
		}
	}
	if(ok)
		ok = sink_.push();
	if(!ok) {
		std::lock_guard<std::mutex> g(mu_);
		error_ = sink_.error();
		done_ = true;
	}
	return ok;
}

void Capture::loop() {
	while(!stop_req_.load() && !done_.load()) {
		// The driver wakes us only when a ring fills up; otherwise take what
		// is there every 20 ms.
		int n = ring_buffer__poll(rb_, 20);
		if(n >= 0)
			n = ring_buffer__consume(rb_);
		if(n < 0 && n != -EINTR) {
			std::lock_guard<std::mutex> g(mu_);
			error_ = std::string("ring buffer poll failed: ") + strerror(-n);
			done_ = true;
			break;
		}
		if(!write_batch(false))
			break;
	}
	// Stop producing, then take everything still in the buffers.
	if(skel_ && skel_->data)
		skel_->data->capture_on = 0;
	// let programs that passed the switch before it flipped finish their event
	usleep(10 * 1000);
	if(!done_.load() || (opt_.max_events && written_.load() < opt_.max_events)) {
		for(int i = 0; i < 1000; i++) {
			int n = ring_buffer__consume(rb_);
			if(pending() && !done_.load())
				write_batch(true);
			if(n <= 0)
				break;
		}
	}
	if(pending() && !done_.load())
		write_batch(true);
	queues_.clear();
}

void Capture::read_counters(Stats &s) {
	if(!skel_)
		return;
	int fd = bpf_map__fd(skel_->maps.counters_map);
	int n = libbpf_num_possible_cpus();
	if(fd < 0 || n <= 0)
		return;
	struct C {
		uint64_t events, drops, full, large;
	};
	std::vector<C> v((size_t)n);
	uint32_t zero = 0;
	if(bpf_map_lookup_elem(fd, &zero, v.data()) != 0)
		return;
	s.cpu_events.assign((size_t)n, 0);
	s.cpu_drops.assign((size_t)n, 0);
	for(int i = 0; i < n; i++) {
		s.events_kernel += v[i].events;
		s.drops += v[i].drops;
		s.drops_buffer_full += v[i].full;
		s.drops_too_large += v[i].large;
		s.cpu_events[i] = v[i].events;
		s.cpu_drops[i] = v[i].drops;
	}
}

Stats Capture::stats() {
	Stats s;
	s.events_written = written_.load();
	s.bytes = sink_.bytes_written();
	s.blocks = sink_.blocks();
	s.ncpus = ncpus_;
	s.state = state_;
	s.running = running_.load() && !stopped_;
	s.done = done_.load();
	{
		std::lock_guard<std::mutex> g(mu_);
		s.error = error_;
	}
	read_counters(s);
	return s;
}

bool Capture::stop(std::string &err) {
	if(stopped_)
		return true;
	stopped_ = true;
	stop_req_ = true;
	if(th_.joinable())
		th_.join();
	running_ = false;
	if(skel_)
		probe_bpf__detach(skel_);
	bool ok = sink_.close();
	{
		std::lock_guard<std::mutex> g(mu_);
		if(!error_.empty()) {
			err = error_;
			ok = false;
		} else if(!ok) {
			err = sink_.error();
			error_ = err;
		}
	}
	if(rb_) {
		ring_buffer__free(rb_);
		rb_ = nullptr;
	}
	for(int fd : ring_fds_)
		close(fd);
	ring_fds_.clear();
	return ok;
}

}  // namespace fscap
