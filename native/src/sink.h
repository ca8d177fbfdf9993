// Capture-file output: raw, gzip (zlib) or zstd, written in whole blocks.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fscap {

enum class Compression { None, Gzip, Zstd };

// Block writer. Every call to `block()` appends one complete libscap block
// (header, body, padding, trailer). Blocks are buffered and written in whole
// blocks, so after a write error the file ends on a block boundary (raw
// output) or on a complete compressed frame/member up to the failure.
//
// Full buffers go to a writer thread that compresses and writes them: the
// caller (the recorder's drain thread) must keep emptying the kernel's ring
// buffers while write() waits for the disk (dirty-page throttling can stall it
// for a long time) or the compressor works. A write error shows up in the
// calls that follow it (block, push, flush, close return false).
class Sink {
public:
	Sink();
	~Sink();
	// O_EXCL unless overwrite. Returns false with error() set. `writer_init` runs
	// first thing on the writer thread (the recorder gives it the drain thread's
	// scheduling: it must keep up with it).
	bool open(const std::string &path, Compression c, bool overwrite, int level,
	          std::function<void()> writer_init = nullptr);
	// Append a block of `type` whose body is the concatenation of `parts`.
	bool block(uint32_t type, const void *body, size_t len);
	bool block2(uint32_t type, const void *a, size_t alen, const void *b, size_t blen);
	// everything so far written out, compressor flushed
	bool flush();
	// hand buffered blocks to the writer thread (no compressor flush)
	bool push();
	bool close();
	const std::string &error() const { return err_; }
	bool failed() const { return failed_.load(std::memory_order_acquire); }
	// memory of the buffers handed to the writer and not yet written
	size_t queued_bytes();
	uint64_t bytes_written() const { return written_; }
	uint64_t blocks() const { return blocks_; }

private:
	bool write_out(const uint8_t *p, size_t n, size_t *done_out = nullptr);
	bool raw_flush();
	// writer thread side: write/compress one buffer
	bool write_buffer(const std::vector<uint8_t> &b);
	void writer();
	// wait until the writer has written everything handed to it
	void drain_queue();
	void stop_writer();
	void fail(const std::string &what, int e);
	void fail_msg(const std::string &msg);

	int fd_ = -1;
	Compression comp_ = Compression::None;
	void *gz_ = nullptr;   // gzFile
	void *zctx_ = nullptr; // ZSTD_CStream*
	std::vector<uint8_t> buf_;
	std::vector<uint8_t> zout_;
	uint64_t written_ = 0;        // uncompressed bytes accepted
	uint64_t durable_ = 0;        // raw file offset that ends on a block boundary
	uint64_t blocks_ = 0;
	std::string err_;  // set once, before failed_
	std::atomic<bool> failed_{false};
	std::mutex err_mu_;
	std::string path_;

	// buffers waiting for the writer thread, and spare ones to reuse
	std::thread wt_;
	std::mutex qmu_;
	std::condition_variable q_work_, q_done_;
	std::deque<std::vector<uint8_t>> q_;
	std::vector<std::vector<uint8_t>> spare_;
	size_t q_bytes_ = 0;  // capacity of the queued buffers
	bool q_busy_ = false;  // the writer holds a buffer
	bool q_stop_ = false;
};

}  // namespace fscap
