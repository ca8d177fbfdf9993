#include "capture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <pthread.h>
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

// One CPU's element of the eBPF driver's ring array (driver/bpf/probe.bpf.c,
// `struct ring`): a header page, the data, and slack past the data for an
// event that starts near its end.
static const size_t kRingHdr = 4096, kRingSlack = 65536;
static const size_t kRingOffProd = 0, kRingOffEvents = 8, kRingOffDrops = 16, kRingOffDropsFull = 24,
                    kRingOffDropsLarge = 32, kRingOffWrapEnd = 40, kRingOffCons = 64;

static int doorbell_cb(void *ctx, void *data, size_t size) {
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

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
	skel_->rodata->cfg_ring_mask = (uint64_t)o.ring_bytes - 1;
	ring_stride_ = kRingHdr + (size_t)o.ring_bytes + kRingSlack;
	bpf_map__set_max_entries(skel_->maps.rings, ncpus_);
	bpf_map__set_value_size(skel_->maps.rings, (uint32_t)ring_stride_);

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

	ring_map_len_ = ring_stride_ * ncpus_;
	void *m = mmap(nullptr, ring_map_len_, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(skel_->maps.rings), 0);
	if(m == MAP_FAILED) {
		ring_map_len_ = 0;
		err = std::string("cannot map the event rings: ") + strerror(errno);
		return false;
	}
	ring_map_ = (uint8_t *)m;
	queues_.resize(ncpus_);
	doorbell_ = ring_buffer__new(bpf_map__fd(skel_->maps.doorbell), doorbell_cb, nullptr, nullptr);
	if(!doorbell_) {
		err = std::string("cannot set up ring polling: ") + strerror(errno);
		return false;
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

// Takes every published event from every CPU's ring into the per-CPU queues;
// returns how many bytes. Events lie back to back from the consumer position,
// each whole in one place: one that reaches the end of the data runs on into
// the slack past it, the driver notes where it ends (wrap_end), and the next
// starts at the wrapped position. So what is there is taken in at most two
// copies, without reading event by event here (walking the headers in memory
// the producing CPU has just written is a chain of cache misses); write_batch()
// checks each event's length as it writes it.
long Capture::consume_rings() {
	long n = 0;
	max_fill_ = 0;
	if(!ring_map_)
		return 0;
	const uint64_t size = ring_bytes_, mask = size - 1;
	for(uint32_t cpu = 0; cpu < ncpus_; cpu++) {
		uint8_t *base = ring_map_ + (size_t)cpu * ring_stride_;
		uint64_t *consp = (uint64_t *)(base + kRingOffCons);
		const uint8_t *data = base + kRingHdr;
		uint64_t cons = __atomic_load_n(consp, __ATOMIC_RELAXED);  // ours alone
		uint64_t prod = __atomic_load_n((const uint64_t *)(base + kRingOffProd), __ATOMIC_ACQUIRE);
		if(prod == cons)
			continue;
		uint64_t avail = prod - cons, start = cons & mask;
		std::vector<uint8_t> &q = queues_[cpu].data;
		bool ok = avail <= size;
		if(ok && start + avail <= size) {
			q.insert(q.end(), data + start, data + start + avail);
		} else if(ok) {
			uint64_t w = __atomic_load_n((const uint64_t *)(base + kRingOffWrapEnd), __ATOMIC_RELAXED);
			ok = w > cons && w <= prod && start + (w - cons) <= size + kRingSlack && (w & mask) + (prod - w) <= size;
			if(ok) {
				q.insert(q.end(), data + start, data + start + (w - cons));
				q.insert(q.end(), data + (w & mask), data + (w & mask) + (prod - w));
			}
		}
		// not what the driver writes: give up what is there rather than read garbage
		if(ok) {
			max_fill_ = std::max<uint64_t>(max_fill_, avail);
			n += (long)avail;
		}
		__atomic_store_n(consp, prod, __ATOMIC_RELEASE);
	}
	return n;
}

void Capture::unmap_rings() {
	if(ring_map_ && !ebpf_final_valid_) {
		read_counters(ebpf_final_);
		ebpf_final_valid_ = true;
	}
	if(ring_map_)
		munmap(ring_map_, ring_map_len_);
	ring_map_ = nullptr;
	ring_map_len_ = 0;
	if(doorbell_)
		ring_buffer__free(doorbell_);
	doorbell_ = nullptr;
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
	// Merge the per-CPU queues (each already in time order) by timestamp: take
	// the queue with the oldest head, then its events up to the next queue's
	// head (on a host where one CPU is busy, long runs) without looking again.
	uint64_t written = written_.load(std::memory_order_relaxed);
	const uint64_t max_events = opt_.max_events ? opt_.max_events : UINT64_MAX;
	for(;;) {
		size_t best = n, next = n;
		uint64_t best_ts = UINT64_MAX, next_ts = UINT64_MAX;
		for(size_t c = 0; c < n; c++) {
			CpuQueue &q = queues_[c];
			if(q.empty())
				continue;
			if(q.data.size() - q.head < 26) {
				q.head = q.data.size();  // a torn event: not what the drivers write
				continue;
			}
			uint64_t ts;
			memcpy(&ts, &q.data[q.head], 8);
			if(ts < best_ts || best == n) {
				next_ts = best_ts;
				next = best;
				best_ts = ts;
				best = c;
			} else if(ts < next_ts || next == n) {
				next_ts = ts;
				next = c;
			}
		}
		if(best == n || best_ts > cutoff)
			break;
		// equal timestamps go in CPU order, as one event at a time would take them
		const uint64_t limit = std::min(next == n || next > best ? next_ts : next_ts - 1, cutoff);
		CpuQueue &q = queues_[best];
		const uint16_t cpu = (uint16_t)best;
		const uint8_t *d = q.data.data();
		const size_t end = q.data.size();
		size_t h = q.head;
		do {
			if(written >= max_events) {
				done_ = true;
				break;
			}
			uint32_t len;
			memcpy(&len, d + h + 16, 4);
			if(len < 26 || len > end - h) {
				h = end;  // a malformed event: drop the rest of this queue
				break;
			}
			if(!filter || selected(d + h, len)) {
				if(!sink_.block2(kEvBlockV2, &cpu, 2, d + h, len)) {
					ok = false;
					break;
				}
				written++;
			}
			h += len;
			if(end - h < 26)
				break;
			uint64_t ts;
			memcpy(&ts, d + h, 8);
			if(ts > limit)
				break;
		} while(true);
		q.head = h;
		if(!ok || done_.load(std::memory_order_relaxed))
			break;
	}
	written_.store(written, std::memory_order_relaxed);
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
	pthread_setname_np(pthread_self(), "fscap-drain");  // for top -H, perf, /proc/<pid>/task
	raise_drain_priority(opt_.drain_realtime, opt_.drain_nice);
	bool busy = false;
	while(!stop_req_.load() && !done_.load()) {
		// The driver rings the doorbell only when a CPU's unread data passes
		// a quarter of its ring; otherwise take what is there every 20 ms.
		// Reading in rounds keeps this thread off the CPUs and out of the
		// producers' cache lines between rounds.
		int n = ring_buffer__poll(doorbell_, busy ? 0 : 20);
		if(n < 0 && n != -EINTR) {
			std::lock_guard<std::mutex> g(mu_);
			error_ = std::string("ring buffer poll failed: ") + strerror(-n);
			done_ = true;
			break;
		}
		consume_rings();
		// a ring was a quarter full: more is probably coming, go again without sleeping
		busy = max_fill_ >= ring_bytes_ / 4;
		if(!write_batch(false))
			break;
	}
	// Stop producing, then take everything still in the rings (after letting
	// programs that passed the switch before it flipped publish their event).
	if(skel_ && skel_->data)
		skel_->data->capture_on = 0;
	usleep(10 * 1000);
	drain_remaining([this] { return consume_rings(); });
}

void Capture::loop_kmod() {
	pthread_setname_np(pthread_self(), "fscap-drain");
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
	if(!ring_map_) {
		if(ebpf_final_valid_) {
			s.events_kernel = ebpf_final_.events_kernel;
			s.drops = ebpf_final_.drops;
			s.drops_buffer_full = ebpf_final_.drops_buffer_full;
			s.drops_too_large = ebpf_final_.drops_too_large;
			s.cpu_events = ebpf_final_.cpu_events;
			s.cpu_drops = ebpf_final_.cpu_drops;
		}
		return;
	}
	s.cpu_events.assign(ncpus_, 0);
	s.cpu_drops.assign(ncpus_, 0);
	for(uint32_t cpu = 0; cpu < ncpus_; cpu++) {
		const uint8_t *base = ring_map_ + (size_t)cpu * ring_stride_;
		auto word = [base](size_t off) { return __atomic_load_n((const uint64_t *)(base + off), __ATOMIC_RELAXED); };
		uint64_t ev = word(kRingOffEvents), dr = word(kRingOffDrops);
		s.events_kernel += ev;
		s.drops += dr;
		s.drops_buffer_full += word(kRingOffDropsFull);
		s.drops_too_large += word(kRingOffDropsLarge);
		s.cpu_events[cpu] = ev;
		s.cpu_drops[cpu] = dr;
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
	return ok;
}

}  // namespace fscap
