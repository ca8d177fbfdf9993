#include "sink.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

namespace fscap {

static const size_t kBufSize = 1 << 20;

Sink::Sink() { buf_.reserve(kBufSize + 65536); }

Sink::~Sink() {
	if(fd_ >= 0 || gz_)
		close();
}

void Sink::fail(const std::string &what, int e) {
	if(err_.empty()) {
		err_ = what + ": " + (e ? strerror(e) : "unknown error");
		if(e == ENOSPC || e == EDQUOT)
			err_ += " (disk full; the capture ends at the last complete block)";
	}
}

bool Sink::open(const std::string &path, Compression c, bool overwrite, int level) {
	path_ = path;
	comp_ = c;
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
	fd_ = ::open(path.c_str(), flags, 0644);
	if(fd_ < 0) {
		int e = errno;
		if(e == EEXIST)
			err_ = "refusing to overwrite existing file " + path + " (use force)";
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

bool Sink::raw_flush() {
	if(buf_.empty())
		return true;
	if(failed())
		return false;
	bool ok = true;
	if(comp_ == Compression::None) {
		size_t done = 0;
		ok = write_out(buf_.data(), buf_.size(), &done);
		if(ok) {
			durable_ += buf_.size();
		} else {
			// keep only whole blocks: cut the file back to the last block that made it
			size_t keep = 0;
			while(keep + 8 <= done) {
				uint32_t bl;
				memcpy(&bl, &buf_[keep + 4], 4);
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
		int w = gzwrite((gzFile)gz_, buf_.data(), (unsigned)buf_.size());
		if(w <= 0 || (size_t)w != buf_.size()) {
			int ge = 0;
			const char *m = gzerror((gzFile)gz_, &ge);
			fail(std::string("gzip write ") + path_ + (m ? std::string(" (") + m + ")" : ""),
			     ge == Z_ERRNO ? errno : 0);
			ok = false;
		}
	} else {
		ZSTD_CStream *z = (ZSTD_CStream *)zctx_;
		ZSTD_inBuffer in = {buf_.data(), buf_.size(), 0};
		while(in.pos < in.size && ok) {
			ZSTD_outBuffer out = {zout_.data(), zout_.size(), 0};
			size_t r = ZSTD_compressStream(z, &out, &in);
			if(ZSTD_isError(r)) {
				err_ = std::string("zstd: ") + ZSTD_getErrorName(r);
				ok = false;
				break;
			}
			ok = write_out(zout_.data(), out.pos);
		}
	}
	buf_.clear();
	return ok;
}

bool Sink::put(const void *p, size_t n) {
	const uint8_t *b = (const uint8_t *)p;
	buf_.insert(buf_.end(), b, b + n);
	return true;
}

bool Sink::block2(uint32_t type, const void *a, size_t alen, const void *b, size_t blen) {
	if(failed())
		return false;
	size_t body = alen + blen;
	uint32_t total = (uint32_t)(((8 + body + 4) + 3) & ~(size_t)3);
	uint32_t hdr[2] = {type, total};
	put(hdr, 8);
	if(alen)
		put(a, alen);
	if(blen)
		put(b, blen);
	static const uint8_t zeros[4] = {0, 0, 0, 0};
	size_t pad = total - 12 - body;
	if(pad)
		put(zeros, pad);
	put(&total, 4);
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
				err_ = std::string("zstd: ") + ZSTD_getErrorName(rem);
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
					err_ = std::string("zstd: ") + ZSTD_getErrorName(rem);
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
