#include "lake/zstd_compressor.h"

#include <zstd.h>

#include "base/check.h"

namespace smartcity::lake {

void ZstdCompressor::ContextDeleter::operator()(ZSTD_CCtx_s* context) const {
  ZSTD_freeCCtx(context);
}

ZstdCompressor::ZstdCompressor(int level) : context_(ZSTD_createCCtx()), level_(level) {
  SMARTCITY_CHECK(context_ != nullptr, "zstd cannot allocate a compression context");
}

ZstdCompressor::~ZstdCompressor() = default;

void ZstdCompressor::compress(std::string_view input, std::string& out) {
  out.resize(ZSTD_compressBound(input.size()));
  const std::size_t size =
      ZSTD_compressCCtx(context_.get(), out.data(), out.size(), input.data(), input.size(), level_);
  // Only a destination too small or bad parameters fail, both bugs here.
  SMARTCITY_CHECK(!ZSTD_isError(size), ZSTD_getErrorName(size));
  out.resize(size);
}

}  // namespace smartcity::lake
