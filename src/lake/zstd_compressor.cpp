#include "lake/zstd_compressor.h"

#include <zstd.h>

#include <algorithm>

#include "base/check.h"

namespace smartcity::lake {

void ZstdCompressor::ContextDeleter::operator()(ZSTD_CCtx_s* context) const {
  ZSTD_freeCCtx(context);
}

ZstdCompressor::ZstdCompressor(int level) : context_(ZSTD_createCCtx()), level_(level) {
  SMARTCITY_CHECK(context_ != nullptr, "zstd cannot allocate a compression context");
}

ZstdCompressor::~ZstdCompressor() = default;

std::string_view ZstdCompressor::compress(std::string_view input) {
  const std::size_t bound = ZSTD_compressBound(input.size());
  if (bound > output_capacity_) {
    output_capacity_ = std::max(bound, output_capacity_ * 2);
    output_ = std::make_unique_for_overwrite<char[]>(output_capacity_);
  }
  const std::size_t size = ZSTD_compressCCtx(context_.get(), output_.get(), output_capacity_,
                                             input.data(), input.size(), level_);
  // Only a destination too small or bad parameters fail, both bugs here.
  SMARTCITY_CHECK(!ZSTD_isError(size), ZSTD_getErrorName(size));
  return std::string_view(output_.get(), size);
}

}  // namespace smartcity::lake
