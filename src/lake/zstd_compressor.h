// zstd compression of Parquet pages, with one compression context reused for
// every page (a fresh context per page costs more than compressing a small
// page). Not thread-safe: one per encoding thread.
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

  // Replaces `out` with `input` compressed as one zstd frame.
  void compress(std::string_view input, std::string& out);

 private:
  struct ContextDeleter {
    void operator()(ZSTD_CCtx_s* context) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, ContextDeleter> context_;
  int level_;
};

}  // namespace smartcity::lake
