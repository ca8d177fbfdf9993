#include "sink.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

namespace fscap {

static const size_t kBufSize = 1 << 20;
// Most memory held by buffers waiting for the writer thread (their capacity:
// a queued buffer keeps its 1 MiB however little it holds); past it the caller
// waits (the kernel's ring buffers then fill up and count drops instead of
// this process growing without bound).
static const size_t kMaxQueued = 256u << 20;

Sink::Sink() { buf_.reserve(kBufSize + 65536); }

Sink::~Sink() {
	if(fd_ >= 0 || gz_ || wt_.joinable())
		close();
}

void Sink::fail_msg(const std::string &msg) {
	std::lock_guard<std::mutex> g(err_mu_);
	if(!failed_.load(std::memory_order_relaxed)) {
		err_ = msg;
		failed_.store(true, std::memory_order_release);
	}
}

void Sink::fail(const std::string &what, int e) {
	std::string m = what + ": " + (e ? strerror(e) : "unknown error");
	if(e == ENOSPC || e == EDQUOT)
		m += " (disk full; the capture ends at the last complete block)";
	fail_msg(m);
}

bool Sink::open(const std::string &path, Compression c, bool overwrite, int level,
                std::function<void()> writer_init) {
	path_ = path;
	comp_ = c;
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
	fd_ = ::open(path.c_str(), flags, 0644);
	if(fd_ < 0) {
		int e = errno;
		if(e == EEXIST)
			fail_msg("refusing to overwrite existing file " + path + " (use force)");
		else
			fail("cannot open " + path, e);
		return false;
	}
	if(c == Compression::Gzip) {
		int dupfd = dup(fd_);
		gz_ = gzdopen(dupfd, level > 0 ? (std::string("wb") + std::to_string(level)).c_str() : "wb");
		if(!gz_) {
			fail("gzdopen", errno);
			return false;
		}
		gzbuffer((gzFile)gz_, 256 * 1024);
	} else if(c == Compression::Zstd) {
		ZSTD_CStream *z = ZSTD_createCStream();
		if(!z) {
			fail("zstd init", ENOMEM);
			return false;
		}
		ZSTD_initCStream(z, level > 0 ? level : 3);
		zctx_ = z;
		zout_.resize(ZSTD_CStreamOutSize());
	}
	wt_ = std::thread([this, writer_init] {
		pthread_setname_np(pthread_self(), "fscap-writer");
		if(writer_init)
			writer_init();
		writer();
	});
	return true;
}

bool Sink::write_out(const uint8_t *p, size_t n, size_t *done_out) {
	size_t done = 0;
	if(done_out)
		*done_out = 0;
	while(done < n) {
		ssize_t w = ::write(fd_, p + done, n - done);
		if(w < 0) {
			if(errno == EINTR)
				continue;
			fail("write " + path_, errno);
			return false;
		}
		if(w == 0) {
			fail("write " + path_, ENOSPC);
			return false;
		}
		done += (size_t)w;
		if(done_out)
			*done_out = done;
	}
	return true;
}

bool Sink::write_buffer(const std::vector<uint8_t> &buf) {
	if(failed())
		return false;
	bool ok = true;
	if(comp_ == Compression::None) {
		size_t done = 0;
		ok = write_out(buf.data(), buf.size(), &done);
		if(ok) {
			durable_ += buf.size();
		} else {
			// keep only whole blocks: cut the file back to the last block that made it
			size_t keep = 0;
			while(keep + 8 <= done) {
				uint32_t bl;
				memcpy(&bl, &buf[keep + 4], 4);
				if(bl < 12 || keep + bl > done)
					break;
				keep += bl;
			}
			durable_ += keep;
			if(ftruncate(fd_, (off_t)durable_) != 0) {
				// nothing more we can do
			}
		}
	} else if(comp_ == Compression::Gzip) {
		int w = gzwrite((gzFile)gz_, buf.data(), (unsigned)buf.size());
		if(w <= 0 || (size_t)w != buf.size()) {
			int ge = 0;
			const char *m = gzerror((gzFile)gz_, &ge);
			fail(std::string("gzip write ") + path_ + (m ? std::string(" (") + m + ")" : ""),
			     ge == Z_ERRNO ? errno : 0);
			ok = false;
		}
	} else {
		ZSTD_CStream *z = (ZSTD_CStream *)zctx_;
		ZSTD_inBuffer in = {buf.data(), buf.size(), 0};
		while(in.pos < in.size && ok) {
			ZSTD_outBuffer out = {zout_.data(), zout_.size(), 0};
			size_t r = ZSTD_compressStream(z, &out, &in);
			if(ZSTD_isError(r)) {
				fail_msg(std::string("zstd: ") + ZSTD_getErrorName(r));
				ok = false;
				break;
			}
			ok = write_out(zout_.data(), out.pos);
		}
	}
	return ok;
}

void Sink::writer() {
	std::unique_lock<std::mutex> lk(qmu_);
	for(;;) {
		q_work_.wait(lk, [this] { return !q_.empty() || q_stop_; });
		if(q_.empty())
			break;  // stopping, and everything is written
		std::vector<uint8_t> b = std::move(q_.front());
		q_.pop_front();
		q_busy_ = true;
		lk.unlock();
		// after a failure the rest is dropped: the file ends at the last whole block
		if(!failed())
			write_buffer(b);
		size_t n = b.capacity();
		b.clear();
		lk.lock();
		q_busy_ = false;
		q_bytes_ -= n;
		if(spare_.size() < 4)
			spare_.push_back(std::move(b));
		q_done_.notify_all();
	}
}

// Hands the buffered blocks to the writer thread.
bool Sink::raw_flush() {
	if(buf_.empty())
		return !failed();
	if(failed()) {
		buf_.clear();
		return false;
	}
	std::unique_lock<std::mutex> lk(qmu_);
	if(!wt_.joinable()) {
		lk.unlock();
		bool ok = write_buffer(buf_);
		buf_.clear();
		return ok;
	}
	q_done_.wait(lk, [this] { return q_bytes_ < kMaxQueued || failed(); });
	q_bytes_ += buf_.capacity();
	q_.push_back(std::move(buf_));
	if(!spare_.empty()) {
		buf_ = std::move(spare_.back());
		spare_.pop_back();
	} else {
		buf_ = std::vector<uint8_t>();
		buf_.reserve(kBufSize + 65536);
	}
	buf_.clear();
	q_work_.notify_one();
	return !failed();
}

void Sink::drain_queue() {
	std::unique_lock<std::mutex> lk(qmu_);
	q_done_.wait(lk, [this] { return q_.empty() && !q_busy_; });
}

void Sink::stop_writer() {
	if(!wt_.joinable())
		return;
	{
		std::lock_guard<std::mutex> g(qmu_);
		q_stop_ = true;
	}
	q_work_.notify_all();
	wt_.join();
}

size_t Sink::queued_bytes() {
	std::lock_guard<std::mutex> g(qmu_);
	return q_bytes_;
}

// A small buffer goes to the writer only when it is idle (so the file keeps up
// with the capture); while it is busy the buffer fills up instead: queued
// buffers stay few and full.
bool Sink::push() {
	if(buf_.size() < kBufSize / 4 && wt_.joinable()) {
		std::lock_guard<std::mutex> g(qmu_);
		if(!q_.empty() || q_busy_)
			return !failed();
	}
	return raw_flush();
}

bool Sink::block2(uint32_t type, const void *a, size_t alen, const void *b, size_t blen) {
	if(failed())
		return false;
	size_t body = alen + blen;
	uint32_t total = (uint32_t)(((8 + body + 4) + 3) & ~(size_t)3);
	uint32_t hdr[2] = {type, total};
	// one append per block (the drain thread writes one per event): the new
	// bytes come zeroed, which is the padding
	size_t at = buf_.size();
	buf_.resize(at + total);
	uint8_t *p = buf_.data() + at;
	memcpy(p, hdr, 8);
	if(alen)
		memcpy(p + 8, a, alen);
	if(blen)
		memcpy(p + 8 + alen, b, blen);
	memcpy(p + total - 4, &total, 4);
	written_ += total;
	blocks_++;
	if(buf_.size() >= kBufSize)
		return raw_flush();
	return true;
}

bool Sink::block(uint32_t type, const void *body, size_t len) {
	return block2(type, body, len, nullptr, 0);
}

bool Sink::flush() {
	if(!raw_flush())
		return false;
	// the writer is idle from here: the compressor is ours
	drain_queue();
	if(failed())
		return false;
	if(comp_ == Compression::Gzip && gz_) {
		if(gzflush((gzFile)gz_, Z_SYNC_FLUSH) != Z_OK) {
			fail("gzip flush " + path_, errno);
			return false;
		}
	} else if(comp_ == Compression::Zstd && zctx_) {
		ZSTD_CStream *z = (ZSTD_CStream *)zctx_;
		size_t rem;
		do {
			ZSTD_outBuffer out = {zout_.data(), zout_.size(), 0};
			rem = ZSTD_flushStream(z, &out);
			if(ZSTD_isError(rem)) {
				fail_msg(std::string("zstd: ") + ZSTD_getErrorName(rem));
				return false;
			}
			if(!write_out(zout_.data(), out.pos))
				return false;
		} while(rem > 0);
	}
	return true;
}

bool Sink::close() {
	bool ok = raw_flush();
	stop_writer();  // writes what is queued first
	ok = ok && !failed();
	if(comp_ == Compression::Gzip && gz_) {
		if(gzclose((gzFile)gz_) != Z_OK && ok) {
			fail("gzip close " + path_, errno);
			ok = false;
		}
		gz_ = nullptr;
	} else if(comp_ == Compression::Zstd && zctx_) {
		ZSTD_CStream *z = (ZSTD_CStream *)zctx_;
		if(ok) {
			size_t rem;
			do {
				ZSTD_outBuffer out = {zout_.data(), zout_.size(), 0};
				rem = ZSTD_endStream(z, &out);
				if(ZSTD_isError(rem)) {
					fail_msg(std::string("zstd: ") + ZSTD_getErrorName(rem));
					ok = false;
					break;
				}
				if(!write_out(zout_.data(), out.pos)) {
					ok = false;
					break;
				}
			} while(rem > 0);
		}
		ZSTD_freeCStream(z);
		zctx_ = nullptr;
	}
	if(fd_ >= 0) {
		if(fsync(fd_) != 0 && errno != EINVAL && ok) {
			// fsync failing on a pipe etc. is fine; on a file it is a real error
			fail("fsync " + path_, errno);
			ok = false;
		}
		::close(fd_);
		fd_ = -1;
	}
	return ok && !failed();
}

}  // namespace fscap
