// zstd compression of Parquet pages, with one compression context and one
// output buffer reused for every page (a fresh context per page costs more
// than compressing a small page; a std::string output would be zeroed to its
// worst-case size first). Not thread-safe: one per encoding thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct ZSTD_CCtx_s;

namespace smartcity::lake {

class ZstdCompressor {
 public:
  // CHECKs that zstd can allocate its context.
  explicit ZstdCompressor(int level);
  ~ZstdCompressor();
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  // `input` compressed as one zstd frame. The bytes are this compressor's:
  // valid until the next call.
  std::string_view compress(std::string_view input);

 private:
  struct ContextDeleter {
    void operator()(ZSTD_CCtx_s* context) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, ContextDeleter> context_;
  int level_;
  std::unique_ptr<char[]> output_;
  std::size_t output_capacity_ = 0;
};

}  // namespace smartcity::lake
