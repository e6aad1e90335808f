#include "lake/column_batch.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace smartcity::lake {
namespace {

using events::FieldType;

// What a column should hold: nullopt for a null row.
struct Expected {
  bool valid = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string text;
};

void append(Column& column, const Expected& value) {
  if (!value.valid) {
    column.append_null();
    return;
  }
  switch (column.type()) {
    case FieldType::kInt32:
      column.append_int32(static_cast<std::int32_t>(value.integer));
      break;
    case FieldType::kInt64:
    case FieldType::kTimestamp:
      column.append_int64(value.integer);
      break;
    case FieldType::kDouble:
      column.append_double(value.number);
      break;
    case FieldType::kString:
    case FieldType::kBlob:
      column.append_bytes(value.text);
      break;
  }
}

void expect_holds(const Column& column, const std::vector<Expected>& expected) {
  ASSERT_EQ(column.size(), expected.size());
  for (std::size_t row = 0; row < expected.size(); ++row) {
    ASSERT_EQ(column.is_valid(row), expected[row].valid) << "row " << row;
    switch (column.type()) {
      case FieldType::kInt32:
        ASSERT_EQ(column.int32_at(row), expected[row].valid ? expected[row].integer : 0) << row;
        break;
      case FieldType::kInt64:
      case FieldType::kTimestamp:
        ASSERT_EQ(column.int64_at(row), expected[row].valid ? expected[row].integer : 0) << row;
        break;
      case FieldType::kDouble:
        ASSERT_EQ(column.double_at(row), expected[row].valid ? expected[row].number : 0) << row;
        break;
      case FieldType::kString:
      case FieldType::kBlob:
        ASSERT_EQ(column.bytes_at(row), expected[row].valid ? expected[row].text : "") << row;
        break;
    }
  }
}

// Random values of every length the copy's cases distinguish (0-3, 4-7,
// 8-15, 16-31, 32-64, longer), a fifth of them null.
std::vector<Expected> random_values(std::size_t count, std::mt19937_64& random) {
  std::vector<Expected> values(count);
  for (Expected& value : values) {
    value.valid = random() % 5 != 0;
    if (!value.valid) continue;
    value.integer = static_cast<std::int32_t>(random());
    value.number = static_cast<double>(random() % 1'000'000) / 7.0;
    const std::size_t length = random() % 100;
    for (std::size_t i = 0; i < length; ++i)
      value.text.push_back(static_cast<char>('a' + random() % 26));
  }
  return values;
}

constexpr FieldType kEveryType[] = {FieldType::kString, FieldType::kInt32,     FieldType::kInt64,
                                    FieldType::kDouble, FieldType::kTimestamp, FieldType::kBlob};

TEST(ColumnTest, HoldsEveryValueAcrossGrowth) {
  std::mt19937_64 random(7);
  for (const FieldType type : kEveryType) {
    SCOPED_TRACE(static_cast<int>(type));
    Column column(type);
    // 5,000 rows: the arrays grow from 64 rows through seven doublings.
    const std::vector<Expected> values = random_values(5'000, random);
    for (const Expected& value : values)
      append(column, value);
    expect_holds(column, values);
  }
}

TEST(ColumnTest, TruncateDropsTheTailAndAppendsContinueAfterIt) {
  std::mt19937_64 random(11);
  for (const FieldType type : kEveryType) {
    SCOPED_TRACE(static_cast<int>(type));
    Column column(type);
    std::vector<Expected> values = random_values(300, random);
    for (const Expected& value : values)
      append(column, value);
    column.truncate(123);
    values.resize(123);
    expect_holds(column, values);
    // Truncating to more rows than it holds changes nothing.
    column.truncate(500);
    expect_holds(column, values);
    for (const Expected& value : random_values(200, random)) {
      append(column, value);
      values.push_back(value);
    }
    expect_holds(column, values);
    column.clear();
    values.clear();
    expect_holds(column, values);
    append(column, Expected{true, 5, 2.5, "after clear"});
    expect_holds(column, {Expected{true, 5, 2.5, "after clear"}});
  }
}

TEST(ColumnTest, MemoryCountsCapacityAndIsKeptAcrossClear) {
  Column numbers(FieldType::kInt64);
  EXPECT_EQ(numbers.memory_bytes(), 0u);
  for (int i = 0; i < 1000; ++i)
    numbers.append_int64(i);
  // 1,000 rows fit in 1,024: a flag and 8 bytes each.
  EXPECT_EQ(numbers.memory_bytes(), 1024u * 9);
  numbers.clear();
  EXPECT_EQ(numbers.memory_bytes(), 1024u * 9);

  Column text(FieldType::kString);
  text.append_bytes(std::string(5000, 'x'));
  // 64 rows of a flag and an end offset, and the arena grown to fit 5,000.
  EXPECT_EQ(text.memory_bytes(), 64u * 9 + 5000);
}

TEST(ColumnBatchTest, AbandonRowUndoesAPartlyAppendedRow) {
  const TableSchema& schema = table_schema(events::EventKind::kVehicle);
  ColumnBatch batch(schema);
  ColumnBatch reference(schema);
  std::mt19937_64 random(3);
  for (int row = 0; row < 200; ++row) {
    const std::vector<Expected> values = random_values(schema.columns.size(), random);
    const std::size_t appended = row % 3 == 0 ? schema.columns.size() / 2 : schema.columns.size();
    for (std::size_t c = 0; c < appended; ++c)
      append(batch.column(c), values[c]);
    if (appended < schema.columns.size()) {
      batch.abandon_row();
      continue;
    }
    for (std::size_t c = 0; c < appended; ++c)
      append(reference.column(c), values[c]);
    batch.finish_row(HourKey{row});
    reference.finish_row(HourKey{row});
  }
  ASSERT_EQ(batch.rows(), reference.rows());
  ASSERT_EQ(batch.rows(), 133u);
  for (std::size_t row = 0; row < batch.rows(); ++row)
    ASSERT_TRUE(same_row(batch, row, reference, row)) << row;
}

TEST(ColumnBatchDeathTest, CheckAlignedCatchesAColumnAppendedToOutOfStep) {
  ColumnBatch batch(table_schema(events::EventKind::kWeather));
  for (std::size_t c = 0; c < batch.schema().columns.size(); ++c)
    batch.column(c).append_null();
  batch.abandon_row();
  batch.check_aligned();  // nothing appended, nothing out of step
  batch.column(0).append_null();
  EXPECT_DEATH(batch.check_aligned(), "a column was not appended to once in every row");
}

#ifndef NDEBUG
// Release builds check once a batch (above); debug builds at every row too.
TEST(ColumnBatchDeathTest, FinishRowChecksEveryColumnWasAppendedToInDebugBuilds) {
  ColumnBatch batch(table_schema(events::EventKind::kWeather));
  batch.column(0).append_null();
  EXPECT_DEATH(batch.finish_row(HourKey{0}), "finish_row: a column was not appended to");
}
#endif

}  // namespace
}  // namespace smartcity::lake
