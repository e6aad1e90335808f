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
  valid_.push_back(0);
  switch (type_) {
    case events::FieldType::kInt32:
      int32_.push_back(0);
      break;
    case events::FieldType::kInt64:
    case events::FieldType::kTimestamp:
      int64_.push_back(0);
      break;
    case events::FieldType::kDouble:
      double_.push_back(0);
      break;
    case events::FieldType::kString:
    case events::FieldType::kBlob:
      bytes_end_.push_back(bytes_size_);
      break;
  }
}

void Column::grow_bytes(std::size_t more) {
  constexpr std::size_t kFirstCapacity = 4096;
  const std::size_t capacity = std::max({bytes_capacity_ * 2, bytes_size_ + more, kFirstCapacity});
  auto bytes = std::make_unique_for_overwrite<char[]>(capacity);
  if (bytes_size_ != 0) std::memcpy(bytes.get(), bytes_.get(), bytes_size_);
  bytes_ = std::move(bytes);
  bytes_capacity_ = capacity;
}

void Column::truncate(std::size_t rows) {
  if (rows >= valid_.size()) return;
  valid_.resize(rows);
  switch (type_) {
    case events::FieldType::kInt32:
      int32_.resize(rows);
      break;
    case events::FieldType::kInt64:
    case events::FieldType::kTimestamp:
      int64_.resize(rows);
      break;
    case events::FieldType::kDouble:
      double_.resize(rows);
      break;
    case events::FieldType::kString:
    case events::FieldType::kBlob:
      bytes_end_.resize(rows);
      bytes_size_ = rows == 0 ? 0 : bytes_end_.back();
      break;
  }
}

std::size_t Column::memory_bytes() const {
  // Capacity, not size: vectors grow by doubling and keep their capacity
  // across clear(), and the memory budget is about what the process holds.
  return valid_.capacity() + int32_.capacity() * sizeof(std::int32_t) +
         int64_.capacity() * sizeof(std::int64_t) + double_.capacity() * sizeof(double) +
         bytes_end_.capacity() * sizeof(std::uint64_t) + bytes_capacity_;
}

ColumnBatch::ColumnBatch(const TableSchema& schema) : schema_(&schema) {
  columns_.reserve(schema.columns.size());
  for (const ColumnSpec& spec : schema.columns)
    columns_.emplace_back(spec.type);
}

void ColumnBatch::finish_row(HourKey hour) {
  const std::size_t expected = hour_keys_.size() + 1;
  for (const Column& column : columns_) {
    SMARTCITY_CHECK(column.size() == expected, "finish_row: a column was not appended to");
  }
  hour_keys_.push_back(hour);
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
