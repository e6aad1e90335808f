#include "lake/column_batch.h"

#include <algorithm>
#include <bit>

namespace smartcity::lake {

HourKey hour_key(UnixMicros t) {
  constexpr std::int64_t kMicrosPerHour = 3'600'000'000;
  std::int64_t hours = t.value / kMicrosPerHour;
  if (t.value % kMicrosPerHour < 0) --hours;  // floor, for times before 1970
  return HourKey{hours};
}

void Column::append_null() {
  const std::size_t row = reserve_row();
  valid_[row] = Validity::kNull;
  switch (type_) {
    case events::FieldType::kInt32:
      int32_[row] = 0;
      break;
    case events::FieldType::kInt64:
    case events::FieldType::kTimestamp:
      int64_[row] = 0;
      break;
    case events::FieldType::kDouble:
      double_[row] = 0;
      break;
    case events::FieldType::kString:
    case events::FieldType::kBlob:
      bytes_end_[row] = bytes_size_;
      break;
  }
}

namespace {

// `array` (holding `rows` values) moved into a new array of `capacity`.
template <typename T>
void grow_array(std::unique_ptr<T[]>& array, std::size_t rows, std::size_t capacity) {
  auto grown = std::make_unique_for_overwrite<T[]>(capacity);
  if (rows != 0) std::memcpy(grown.get(), array.get(), rows * sizeof(T));
  array = std::move(grown);
}

}  // namespace

void Column::grow_rows() {
  constexpr std::size_t kFirstCapacity = 64;
  const std::size_t capacity = std::max(row_capacity_ * 2, kFirstCapacity);
  grow_array(valid_, rows_, capacity);
  switch (type_) {
    case events::FieldType::kInt32:
      grow_array(int32_, rows_, capacity);
      break;
    case events::FieldType::kInt64:
    case events::FieldType::kTimestamp:
      grow_array(int64_, rows_, capacity);
      break;
    case events::FieldType::kDouble:
      grow_array(double_, rows_, capacity);
      break;
    case events::FieldType::kString:
    case events::FieldType::kBlob:
      grow_array(bytes_end_, rows_, capacity);
      break;
  }
  row_capacity_ = capacity;
}

void Column::grow_bytes(std::size_t more) {
  constexpr std::size_t kFirstCapacity = 4096;
  const std::size_t capacity = std::max({bytes_capacity_ * 2, bytes_size_ + more, kFirstCapacity});
  grow_array(bytes_, bytes_size_, capacity);
  bytes_capacity_ = capacity;
}

void Column::truncate(std::size_t rows) {
  if (rows >= rows_) return;
  rows_ = rows;
  if (type_ == events::FieldType::kString || type_ == events::FieldType::kBlob) {
    bytes_size_ = rows == 0 ? 0 : bytes_end_[rows - 1];
  }
}

std::size_t Column::memory_bytes() const {
  const std::size_t value_bytes = type_ == events::FieldType::kInt32 ? sizeof(std::int32_t) : 8;
  return row_capacity_ * (sizeof(Validity) + value_bytes) + bytes_capacity_;
}

ColumnBatch::ColumnBatch(const TableSchema& schema) : schema_(&schema) {
  columns_.reserve(schema.columns.size());
  for (const ColumnSpec& spec : schema.columns)
    columns_.emplace_back(spec.type);
}

void ColumnBatch::finish_row(HourKey hour) {
#ifndef NDEBUG
  const std::size_t expected = hour_keys_.size() + 1;
  for (const Column& column : columns_) {
    SMARTCITY_CHECK(column.size() == expected, "finish_row: a column was not appended to");
  }
#endif
  hour_keys_.push_back(hour);
}

void ColumnBatch::check_aligned() const {
  for (const Column& column : columns_) {
    SMARTCITY_CHECK(column.size() == hour_keys_.size(),
                    "a column was not appended to once in every row");
  }
}

void ColumnBatch::abandon_row() {
  for (Column& column : columns_)
    column.truncate(hour_keys_.size());
}

std::size_t ColumnBatch::memory_bytes() const {
  std::size_t total = hour_keys_.capacity() * sizeof(HourKey);
  for (const Column& column : columns_)
    total += column.memory_bytes();
  return total;
}

void ColumnBatch::clear() {
  for (Column& column : columns_)
    column.clear();
  hour_keys_.clear();
}

void ColumnBatch::release() {
  *this = ColumnBatch(*schema_);
}

bool same_row(const ColumnBatch& a, std::size_t row_a, const ColumnBatch& b, std::size_t row_b) {
  if (&a.schema() != &b.schema() || a.hour_keys()[row_a] != b.hour_keys()[row_b]) return false;
  for (std::size_t c = 0; c < a.schema().columns.size(); ++c) {
    const Column& x = a.column(c);
    const Column& y = b.column(c);
    if (x.is_valid(row_a) != y.is_valid(row_b)) return false;
    if (!x.is_valid(row_a)) continue;
    switch (x.type()) {
      case events::FieldType::kInt32:
        if (x.int32_at(row_a) != y.int32_at(row_b)) return false;
        break;
      case events::FieldType::kInt64:
      case events::FieldType::kTimestamp:
        if (x.int64_at(row_a) != y.int64_at(row_b)) return false;
        break;
      case events::FieldType::kDouble:
        if (std::bit_cast<std::uint64_t>(x.double_at(row_a)) !=
            std::bit_cast<std::uint64_t>(y.double_at(row_b))) {
          return false;
        }
        break;
      case events::FieldType::kString:
      case events::FieldType::kBlob:
        if (x.bytes_at(row_a) != y.bytes_at(row_b)) return false;
        break;
    }
  }
  return true;
}

}  // namespace smartcity::lake
