// What a Parquet file says about itself: the page headers in front of every
// page and the footer (FileMetaData) at its end, encoded as parquet.thrift
// defines them. Only what our writer produces: flat schemas of OPTIONAL
// columns, v1 data pages, PLAIN and dictionary encodings, zstd.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lake/table_schema.h"

namespace smartcity::lake::parquet {

// Numbers from parquet.thrift.
enum class PhysicalType : std::int32_t { kInt32 = 1, kInt64 = 2, kDouble = 5, kByteArray = 6 };
enum class Encoding : std::int32_t {
  kPlain = 0,
  kRle = 3,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kRleDictionary = 8
};
inline constexpr std::int32_t kCodecZstd = 6;

PhysicalType physical_type(events::FieldType type);

// Statistics of one column chunk. min/max are PLAIN-encoded values (byte
// arrays without their length); absent when the chunk has no value to order
// or its bounds were not kept (see ParquetColumnEncoder).
struct ChunkStatistics {
  std::int64_t null_count = 0;
  std::optional<std::string> min;
  std::optional<std::string> max;
};

struct ColumnChunkMeta {
  PhysicalType type = PhysicalType::kInt32;
  bool dictionary = false;                    // a dictionary page, then RLE_DICTIONARY data pages
  Encoding data_encoding = Encoding::kPlain;  // of the data pages, without a dictionary
  std::int64_t num_values = 0;                // rows, nulls included
  std::int64_t uncompressed_bytes = 0;        // pages with their headers
  std::int64_t compressed_bytes = 0;          // the same, as written
  std::int64_t first_page_offset = 0;         // dictionary page if any, else data page
  std::int64_t data_page_offset = 0;
  ChunkStatistics statistics;
};

struct RowGroupMeta {
  std::int64_t num_rows = 0;
  std::vector<ColumnChunkMeta> columns;  // in schema order
};

// Appends the header of a v1 data page whose values have `encoding` and
// whose definition levels are RLE.
void append_data_page_header(std::string& out, std::int32_t uncompressed_bytes,
                             std::int32_t compressed_bytes, std::int32_t num_values,
                             Encoding encoding);

// Appends the header of a PLAIN dictionary page of `num_values` entries.
void append_dictionary_page_header(std::string& out, std::int32_t uncompressed_bytes,
                                   std::int32_t compressed_bytes, std::int32_t num_values);

// The footer of a file of `schema`'s columns (all OPTIONAL) and `row_groups`
// (each with one chunk per column), without its length and magic.
// `created_by` names the writer, as readers show it.
std::string encode_file_metadata(const TableSchema& schema,
                                 std::span<const RowGroupMeta> row_groups,
                                 std::string_view created_by);

}  // namespace smartcity::lake::parquet
