#include "lake/parquet_file_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "base/errors.h"
#include "lake/duckdb_handles.h"
#include "lake/hive_partition.h"
#include "unit/lake/scratch_folder.h"

namespace smartcity::lake {
namespace {

constexpr std::int64_t kHourMicros = 3'600'000'000;

// Reads `sql` through a fresh DuckDB: an independent reader of the file.
std::vector<std::vector<std::string>> query(const std::string& sql) {
  DuckDbDatabase db = open_in_memory_database();
  DuckDbConnection connection = connect(db.get());
  DuckDbResult result;
  if (duckdb_query(connection.get(), sql.c_str(), result.get()) == DuckDBError) {
    ADD_FAILURE() << duckdb_result_error(result.get());
    return {};
  }
  std::vector<std::vector<std::string>> rows;
  const idx_t columns = duckdb_column_count(result.get());
  for (idx_t r = 0; r < duckdb_row_count(result.get()); ++r) {
    std::vector<std::string> row;
    for (idx_t c = 0; c < columns; ++c) {
      if (duckdb_value_is_null(result.get(), c, r)) {
        row.push_back("NULL");
        continue;
      }
      char* text = duckdb_value_varchar(result.get(), c, r);
      row.push_back(text);
      duckdb_free(text);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// A dead-letter batch exercises every column type: strings, int32, int64,
// timestamps and blobs, with nulls.
void append_dead_letter(ColumnBatch& batch, int i, HourKey hour) {
  batch.column(0).append_bytes("weather_data");
  batch.column(1).append_int32(i % 3);
  batch.column(2).append_int64(1000 + i);
  batch.column(3).append_int64(hour.value * kHourMicros + i);
  if (i % 2 == 0) {
    batch.column(4).append_null();
  } else {
    batch.column(4).append_int64(-86'400'000'000LL + i);  // before 1970
  }
  batch.column(5).append_bytes(i % 5 == 0 ? "" : "Vehicle-é-" + std::to_string(i));
  batch.column(6).append_bytes(std::string("\0\xff{", 3) + std::to_string(i));
  batch.column(7).append_bytes("reason " + std::to_string(i));
  batch.finish_row(hour);
}

// Every row of `batch`, in order.
std::vector<std::uint32_t> all_rows(const ColumnBatch& batch) {
  std::vector<std::uint32_t> rows(batch.rows());
  for (std::uint32_t i = 0; i < rows.size(); ++i)
    rows[i] = i;
  return rows;
}

TEST(ParquetFileWriter, WritesOnlyTheRequestedHourWithTypesAndNulls) {
  testing::ScratchFolder folder;
  ColumnBatch batch(dead_letter_schema());
  const HourKey first{475644}, second{475645};
  for (int i = 0; i < 10; ++i)
    append_dead_letter(batch, i, i < 6 ? first : second);
  const std::vector<RowsOfHour> hours = rows_by_hour(batch);
  ASSERT_EQ(hours.size(), 2u);
  EXPECT_EQ(hours[1].hour, second);

  ParquetFileWriter writer;
  const auto path = folder.path() / "a.parquet";
  const FileStats stats = writer.write(batch, hours[1].rows, path);
  EXPECT_EQ(stats.rows, 4u);
  EXPECT_EQ(stats.bytes, std::filesystem::file_size(path));

  const auto rows = query(
      "SELECT _offset, _partition, kafka_timestamp IS NULL, key, "
      "octet_length(raw), reason, typeof(_ingested_at), typeof(raw) FROM '" +
      path.string() + "' ORDER BY _offset");
  ASSERT_EQ(rows.size(), 4u);
  for (int i = 6; i < 10; ++i) {
    const auto& row = rows[static_cast<std::size_t>(i - 6)];
    EXPECT_EQ(row[0], std::to_string(1000 + i));
    EXPECT_EQ(row[1], std::to_string(i % 3));
    EXPECT_EQ(row[2], i % 2 == 0 ? "true" : "false");
    EXPECT_EQ(row[3], "Vehicle-é-" + std::to_string(i));
    EXPECT_EQ(row[4], std::to_string(3 + std::to_string(i).size()));
    EXPECT_EQ(row[5], "reason " + std::to_string(i));
    EXPECT_EQ(row[6], "TIMESTAMP WITH TIME ZONE");
    EXPECT_EQ(row[7], "BLOB");
  }
}

TEST(ParquetFileWriter, UsesZstdAndKeepsStatistics) {
  testing::ScratchFolder folder;
  ColumnBatch batch(dead_letter_schema());
  for (int i = 0; i < 1000; ++i)
    append_dead_letter(batch, i, HourKey{1});
  ParquetFileWriter writer;
  const auto path = folder.path() / "b.parquet";
  writer.write(batch, all_rows(batch), path);
  const auto meta =
      query("SELECT DISTINCT compression FROM parquet_metadata('" + path.string() + "')");
  ASSERT_EQ(meta.size(), 1u);
  EXPECT_EQ(meta[0][0], "ZSTD");
  // Dictionaries for the repeated columns only (_topic: one value,
  // _partition: three); no Bloom filters.
  EXPECT_EQ(query("SELECT count(*) FILTER (bloom_filter_offset IS NOT NULL), "
                  "string_agg(path_in_schema, ',' ORDER BY column_id) FILTER "
                  "(encodings LIKE '%DICTIONARY%') FROM parquet_metadata('" +
                  path.string() + "')")[0],
            (std::vector<std::string>{"0", "_topic,_partition"}));
  const auto stats = query(
      "SELECT stats_min_value, stats_max_value, stats_min, stats_max, stats_null_count "
      "FROM parquet_metadata('" +
      path.string() +
      "') WHERE path_in_schema IN ('_offset', 'kafka_timestamp', 'key') ORDER BY column_id");
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0], (std::vector<std::string>{"1000", "1999", "1000", "1999", "0"}));
  // Nulls are counted and left out of the bounds (before 1970: negative).
  EXPECT_EQ(stats[1],
            (std::vector<std::string>{
                "1969-12-31 00:00:00.000001+00", "1969-12-31 00:00:00.000999+00",
                "1969-12-31 00:00:00.000001+00", "1969-12-31 00:00:00.000999+00", "500"}));
  // Strings: unsigned byte order ("" first), no legacy min/max (signed order).
  EXPECT_EQ(stats[2], (std::vector<std::string>{"", "Vehicle-é-999", "NULL", "NULL", "0"}));
  const auto tz = query("SELECT logical_type FROM parquet_schema('" + path.string() +
                        "') WHERE name = '_ingested_at'");
  ASSERT_EQ(tz.size(), 1u);
  EXPECT_NE(tz[0][0].find("isAdjustedToUTC=1"), std::string::npos) << tz[0][0];
}

TEST(ParquetFileWriter, RepeatedColumnsKeepADictionaryColumnsOfManyValuesArePlain) {
  // 30,000 rows: `_topic` has one value, `reason` 1,500 values twenty times
  // each, over kDictionaryLimit; DuckDB's own limit (6,144) would still give
  // `reason` a dictionary.
  static_assert(ParquetFileWriter::kDictionaryLimit < 1500);
  testing::ScratchFolder folder;
  ColumnBatch batch(dead_letter_schema());
  for (int i = 0; i < 30'000; ++i)
    append_dead_letter(batch, i % 1500, HourKey{1});
  ParquetFileWriter writer;
  const auto path = folder.path() / "d.parquet";
  writer.write(batch, all_rows(batch), path);
  const auto encodings = [&](const std::string& column) {
    const auto rows = query("SELECT encodings FROM parquet_metadata('" + path.string() +
                            "') WHERE path_in_schema = '" + column + "'");
    return rows.empty() ? std::string() : rows[0][0];
  };
  EXPECT_NE(encodings("_topic").find("DICTIONARY"), std::string::npos) << encodings("_topic");
  EXPECT_EQ(encodings("reason").find("DICTIONARY"), std::string::npos) << encodings("reason");
  EXPECT_EQ(query("SELECT count(DISTINCT reason), count(*) FROM '" + path.string() + "'")[0],
            (std::vector<std::string>{"1500", "30000"}));
}

TEST(ParquetFileWriter, LargeBatchesSplitIntoRowGroups) {
  testing::ScratchFolder folder;
  ColumnBatch batch(dead_letter_schema());
  const int rows = static_cast<int>(ParquetFileWriter::kRowGroupRows) + 5000;
  for (int i = 0; i < rows; ++i)
    append_dead_letter(batch, i, HourKey{1});
  ParquetFileWriter writer;
  const auto path = folder.path() / "c.parquet";
  EXPECT_EQ(writer.write(batch, all_rows(batch), path).rows, static_cast<std::uint64_t>(rows));
  const auto groups =
      query("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + path.string() + "')");
  EXPECT_EQ(groups[0][0], "2");
  const auto order = query(
      "SELECT count(*) FROM (SELECT _offset, lag(_offset) OVER () AS prev "
      "FROM '" +
      path.string() + "') WHERE _offset <> prev + 1");
  EXPECT_EQ(order[0][0], "0");
}

TEST(ParquetFileWriter, WritersOnSeveralThreadsAtOnce) {
  testing::ScratchFolder folder;
  ColumnBatch batch(dead_letter_schema());
  for (int i = 0; i < 5000; ++i)
    append_dead_letter(batch, i, HourKey{1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      ParquetFileWriter writer;
      writer.write(batch, all_rows(batch), folder.path() / ("t" + std::to_string(t) + ".parquet"));
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(query("SELECT count(*) FROM '" + folder.path().string() + "/t*.parquet'")[0][0],
            "15000");
}

TEST(ParquetFileWriter, UnwritablePathIsAStorageError) {
  ColumnBatch batch(dead_letter_schema());
  append_dead_letter(batch, 1, HourKey{1});
  ParquetFileWriter writer;
  EXPECT_THROW(writer.write(batch, all_rows(batch), "/nonexistent-folder/x.parquet"), StorageError);
}

TEST(ParquetFileWriterDeathTest, RefusesABatchWhoseColumnsAreOutOfStep) {
  testing::ScratchFolder folder;
  ColumnBatch batch(dead_letter_schema());
  append_dead_letter(batch, 1, HourKey{1});
  batch.column(7).append_bytes("a second reason in the same row");
  ParquetFileWriter writer;
  EXPECT_DEATH(writer.write(batch, all_rows(batch), folder.path() / "x.parquet"),
               "a column was not appended to once in every row");
}

TEST(ParquetFileWriter, OneWriterServesSeveralSchemasAndFilesInTurn) {
  // The COPY is prepared once per schema and run again with another file
  // name: each file must hold its own batch's rows and columns, a file
  // written twice holds the second write, and a failed write leaves the
  // writer usable.
  testing::ScratchFolder folder;
  ColumnBatch dead(dead_letter_schema());
  for (int i = 0; i < 50; ++i)
    append_dead_letter(dead, i, HourKey{1});
  ColumnBatch weather(table_schema(events::EventKind::kWeather));
  for (int i = 0; i < 7; ++i) {
    for (std::size_t c = 0; c < weather.schema().columns.size(); ++c) {
      Column& column = weather.column(c);
      switch (column.type()) {
        case events::FieldType::kString:
        case events::FieldType::kBlob:
          column.append_bytes("w" + std::to_string(i));
          break;
        case events::FieldType::kInt32:
          column.append_int32(i);
          break;
        case events::FieldType::kInt64:
        case events::FieldType::kTimestamp:
          column.append_int64(i);
          break;
        case events::FieldType::kDouble:
          column.append_double(i + 0.5);
          break;
      }
    }
    weather.finish_row(HourKey{1});
  }
  ParquetFileWriter writer;
  const auto file = [&](const std::string& name) { return (folder.path() / name).string(); };
  const std::vector<std::uint32_t> evens{0, 2, 4, 6};
  EXPECT_EQ(writer.write(dead, all_rows(dead), file("dead-1.parquet")).rows, 50u);
  EXPECT_EQ(writer.write(weather, evens, file("weather-1.parquet")).rows, 4u);
  EXPECT_EQ(writer.write(dead, std::vector<std::uint32_t>{3, 9}, file("dead-2.parquet")).rows, 2u);
  EXPECT_THROW(writer.write(weather, evens, "/nonexistent-folder/w.parquet"), StorageError);
  EXPECT_EQ(writer.write(weather, all_rows(weather), file("weather-2.parquet")).rows, 7u);
  EXPECT_EQ(writer.write(weather, std::vector<std::uint32_t>{5}, file("weather-1.parquet")).rows,
            1u);

  EXPECT_EQ(
      query("SELECT count(*), min(_offset), max(_offset) FROM '" + file("dead-1.parquet") + "'")[0],
      (std::vector<std::string>{"50", "1000", "1049"}));
  EXPECT_EQ(query("SELECT list(_offset ORDER BY _offset)::VARCHAR, max(reason) FROM '" +
                  file("dead-2.parquet") + "'")[0],
            (std::vector<std::string>{"[1003, 1009]", "reason 9"}));
  EXPECT_EQ(query("SELECT count(*), sum(weather.temperature) FROM '" + file("weather-2.parquet") +
                  "' AS weather")[0],
            (std::vector<std::string>{"7", "24.5"}));
  EXPECT_EQ(query("SELECT count(*), min(device_id) FROM '" + file("weather-1.parquet") + "'")[0],
            (std::vector<std::string>{"1", "w5"}));
}

TEST(HivePartition, RowsAreGroupedByHourInOnePass) {
  ColumnBatch batch(dead_letter_schema());
  const HourKey a{10}, b{11}, c{9};
  for (HourKey hour : {a, a, b, a, c, b, b})
    append_dead_letter(batch, 0, hour);
  const std::vector<RowsOfHour> groups = rows_by_hour(batch);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].hour, a);
  EXPECT_EQ(groups[0].rows, (std::vector<std::uint32_t>{0, 1, 3}));
  EXPECT_EQ(groups[1].hour, b);
  EXPECT_EQ(groups[1].rows, (std::vector<std::uint32_t>{2, 5, 6}));
  EXPECT_EQ(groups[2].hour, c);
  EXPECT_EQ(groups[2].rows, (std::vector<std::uint32_t>{4}));
  EXPECT_TRUE(rows_by_hour(ColumnBatch(dead_letter_schema())).empty());
}

TEST(HivePartition, FolderNamesRoundTrip) {
  const HourKey hour = hour_key(UnixMicros{1712320496000000});  // 2024-04-05T12:34:56Z
  EXPECT_EQ(partition_folder(hour), "date=2024-04-05/hour=12");
  EXPECT_EQ(parse_partition_folder("date=2024-04-05/hour=12"), hour);
  EXPECT_EQ(partition_folder(HourKey{-1}), "date=1969-12-31/hour=23");
  EXPECT_FALSE(parse_partition_folder("date=2024-04-05").has_value());
  EXPECT_FALSE(parse_partition_folder("date=2024-13-05/hour=12").has_value());
}

namespace random_batches {

// A value as the test appended it, to hold what DuckDB reads against.
struct Cell {
  bool null = false;
  std::int64_t integer = 0;  // int32, int64, timestamp
  double real = 0;
  std::string bytes;
};

// Column c of a random batch: how many distinct values it draws from (around
// the dictionary budget, where the encoder changes its mind) and how often
// it is null.
struct ColumnShape {
  std::size_t distinct;
  double null_rate;
  std::size_t max_length;  // strings and blobs
};

Cell random_cell(events::FieldType type, const ColumnShape& shape, std::mt19937_64& random) {
  Cell cell;
  if (std::uniform_real_distribution<double>(0, 1)(random) < shape.null_rate) {
    cell.null = true;
    return cell;
  }
  // Values are a function of a draw in [0, distinct), so the column has at
  // most `distinct` values.
  const std::uint64_t draw =
      std::uniform_int_distribution<std::uint64_t>(0, shape.distinct - 1)(random);
  std::mt19937_64 value_random(draw * 7919 + static_cast<std::uint64_t>(type));
  switch (type) {
    case events::FieldType::kInt32:
      cell.integer = static_cast<std::int32_t>(value_random());
      break;
    case events::FieldType::kInt64:
      cell.integer = static_cast<std::int64_t>(value_random());
      break;
    case events::FieldType::kTimestamp:  // years 1900-2100
      cell.integer = static_cast<std::int64_t>(value_random() % 6'311'390'400'000'000ULL) -
                     2'208'988'800'000'000LL;
      break;
    case events::FieldType::kDouble: {
      const std::uint64_t kind = value_random() % 8;
      if (kind == 0)
        cell.real = -0.0;
      else if (kind == 1)
        cell.real = 0.0;
      else
        cell.real = std::ldexp(static_cast<double>(static_cast<std::int64_t>(value_random())),
                               static_cast<int>(value_random() % 200) - 100);
      break;
    }
    case events::FieldType::kString:
    case events::FieldType::kBlob: {
      const std::size_t length = value_random() % (shape.max_length + 1);
      static constexpr std::string_view kLetters[] = {"a", "Z", "0", " ", "é", "€", "😀"};
      while (cell.bytes.size() < length) {
        if (type == events::FieldType::kBlob) {
          cell.bytes.push_back(static_cast<char>(value_random()));
        } else {
          cell.bytes += kLetters[value_random() % std::size(kLetters)];
        }
      }
      break;
    }
  }
  return cell;
}

void append_cell(Column& column, const Cell& cell) {
  if (cell.null) return column.append_null();
  switch (column.type()) {
    case events::FieldType::kInt32:
      return column.append_int32(static_cast<std::int32_t>(cell.integer));
    case events::FieldType::kInt64:
    case events::FieldType::kTimestamp:
      return column.append_int64(cell.integer);
    case events::FieldType::kDouble:
      return column.append_double(cell.real);
    case events::FieldType::kString:
    case events::FieldType::kBlob:
      return column.append_bytes(cell.bytes);
  }
}

}  // namespace random_batches

TEST(ParquetFileWriter, RandomBatchesReadBackByDuckDbValueForValue) {
  // Batches of random shape around the encoder's choices (dictionary budget,
  // all-null and no-null columns, long strings whose bounds are left out),
  // written from a random subset of rows, read back by DuckDB: every value
  // bit for bit, in order.
  using namespace random_batches;
  testing::ScratchFolder folder;
  std::mt19937_64 random(20261201);
  const TableSchema* schemas[] = {&dead_letter_schema(),
                                  &table_schema(events::EventKind::kVehicle)};
  const std::size_t budget = ParquetFileWriter::kDictionaryLimit;
  for (int round = 0; round < 24; ++round) {
    const TableSchema& schema = *schemas[round % 2];
    const std::size_t rows = std::uniform_int_distribution<std::size_t>(1, 4000)(random);
    std::vector<ColumnShape> shapes;
    for (std::size_t c = 0; c < schema.columns.size(); ++c) {
      const std::size_t distinct_choices[] = {1,   2, budget - 1, budget, budget + 1, rows / 2 + 1,
                                              rows};
      const double null_rates[] = {0, 0, 0.3, 0.97, 1};
      shapes.push_back({distinct_choices[random() % std::size(distinct_choices)],
                        null_rates[random() % std::size(null_rates)],
                        random() % 3 == 0 ? std::size_t{400} : std::size_t{24}});
    }
    ColumnBatch batch(schema);
    std::vector<std::vector<Cell>> cells(rows);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < schema.columns.size(); ++c) {
        cells[r].push_back(random_cell(schema.columns[c].type, shapes[c], random));
        append_cell(batch.column(c), cells[r].back());
      }
      batch.finish_row(HourKey{1});
    }
    std::vector<std::uint32_t> chosen;
    for (std::uint32_t r = 0; r < rows; ++r)
      if (random() % 4 != 0 || r + 1 == rows) chosen.push_back(r);
    const auto path = folder.path() / ("random-" + std::to_string(round) + ".parquet");
    ParquetFileWriter writer;
    ASSERT_EQ(writer.write(batch, chosen, path).rows, chosen.size());

    std::string select;
    for (const ColumnSpec& column : schema.columns) {
      if (!select.empty()) select += ", ";
      const std::string name = "\"" + std::string(column.name) + "\"";
      select += column.type == events::FieldType::kTimestamp ? "epoch_us(" + name + ")" : name;
    }
    DuckDbDatabase db = open_in_memory_database();
    DuckDbConnection connection = connect(db.get());
    DuckDbResult result;
    ASSERT_NE(
        duckdb_query(connection.get(),
                     ("SELECT " + select + " FROM '" + path.string() + "'").c_str(), result.get()),
        DuckDBError)
        << duckdb_result_error(result.get());
    ASSERT_EQ(duckdb_row_count(result.get()), chosen.size()) << "round " << round;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
      for (std::size_t c = 0; c < schema.columns.size(); ++c) {
        const Cell& want = cells[chosen[i]][c];
        const auto where = ::testing::Message() << "round " << round << " row " << chosen[i]
                                                << " column " << schema.columns[c].name;
        ASSERT_EQ(duckdb_value_is_null(result.get(), c, i), want.null) << where;
        if (want.null) continue;
        switch (schema.columns[c].type) {
          case events::FieldType::kInt32:
          case events::FieldType::kInt64:
          case events::FieldType::kTimestamp:
            ASSERT_EQ(duckdb_value_int64(result.get(), c, i), want.integer) << where;
            break;
          case events::FieldType::kDouble: {
            const double got = duckdb_value_double(result.get(), c, i);
            ASSERT_EQ(std::memcmp(&got, &want.real, sizeof got), 0) << where << ": " << got;
            break;
          }
          case events::FieldType::kString: {
            char* text = duckdb_value_varchar(result.get(), c, i);
            const std::string got(text);
            duckdb_free(text);
            ASSERT_EQ(got, want.bytes) << where;
            break;
          }
          case events::FieldType::kBlob: {
            duckdb_blob blob = duckdb_value_blob(result.get(), c, i);
            const std::string got(static_cast<const char*>(blob.data), blob.size);
            duckdb_free(blob.data);
            ASSERT_EQ(got, want.bytes) << where;
            break;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace smartcity::lake
