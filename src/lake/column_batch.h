// Rows of one lake table held column by column in memory, between the decoder
// that appends them and the Parquet writer that encodes them. Owns its memory;
// not thread-safe (one thread fills a batch, then hands it over whole).
//
// Each row also carries an `hour key` (hours since the epoch, UTC, from event
// time): the writer splits a batch into one file per date=/hour= folder.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/check.h"
#include "base/clock.h"
#include "lake/table_schema.h"

namespace smartcity::lake {

// Hours since the Unix epoch, UTC: names a date=YYYY-MM-DD/hour=HH folder.
struct HourKey {
  std::int64_t value = 0;
  auto operator<=>(const HourKey&) const = default;
};
HourKey hour_key(UnixMicros t);

// One column: a validity flag per row, and values by type. Strings and blobs
// share one byte arena with end offsets, so appending a string costs no
// allocation once the arena has grown.
class Column {
 public:
  explicit Column(events::FieldType type) : type_(type) {}

  events::FieldType type() const { return type_; }
  std::size_t size() const { return rows_; }

  // Appends one value. The value's type must match type() (CHECKed in debug
  // builds through the typed accessors below).
  // Inline, with growth out of line: the decoder appends a dozen values per
  // record, and a std::vector's push_back kept these from being inlined.
  void append_null();
  void append_int32(std::int32_t value) {
    const std::size_t row = reserve_row();
    int32_[row] = value;
  }
  void append_int64(std::int64_t value) {  // also kTimestamp (micros)
    const std::size_t row = reserve_row();
    int64_[row] = value;
  }
  void append_double(double value) {
    const std::size_t row = reserve_row();
    double_[row] = value;
  }
  void append_bytes(std::string_view value) {  // kString (UTF-8) and kBlob
    const std::size_t row = reserve_row();
    if (bytes_capacity_ - bytes_size_ < value.size()) grow_bytes(value.size());
    copy_short(bytes_.get() + bytes_size_, value.data(), value.size());
    bytes_size_ += value.size();
    bytes_end_[row] = bytes_size_;
  }

  bool is_valid(std::size_t row) const { return valid_[row] == Validity::kValid; }
  std::int32_t int32_at(std::size_t row) const { return int32_[row]; }
  std::int64_t int64_at(std::size_t row) const { return int64_[row]; }
  double double_at(std::size_t row) const { return double_[row]; }
  std::string_view bytes_at(std::size_t row) const {
    const std::uint64_t begin = row == 0 ? 0 : bytes_end_[row - 1];
    return std::string_view(bytes_.get() + begin, bytes_end_[row] - begin);
  }

  // Drops rows from `rows` on: undoes a partly appended row.
  void truncate(std::size_t rows);
  void clear() { truncate(0); }
  // Bytes of heap this column holds, spare capacity included.
  std::size_t memory_bytes() const;

 private:
  // Not a character type, so that the compiler need not assume a store of a
  // flag changed the column's own pointers and sizes.
  enum class Validity : std::uint8_t { kNull, kValid };

  // Marks one more row valid and returns its index; the value arrays then
  // have room for it.
  std::size_t reserve_row() {
    const std::size_t row = rows_;
    if (row == row_capacity_) [[unlikely]]
      grow_rows();
    valid_[row] = Validity::kValid;
    rows_ = row + 1;
    return row;
  }
  // At least doubles the row capacity of the validity flags and of the value
  // array of type_ (the only one a column allocates).
  [[gnu::noinline]] void grow_rows();
  // Room for `more` bytes past bytes_size_, at least doubling.
  [[gnu::noinline]] void grow_bytes(std::size_t more);
  // memcpy for the short strings of city records (ids, names, times),
  // inline: two overlapping moves of the widest size that fits read and
  // write only [0, size) and need no call.
  static void copy_short(char* to, const char* from, std::size_t size) {
    if (size > 64) {
      std::memcpy(to, from, size);
    } else if (size >= 32) {  // a UUID is 36
      std::memcpy(to, from, 32);
      std::memcpy(to + size - 32, from + size - 32, 32);
    } else if (size >= 16) {
      std::memcpy(to, from, 16);
      std::memcpy(to + size - 16, from + size - 16, 16);
    } else if (size >= 8) {
      std::memcpy(to, from, 8);
      std::memcpy(to + size - 8, from + size - 8, 8);
    } else if (size >= 4) {
      std::memcpy(to, from, 4);
      std::memcpy(to + size - 4, from + size - 4, 4);
    } else {
      for (std::size_t i = 0; i < size; ++i)
        to[i] = from[i];
    }
  }

  events::FieldType type_;
  std::size_t rows_ = 0;
  std::size_t row_capacity_ = 0;
  // Plain arrays rather than std::vectors, which would zero what they grow
  // into and keep a size each: every array holds rows_ values.
  std::unique_ptr<Validity[]> valid_;
  std::unique_ptr<std::int32_t[]> int32_;
  std::unique_ptr<std::int64_t[]> int64_;
  std::unique_ptr<double[]> double_;
  std::unique_ptr<std::uint64_t[]> bytes_end_;
  // Strings end to end.
  std::unique_ptr<char[]> bytes_;
  std::size_t bytes_size_ = 0;
  std::size_t bytes_capacity_ = 0;
};

class ColumnBatch {
 public:
  explicit ColumnBatch(const TableSchema& schema);

  const TableSchema& schema() const { return *schema_; }
  std::size_t rows() const { return hour_keys_.size(); }
  bool empty() const { return hour_keys_.empty(); }
  Column& column(std::size_t index) { return columns_[index]; }
  const Column& column(std::size_t index) const { return columns_[index]; }
  std::span<const HourKey> hour_keys() const { return hour_keys_; }

  // Closes a row whose columns have all been appended to, filing it under
  // `hour`. Every column must have exactly rows()+1 values: CHECKed here in
  // debug builds; release builds leave it to check_aligned(), once a batch,
  // because a loop over a dozen columns per row was 3% of decoding.
  void finish_row(HourKey hour);
  // CHECKs that every column holds rows() values (none was appended to twice
  // or skipped in a row). ParquetFileWriter calls it before it reads a batch.
  void check_aligned() const;
  // Drops values appended since the last finish_row (a record that turned out
  // to be bad half-way through decoding).
  void abandon_row();

  std::size_t memory_bytes() const;
  // Empties the batch, keeping its memory for the next rows.
  void clear();
  // Empties the batch and gives its memory back.
  void release();

 private:
  const TableSchema* schema_;
  std::vector<Column> columns_;
  std::vector<HourKey> hour_keys_;
};

// Whether row `row_a` of `a` and row `row_b` of `b` are the same row: same
// schema, validity, values bit for bit (a double -0.0 is not 0.0) and hour.
// For holding two ways of producing rows against each other.
bool same_row(const ColumnBatch& a, std::size_t row_a, const ColumnBatch& b, std::size_t row_b);

}  // namespace smartcity::lake
