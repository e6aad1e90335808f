#include "lake/parquet_column_encoder.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <type_traits>

#include "base/check.h"
#include "base/short_bytes.h"
#include "lake/bit_packing.h"
#include "lake/delta_binary_packed.h"
#include "lake/thrift_compact_writer.h"

namespace smartcity::lake {
namespace {

using parquet::ColumnChunkMeta;
using parquet::Encoding;

// Slots of the dictionary hash table: a power of two, at least four times
// the entries it may hold, so probes stay short.
constexpr int kSlotBits = 12;
constexpr std::size_t kSlots = std::size_t{1} << kSlotBits;
static_assert(kSlots >= 4 * ParquetColumnEncoder::kDictionaryLimit);

std::size_t slot_of(std::uint64_t hash) {
  return static_cast<std::size_t>((hash * 0x9e3779b97f4a7c15ull) >> (64 - kSlotBits));
}

template <typename T>
void append_little_endian(std::string& out, T value) {
  static_assert(std::endian::native == std::endian::little);
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T>
std::uint64_t bits_of(T value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  return bits;
}

template <typename T>
T value_of(std::uint64_t bits) {
  T value;
  std::memcpy(&value, &bits, sizeof(T));
  return value;
}

// Dictionary keys: fixed-width values by their bits (a double -0.0 is not
// 0.0, and NaN equals itself), bytes by their contents.
template <typename T>
std::uint64_t hash_of(T value) {
  return bits_of(value);
}
// Most byte keys are short (ids, names, enum values): hashed from the two
// words that hold them, not by std::hash's byte-wise loop, which was an
// eighth of the encoder's instructions.
std::uint64_t hash_of(std::string_view value) {
  if (value.size() > 16) return std::hash<std::string_view>{}(value);
  const ShortBytesWords words = short_bytes_words(value.data(), value.size());
  const std::uint64_t mixed = (words.head * 0xff51afd7ed558ccdull) ^ (words.tail + value.size());
  return (mixed * 0xc4ceb9fe1a85ec53ull) ^ (mixed >> 29);
}
template <typename T>
bool same_value(T a, T b) {
  return bits_of(a) == bits_of(b);
}
bool same_value(std::string_view a, std::string_view b) {
  return a.size() == b.size() && same_short_bytes(a.data(), b.data(), a.size());
}

// PLAIN encoding: little-endian values; byte arrays after a 4-byte length.
template <typename T>
void append_plain(std::string& out, T value) {
  append_little_endian(out, value);
}
void append_plain(std::string& out, std::string_view value) {
  SMARTCITY_CHECK(value.size() <= std::numeric_limits<std::int32_t>::max(),
                  "a Parquet byte array holds less than 2 GiB");
  append_little_endian(out, static_cast<std::uint32_t>(value.size()));
  out.append(value);
}

std::int32_t checked_page_size(std::size_t bytes) {
  SMARTCITY_CHECK(bytes <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
                  "a Parquet page holds less than 2 GiB");
  return static_cast<std::int32_t>(bytes);
}

// Definition levels of `rows` (1 present, 0 null) as RLE runs of bit width
// 1, after the 4-byte length a v1 data page puts in front of them.
void append_definition_levels(const Column& column, std::span<const std::uint32_t> rows,
                              std::string& out) {
  const std::size_t length_at = out.size();
  out.append(4, '\0');
  std::size_t i = 0;
  while (i < rows.size()) {
    const bool valid = column.is_valid(rows[i]);
    std::size_t end = i + 1;
    while (end < rows.size() && column.is_valid(rows[end]) == valid)
      ++end;
    append_varint(out, static_cast<std::uint64_t>(end - i) << 1);
    out.push_back(valid ? 1 : 0);
    i = end;
  }
  const auto length = static_cast<std::uint32_t>(out.size() - length_at - 4);
  std::memcpy(out.data() + length_at, &length, 4);
}

// The data of an RLE_DICTIONARY page: the bit width, then every index in one
// bit-packed run (zstd takes care of what runs would save).
void append_dictionary_indices(std::span<const std::uint32_t> indices, std::size_t entries,
                               std::string& out) {
  const int width = std::max(1, static_cast<int>(std::bit_width(entries - 1)));
  out.push_back(static_cast<char>(width));
  const std::size_t groups = (indices.size() + 7) / 8;
  append_varint(out, (static_cast<std::uint64_t>(groups) << 1) | 1);
  append_bit_packed(indices, groups * 8, width, out);
}

std::size_t count_valid(const Column& column, std::span<const std::uint32_t> rows) {
  std::size_t valid = 0;
  for (const std::uint32_t row : rows)
    valid += column.is_valid(row) ? 1 : 0;
  return valid;
}

// Distinct values allowed before the dictionary is given up: past the limit,
// or once values are not repeated twice on average.
std::size_t dictionary_budget(std::size_t non_null) {
  return std::min(ParquetColumnEncoder::kDictionaryLimit, non_null / 2);
}

// Running min/max of a chunk's values in Parquet's order for their type.
template <typename Value>
struct Bounds {
  bool any = false;
  Value min{}, max{};

  void add(Value value) {
    if constexpr (std::is_floating_point_v<Value>) {
      if (std::isnan(value)) return;  // NaN has no place in the order
    }
    if (!any) {
      min = max = value;
      any = true;
    } else {
      min = std::min(min, value);
      max = std::max(max, value);
    }
  }

  void store(parquet::ChunkStatistics& statistics) const {
    if (!any) return;
    Value low = min, high = max;
    if constexpr (std::is_floating_point_v<Value>) {
      // The spec's rule for zeros, whose sign the order cannot tell apart.
      if (low == 0) low = -0.0;
      if (high == 0) high = 0.0;
    }
    statistics.min.emplace();
    statistics.max.emplace();
    append_little_endian(*statistics.min, low);
    append_little_endian(*statistics.max, high);
  }
};

template <>
struct Bounds<std::string_view> {
  bool any = false;
  std::string_view min, max;

  void add(std::string_view value) {  // string_view compares as unsigned bytes
    if (!any) {
      min = max = value;
      any = true;
    } else if (value < min) {
      min = value;
    } else if (value > max) {
      max = value;
    }
  }

  void store(parquet::ChunkStatistics& statistics) const {
    if (!any || min.size() > ParquetColumnEncoder::kMaxStatisticsBytes ||
        max.size() > ParquetColumnEncoder::kMaxStatisticsBytes)
      return;
    statistics.min.emplace(min);
    statistics.max.emplace(max);
  }
};

}  // namespace

ParquetColumnEncoder::ParquetColumnEncoder(int zstd_level)
    : zstd_(zstd_level), slots_(kSlots, -1) {}

ColumnChunkMeta ParquetColumnEncoder::encode(const Column& column,
                                             std::span<const std::uint32_t> rows,
                                             std::int64_t file_offset, std::string& out) {
  SMARTCITY_CHECK(!rows.empty(), "a column chunk needs rows");
  offset_base_ = file_offset - static_cast<std::int64_t>(out.size());
  ColumnChunkMeta meta;
  meta.type = parquet::physical_type(column.type());
  meta.num_values = static_cast<std::int64_t>(rows.size());
  meta.first_page_offset = file_offset;
  meta.data_page_offset = -1;
  switch (column.type()) {
    case events::FieldType::kInt32:
      encode_values<std::int32_t>(
          column, rows, [&](std::uint32_t row) { return column.int32_at(row); }, meta, out);
      break;
    case events::FieldType::kInt64:
    case events::FieldType::kTimestamp:
      encode_values<std::int64_t>(
          column, rows, [&](std::uint32_t row) { return column.int64_at(row); }, meta, out);
      break;
    case events::FieldType::kDouble:
      encode_values<double>(
          column, rows, [&](std::uint32_t row) { return column.double_at(row); }, meta, out);
      break;
    case events::FieldType::kString:
    case events::FieldType::kBlob:
      encode_values<std::string_view>(
          column, rows, [&](std::uint32_t row) { return column.bytes_at(row); }, meta, out);
      break;
  }
  return meta;
}

template <typename Value, typename Read>
void ParquetColumnEncoder::encode_values(const Column& column, std::span<const std::uint32_t> rows,
                                         Read read, ColumnChunkMeta& meta, std::string& out) {
  const std::size_t non_null = count_valid(column, rows);
  meta.statistics.null_count = static_cast<std::int64_t>(rows.size() - non_null);
  std::vector<Value>& entries = std::get<std::vector<Value>>(entries_);
  Bounds<Value> bounds;
  values_.clear();
  if (build_dictionary(column, rows, read, dictionary_budget(non_null), entries)) {
    for (const Value value : entries) {
      bounds.add(value);
      append_plain(values_, value);
    }
    bounds.store(meta.statistics);
    append_dictionary_page(values_, entries.size(), meta, out);
    values_.clear();
    append_dictionary_indices(indices_, entries.size(), values_);
    append_data_page(column, rows, values_, Encoding::kRleDictionary, meta, out);
    return;
  }
  // Offsets and timestamps as differences; strings and blobs with their
  // lengths apart from their bytes; the rest PLAIN. Pages end where PLAIN
  // ones would, at about kPageBytes of values.
  constexpr bool kDelta = std::is_same_v<Value, std::int64_t>;
  constexpr bool kDeltaLength = std::is_same_v<Value, std::string_view>;
  if (non_null != 0) {
    if (kDelta) meta.data_encoding = Encoding::kDeltaBinaryPacked;
    if (kDeltaLength) meta.data_encoding = Encoding::kDeltaLengthByteArray;
  }
  const Encoding encoding = meta.data_encoding;
  std::size_t page_begin = 0;
  std::size_t page_bytes = 0;
  delta_values_.clear();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (column.is_valid(rows[i])) {
      const Value value = read(rows[i]);
      bounds.add(value);
      if constexpr (kDelta) {
        delta_values_.push_back(value);
        page_bytes += sizeof(Value);
      } else if constexpr (kDeltaLength) {
        delta_values_.push_back(static_cast<std::int64_t>(value.size()));
        page_bytes += sizeof(std::int32_t) + value.size();
      } else {
        append_plain(values_, value);
        page_bytes = values_.size();
      }
    }
    if (page_bytes >= kPageBytes || i + 1 == rows.size()) {
      const std::span<const std::uint32_t> page_rows = rows.subspan(page_begin, i + 1 - page_begin);
      if (encoding == Encoding::kDeltaBinaryPacked || encoding == Encoding::kDeltaLengthByteArray) {
        append_delta_binary_packed(delta_values_, values_);
        delta_values_.clear();
      }
      if constexpr (kDeltaLength) {
        // Then the bytes, read from the column again rather than held twice
        // (none when every value is null, the one case left PLAIN).
        for (const std::uint32_t row : page_rows) {
          if (column.is_valid(row)) values_.append(read(row));
        }
      }
      append_data_page(column, page_rows, values_, encoding, meta, out);
      values_.clear();
      page_begin = i + 1;
      page_bytes = 0;
    }
  }
  bounds.store(meta.statistics);
}

template <typename Value, typename Read>
bool ParquetColumnEncoder::build_dictionary(const Column& column,
                                            std::span<const std::uint32_t> rows, Read read,
                                            std::size_t budget, std::vector<Value>& entries) {
  entries.clear();
  indices_.clear();
  bool fits = budget > 0;
  for (std::size_t i = 0; fits && i < rows.size(); ++i) {
    if (!column.is_valid(rows[i])) continue;
    const Value value = read(rows[i]);
    for (std::size_t slot = slot_of(hash_of(value));; slot = (slot + 1) & (kSlots - 1)) {
      const std::int32_t entry = slots_[slot];
      if (entry < 0) {
        if (entries.size() == budget) {
          fits = false;
          break;
        }
        slots_[slot] = static_cast<std::int32_t>(entries.size());
        used_slots_.push_back(static_cast<std::uint32_t>(slot));
        indices_.push_back(static_cast<std::uint32_t>(entries.size()));
        entries.push_back(value);
        break;
      }
      if (same_value(entries[static_cast<std::size_t>(entry)], value)) {
        indices_.push_back(static_cast<std::uint32_t>(entry));
        break;
      }
    }
  }
  for (const std::uint32_t slot : used_slots_)
    slots_[slot] = -1;
  used_slots_.clear();
  return fits;
}

void ParquetColumnEncoder::append_data_page(const Column& column,
                                            std::span<const std::uint32_t> rows,
                                            std::string_view values, Encoding encoding,
                                            ColumnChunkMeta& meta, std::string& out) {
  page_.clear();
  append_definition_levels(column, rows, page_);
  page_.append(values);
  const std::string_view compressed = zstd_.compress(page_);
  header_.clear();
  parquet::append_data_page_header(header_, checked_page_size(page_.size()),
                                   checked_page_size(compressed.size()),
                                   static_cast<std::int32_t>(rows.size()), encoding);
  if (meta.data_page_offset < 0)
    meta.data_page_offset = offset_base_ + static_cast<std::int64_t>(out.size());
  append_page(page_.size(), compressed, meta, out);
}

void ParquetColumnEncoder::append_dictionary_page(std::string_view values, std::size_t entries,
                                                  ColumnChunkMeta& meta, std::string& out) {
  meta.dictionary = true;
  const std::string_view compressed = zstd_.compress(values);
  header_.clear();
  parquet::append_dictionary_page_header(header_, checked_page_size(values.size()),
                                         checked_page_size(compressed.size()),
                                         static_cast<std::int32_t>(entries));
  append_page(values.size(), compressed, meta, out);
}

void ParquetColumnEncoder::append_page(std::size_t uncompressed_bytes, std::string_view compressed,
                                       ColumnChunkMeta& meta, std::string& out) {
  meta.uncompressed_bytes += static_cast<std::int64_t>(header_.size() + uncompressed_bytes);
  meta.compressed_bytes += static_cast<std::int64_t>(header_.size() + compressed.size());
  out.append(header_);
  out.append(compressed);
}

}  // namespace smartcity::lake
