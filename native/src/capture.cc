#include "capture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "probe.skel.h"

#include "kmod_source.h"

namespace fscap {

static const uint32_t kEvBlockV2 = 0x216;


static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap) {
	(void)level;
	if(getenv("FALCO_SCAP_BPF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

// The drain thread competes with the traced load for CPU: at equal weight a
// host whose cores are all busy with syscalls (the heaviest case to record)
// leaves it a small share and the rings overflow. A nice value is not enough
// on its own: with autogroups (the default), CFS shares CPU between sessions
// first, so a load started in another session still gets half of it. A
// real-time policy at the lowest priority is above every CFS task and still
// bounded by the kernel's RT throttling (95% of a CPU by default); the thread
// sleeps whenever the rings are empty. Measured on this 2-core VM with `dd
// bs=1` on both cores in another session: 51% of events dropped at nice 0,
// ~45% at nice -20, written rate 3.8 M events/s once SCHED_RR. Best effort:
// needs root / CAP_SYS_NICE; falls back to the nice value.
static void raise_drain_priority(bool realtime, int nice) {
	pid_t tid = (pid_t)syscall(SYS_gettid);
	if(realtime) {
		struct sched_param sp;
		memset(&sp, 0, sizeof(sp));
		sp.sched_priority = sched_get_priority_min(SCHED_RR);
		if(sched_setscheduler(tid, SCHED_RR, &sp) == 0)
			return;
	}
	if(nice < 0)
		setpriority(PRIO_PROCESS, (id_t)tid, nice);
}

Capture::~Capture() {
	std::string e;
	stop(e);
	if(skel_)
		probe_bpf__destroy(skel_);
	delete kmod_;
}

bool Capture::start(const Options &o, std::string &err) {
	opt_ = o;
	libbpf_set_print(silent_print);
	// The writer thread runs like the drain thread: when it falls behind, the
	// queue fills and the drain thread waits on it while the rings overflow.
	if(!sink_.open(o.out, o.compression, o.overwrite, o.level,
	               [o] { raise_drain_priority(o.drain_realtime, o.drain_nice); })) {
		err = sink_.error();
		return false;
	}
	created_ = true;
	if(!write_section_header(sink_)) {
		err = sink_.error();
		return false;
	}
	boot_ts_ = boot_time_ns();
	if(!(o.driver == Driver::Kmod ? start_kmod(err) : start_ebpf(err)))
		return false;

	// The driver is collecting from here; the state snapshot follows, so no
	// process or fd created in between is missed (its events come after).
	// Walking /proc takes a while on a busy host: the drain thread already
	// empties the rings into memory meanwhile and writes once the state is in.
	running_ = true;
	if(o.driver == Driver::Kmod)
		th_ = std::thread([this] { loop_kmod(); });
	else
		th_ = std::thread([this] { loop(); });
	std::string serr;
	if(!write_state(sink_, boot_time_ns(), state_, serr)) {
		err = "writing the host state: " + serr;
		done_ = true;  // nothing more goes to the file
		return false;
	}
	state_written_.store(true, std::memory_order_release);
	return true;
}

bool Capture::start_ebpf(std::string &err) {
	const Options &o = opt_;
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
	skel_->rodata->cfg_boot_ts = boot_ts_;
	skel_->rodata->cfg_compat_2022 = o.compat_2022 ? 1 : 0;
	skel_->rodata->cfg_redundant_enter = (o.redundant_enter || o.compat_2022) ? 1 : 0;
	skel_->rodata->cfg_wakeup_bytes = o.ring_bytes / 4;
	bpf_map__set_max_entries(skel_->maps.ringbufs, ncpus_);
	bpf_map__set_max_entries(skel_->maps.batches, ncpus_);
	bpf_map__set_max_entries(skel_->maps.flush_timers, ncpus_);
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
	queues_.resize(ncpus_);
	epfd_ = epoll_create1(EPOLL_CLOEXEC);
	if(epfd_ < 0) {
		err = std::string("cannot set up ring buffer polling: ") + strerror(errno);
		return false;
	}
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	rings_.resize(ncpus_);
	for(uint32_t cpu = 0; cpu < ncpus_; cpu++) {
		Ring &rg = rings_[cpu];
		int fd = ring_fds_[cpu];
		rg.cons_len = page;
		void *c = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if(c == MAP_FAILED) {
			err = std::string("cannot map a ring buffer: ") + strerror(errno);
			return false;
		}
		rg.cons = (uint64_t *)c;
		rg.prod_len = page + 2 * (size_t)o.ring_bytes;
		void *p = mmap(nullptr, rg.prod_len, PROT_READ, MAP_SHARED, fd, (off_t)page);
		if(p == MAP_FAILED) {
			err = std::string("cannot map a ring buffer: ") + strerror(errno);
			return false;
		}
		rg.prod = (const uint8_t *)p;
		rg.mask = (uint64_t)o.ring_bytes - 1;
		struct epoll_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLET;
		ev.data.u32 = cpu;
		if(epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
			err = std::string("cannot poll a ring buffer: ") + strerror(errno);
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

	ring_bytes_ = o.ring_bytes;
	return true;
}

static int kmod_cb(void *ctx, uint32_t cpu, const unsigned char *ev, uint32_t len) {
	return static_cast<Capture *>(ctx)->on_event(cpu, ev, len);
}

bool Capture::start_kmod(std::string &err) {
	const Options &o = opt_;
	std::string dev = o.kmod_device.empty() ? KmodSource::default_device() : o.kmod_device;
	kmod_ = new KmodSource();
	int r = kmod_->open(dev);
	if(r < 0) {
		int e = -r;
		delete kmod_;
		kmod_ = nullptr;
		err = "cannot open the kernel module's device " + dev + ": " + strerror(e);
		if(e == ENOENT)
			err += " (the falco_scap module is not loaded: insmod falco_scap.ko, see docs/kmod.md)";
		else if(e == EACCES || e == EPERM)
			err += " (record --driver kmod needs root)";
		else if(e == EBUSY)
			err += " (another recorder has it open: one at a time)";
		else if(e == ENOTTY || e == EINVAL || e == EPROTO)
			err += " (not a falco-scap device of this version: rebuild and reload the module)";
		return false;
	}
	ncpus_ = kmod_->ncpus();
	ring_bytes_ = kmod_->ring_bytes();
	queues_.resize(ncpus_);
	if(o.target_pid > 0)
		targets_.insert(o.target_pid);
	// START records the calling process as the recorder: its own syscalls are not traced
	r = kmod_->start(o.compat_2022, o.all_events);
	if(r < 0) {
		err = std::string("cannot start the kernel module: ") + strerror(-r);
		return false;
	}
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

// The eBPF driver sends each CPU's events in batches: a ring record holds one
// or more whole events back to back. Keeps the well-formed prefix.
void Capture::on_record(uint32_t cpu, const uint8_t *data, size_t size) {
	if(cpu >= queues_.size())
		return;
	size_t off = 0;
	while(size - off >= 26) {
		uint32_t evlen;
		memcpy(&evlen, data + off + 16, 4);
		if(evlen < 26 || evlen > size - off)
			break;
		off += evlen;
	}
	if(off) {
		std::vector<uint8_t> &q = queues_[cpu].data;
		q.insert(q.end(), data, data + off);
	}
}

// Record header of a BPF ring buffer entry (uapi linux/bpf.h): u32 length
// with the busy and discard bits on top, u32 page offset.
static const uint32_t kRbBusy = 1u << 31, kRbDiscard = 1u << 30, kRbHdr = 8;

// Takes every committed record from every ring into the per-CPU queues.
long Capture::consume_rings() {
	long n = 0;
	for(uint32_t cpu = 0; cpu < rings_.size(); cpu++) {
		Ring &rg = rings_[cpu];
		const uint8_t *data = rg.prod + rg.cons_len;
		uint64_t cons = __atomic_load_n(rg.cons, __ATOMIC_ACQUIRE);
		uint64_t last = cons;
		for(;;) {
			uint64_t prod = __atomic_load_n((const uint64_t *)rg.prod, __ATOMIC_ACQUIRE);
			if(cons >= prod)
				break;
			while(cons < prod) {
				const uint32_t *hdr = (const uint32_t *)(data + (cons & rg.mask));
				uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
				if(len & kRbBusy)
					goto next_ring;
				uint32_t body = len & ~(kRbBusy | kRbDiscard);
				if(!(len & kRbDiscard)) {
					on_record(cpu, (const uint8_t *)hdr + kRbHdr, body);
					n++;
				}
				cons += (body + kRbHdr + 7) & ~7ull;
				// free space for the producer now and then, not per record
				if(cons - last >= (1u << 18)) {
					__atomic_store_n(rg.cons, cons, __ATOMIC_RELEASE);
					last = cons;
				}
			}
		}
	next_ring:
		if(cons != last)
			__atomic_store_n(rg.cons, cons, __ATOMIC_RELEASE);
	}
	return n;
}

// Partial batches still in the driver once capture is off. Each CPU's flush
// timer sends its batch a few ms after the batch's first event, so they are
// normally empty by now; wait for that a little longer (taking them here while
// a timer sends them would write those events twice), then take what is left
// (a timer that could not be armed) from the map, after the ring's records.
void Capture::take_batches() {
	if(!skel_)
		return;
	int fd = bpf_map__fd(skel_->maps.batches);
	size_t vsize = bpf_map__value_size(skel_->maps.batches);
	if(fd < 0 || vsize < 24)
		return;
	std::vector<uint8_t> v(vsize);
	for(int tries = 0;; tries++) {
		bool any = false;
		for(uint32_t cpu = 0; cpu < ncpus_; cpu++) {
			uint32_t used = 0;
			if(bpf_map_lookup_elem(fd, &cpu, v.data()) == 0)
				memcpy(&used, v.data(), 4);
			if(!used)
				continue;
			any = true;
			if(tries < 20)
				continue;
			consume_rings();
			if(used > vsize - 24)
				used = (uint32_t)(vsize - 24);
			on_record(cpu, v.data() + 24, used);
			uint32_t zero[2] = {0, 0};
			memcpy(v.data(), zero, 8);
			bpf_map_update_elem(fd, &cpu, v.data(), BPF_ANY);
		}
		if(!any || tries >= 20)
			break;
		usleep(5 * 1000);
	}
}

void Capture::unmap_rings() {
	for(Ring &rg : rings_) {
		if(rg.cons)
			munmap(rg.cons, rg.cons_len);
		if(rg.prod)
			munmap((void *)rg.prod, rg.prod_len);
	}
	rings_.clear();
	if(epfd_ >= 0)
		close(epfd_);
	epfd_ = -1;
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

// The eBPF driver stamps events with boot time + boot_ts_, the module with
// the wall clock.
static uint64_t now_ns(clockid_t c) {
	struct timespec t;
	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

// Clone/fork exit events: params res, exe, args, tid, pid, ptid. Thread ids of
// the target's tree are followed from the child's own exit event (res 0),
// which is the first event a new thread produces.
static bool is_clone_exit(uint16_t type) {
	return type == 223 || type == 225 || type == 227 || type == 335;  // CLONE_20, FORK_20, VFORK_20, CLONE3
}

static bool param_s64(const uint8_t *ev, uint32_t len, uint32_t idx, int64_t &out) {
	uint32_t np;
	memcpy(&np, ev + 22, 4);
	if(idx >= np || 26 + 2ull * np > len)
		return false;
	uint64_t off = 26 + 2ull * np;
	for(uint32_t i = 0; i < idx; i++) {
		uint16_t l;
		memcpy(&l, ev + 26 + 2 * i, 2);
		off += l;
	}
	uint16_t l;
	memcpy(&l, ev + 26 + 2 * idx, 2);
	if(l != 8 || off + 8 > len)
		return false;
	memcpy(&out, ev + off, 8);
	return true;
}

bool Capture::selected(const uint8_t *ev, uint32_t len) {
	int64_t tid;
	uint16_t type;
	memcpy(&tid, ev + 8, 8);
	memcpy(&type, ev + 20, 2);
	if(targets_.count(tid)) {
		if(type == 186 || type == 187)  // PROCEXIT_1_E/X: the thread is gone, its id may be reused
			targets_.erase(tid);
		return true;
	}
	int64_t res, pid, ptid;
	if(is_clone_exit(type) && param_s64(ev, len, 0, res) && res == 0 &&
	   ((param_s64(ev, len, 4, pid) && targets_.count(pid)) || (param_s64(ev, len, 5, ptid) && targets_.count(ptid)))) {
		targets_.insert(tid);
		return true;
	}
	return false;
}

bool Capture::write_batch(bool all) {
	if(!state_written_.load(std::memory_order_acquire))
		return true;  // the state blocks come first: keep the events queued
	uint64_t now = opt_.driver == Driver::Kmod ? now_ns(CLOCK_REALTIME) : now_ns(CLOCK_BOOTTIME) + boot_ts_;
	uint64_t cutoff = all ? UINT64_MAX : now - kHoldbackNs;
	const bool filter = opt_.driver == Driver::Kmod && opt_.target_pid > 0;
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
		if(filter && !selected(&q.data[q.head], len)) {
			q.head += len;
			continue;
		}
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

// After the driver has stopped producing: takes what is left in the rings (DRAIN returns
// how many events a round brought) and writes it, unless the event limit was reached.
template <class Drain>
void Capture::drain_remaining(Drain drain) {
	if(!done_.load() || (opt_.max_events && written_.load() < opt_.max_events)) {
		for(int i = 0; i < 1000; i++) {
			long n = drain();
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

void Capture::loop() {
	raise_drain_priority(opt_.drain_realtime, opt_.drain_nice);
	bool busy = false;
	while(!stop_req_.load() && !done_.load()) {
		// The driver wakes us only when a ring is a quarter full; otherwise
		// take what is there every 20 ms. Reading in batches keeps this thread
		// off the CPUs and out of the producers' cache lines between batches.
		struct epoll_event evs[64];
		int n = epoll_wait(epfd_, evs, 64, busy ? 0 : 20);
		if(n < 0 && errno != EINTR) {
			std::lock_guard<std::mutex> g(mu_);
			error_ = std::string("ring buffer poll failed: ") + strerror(errno);
			done_ = true;
			break;
		}
		// a big batch: more is probably waiting, go again without sleeping
		busy = consume_rings() >= 4096;
		if(!write_batch(false))
			break;
	}
	// Stop producing, then take everything still in the buffers.
	if(skel_ && skel_->data)
		skel_->data->capture_on = 0;
	// let programs that passed the switch before it flipped finish their event,
	// and the driver's flush timers send the last partial batches
	usleep(10 * 1000);
	take_batches();
	drain_remaining([this] { return consume_rings(); });
}

void Capture::loop_kmod() {
	raise_drain_priority(opt_.drain_realtime, opt_.drain_nice);
	// The module does not wake readers: take what is in the rings every 10 ms
	// (at once again when a round brought many events).
	while(!stop_req_.load() && !done_.load()) {
		long n = kmod_->drain(kmod_cb, this);
		if(!write_batch(false))
			break;
		if(n < 4096)
			usleep(10 * 1000);
	}
	// STOP returns once every probe that saw the switch on has pushed its event.
	kmod_->stop();
	drain_remaining([this] { return kmod_->drain(kmod_cb, this); });
}

void Capture::read_kmod_counters(Stats &s) {
	KmodCounters c;
	if(kmod_ && kmod_->counters(c)) {
		s.events_kernel = c.events;
		s.drops = c.drops;
		s.drops_buffer_full = c.drops_buffer_full;
		s.drops_too_large = c.drops_too_large;
		s.drops_nested = c.drops_nested;
		s.cpu_events = c.cpu_events;
		s.cpu_drops = c.cpu_drops;
	} else if(!kmod_ && kmod_final_valid_) {
		s.events_kernel = kmod_final_.events_kernel;
		s.drops = kmod_final_.drops;
		s.drops_buffer_full = kmod_final_.drops_buffer_full;
		s.drops_too_large = kmod_final_.drops_too_large;
		s.drops_nested = kmod_final_.drops_nested;
		s.cpu_events = kmod_final_.cpu_events;
		s.cpu_drops = kmod_final_.cpu_drops;
	}
}

void Capture::read_counters(Stats &s) {
	if(opt_.driver == Driver::Kmod)
		return read_kmod_counters(s);
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
	s.driver = opt_.driver;
	s.ring_bytes = ring_bytes_;
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
	if(kmod_) {
		// keep the final counters: they live in the device, closed here
		read_kmod_counters(kmod_final_);
		kmod_final_valid_ = true;
		delete kmod_;
		kmod_ = nullptr;
	}
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
	unmap_rings();
	for(int fd : ring_fds_)
		close(fd);
	ring_fds_.clear();
	return ok;
}

}  // namespace fscap
