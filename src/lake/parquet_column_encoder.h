// Encodes one column of one row group into Parquet pages: definition levels
// (every column is OPTIONAL), then the values, each page compressed with zstd.
//
// A chunk whose values repeat (at most kDictionaryLimit distinct values, each
// seen at least twice on average) is written as a PLAIN dictionary page and
// one data page of bit-packed indices; any other chunk as data pages of
// about kPageBytes of values each (as PLAIN values would take): 64-bit
// integers (offsets, timestamps) DELTA_BINARY_PACKED, strings and blobs
// DELTA_LENGTH_BYTE_ARRAY (the lengths DELTA_BINARY_PACKED, then the bytes
// end to end: a PLAIN length before every UUID made zstd find false matches,
// 3x the instructions for 6% more bytes), the rest PLAIN. Statistics: null
// count always; min and max in the type's order (signed for integers and timestamps, IEEE order
// without NaN for doubles, unsigned bytes for strings and blobs) unless a
// bound is longer than kMaxStatisticsBytes.
//
// Not thread-safe: one encoder per encoding thread; it keeps its scratch
// buffers and zstd context from chunk to chunk.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lake/column_batch.h"
#include "lake/parquet_metadata.h"
#include "lake/zstd_compressor.h"

namespace smartcity::lake {

class ParquetColumnEncoder {
 public:
  static constexpr std::size_t kDictionaryLimit = 1024;
  static constexpr std::size_t kPageBytes = 1 << 20;
  static constexpr std::size_t kMaxStatisticsBytes = 256;

  explicit ParquetColumnEncoder(int zstd_level);

  // Appends the pages of rows `rows` (indices into `column`) to `out`, which
  // will start at byte `file_offset` of the file, and says where they are.
  parquet::ColumnChunkMeta encode(const Column& column, std::span<const std::uint32_t> rows,
                                  std::int64_t file_offset, std::string& out);

 private:
  template <typename Value, typename Read>
  void encode_values(const Column& column, std::span<const std::uint32_t> rows, Read read,
                     parquet::ColumnChunkMeta& meta, std::string& out);
  // Collects the distinct non-null values of `rows` into `entries` and each
  // value's entry into indices_; false once more than `budget` are distinct.
  template <typename Value, typename Read>
  bool build_dictionary(const Column& column, std::span<const std::uint32_t> rows, Read read,
                        std::size_t budget, std::vector<Value>& entries);
  // Appends a compressed v1 data page of `rows`: their definition levels,
  // then `values` (already encoded).
  void append_data_page(const Column& column, std::span<const std::uint32_t> rows,
                        std::string_view values, parquet::Encoding encoding,
                        parquet::ColumnChunkMeta& meta, std::string& out);
  void append_dictionary_page(std::string_view values, std::size_t entries,
                              parquet::ColumnChunkMeta& meta, std::string& out);
  // Appends header_ and `compressed` to `out`, counting both sizes in `meta`.
  void append_page(std::size_t uncompressed_bytes, std::string_view compressed,
                   parquet::ColumnChunkMeta& meta, std::string& out);

  ZstdCompressor zstd_;
  std::string values_;  // one page's encoded values
  std::string page_;    // levels + values, before compression
  std::string header_;
  // The dictionary being built: a hash table of entry indices (-1: free),
  // the slots in use (to free them again), the entries of each value type
  // (bytes point into the column) and each value's entry.
  std::vector<std::int32_t> slots_;
  std::vector<std::uint32_t> used_slots_;
  std::tuple<std::vector<std::int32_t>, std::vector<std::int64_t>, std::vector<double>,
             std::vector<std::string_view>>
      entries_;
  std::vector<std::uint32_t> indices_;
  // One page's integers, or its strings' lengths, before DELTA_BINARY_PACKED.
  std::vector<std::int64_t> delta_values_;
  std::int64_t offset_base_ = 0;  // file offset of out[0] during encode()
};

}  // namespace smartcity::lake
