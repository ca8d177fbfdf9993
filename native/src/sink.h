// Capture-file output: raw, gzip (zlib) or zstd, written in whole blocks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace fscap {

enum class Compression { None, Gzip, Zstd };

// Block writer. Every call to `block()` appends one complete libscap block
// (header, body, padding, trailer). Blocks are buffered and written in whole
// blocks, so after a write error the file ends on a block boundary (raw
// output) or on a complete compressed frame/member up to the failure.
class Sink {
public:
	Sink();
	~Sink();
	// O_EXCL unless overwrite. Returns false with error() set.
	bool open(const std::string &path, Compression c, bool overwrite, int level);
	// Append a block of `type` whose body is the concatenation of `parts`.
	bool block(uint32_t type, const void *body, size_t len);
	bool block2(uint32_t type, const void *a, size_t alen, const void *b, size_t blen);
	bool flush();
	// hand buffered blocks to the file/compressor (no compressor flush)
	bool push() { return raw_flush(); }
	bool close();
	const std::string &error() const { return err_; }
	bool failed() const { return !err_.empty(); }
	uint64_t bytes_written() const { return written_; }
	uint64_t blocks() const { return blocks_; }

private:
	bool put(const void *p, size_t n);
	bool write_out(const uint8_t *p, size_t n, size_t *done_out = nullptr);
	bool raw_flush();
	void fail(const std::string &what, int e);

	int fd_ = -1;
	Compression comp_ = Compression::None;
	void *gz_ = nullptr;   // gzFile
	void *zctx_ = nullptr; // ZSTD_CStream*
	std::vector<uint8_t> buf_;
	std::vector<uint8_t> zout_;
	uint64_t written_ = 0;        // uncompressed bytes accepted
	uint64_t durable_ = 0;        // raw file offset that ends on a block boundary
	uint64_t blocks_ = 0;
	std::string err_;
	std::string path_;
};

}  // namespace fscap
