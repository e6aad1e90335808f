// Parquet encoding alone: ParquetFileWriter writing the same 28,000 vehicle
// rows as one file, or split over 10 or 100 hours (one file each), as a commit
// of seed-shaped events does (event time runs faster than the clock, so one
// commit spans many hours). The gap between the three is the cost of a file.
//
// Run: build/release/bench/parquet_write_bench --benchmark_out=FILE
#include <benchmark/benchmark.h>

#include <filesystem>
#include <vector>

#include "bench_fleet.h"
#include "lake/hive_partition.h"
#include "lake/parquet_file_writer.h"
#include "lake/table_schema.h"
#include "simulate/simulation.h"
#include "stream/record_decoder.h"

namespace smartcity {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t kRows = 28'000;

// Real vehicle rows, decoded from the simulator's seed wire format.
lake::ColumnBatch decoded_vehicle_rows() {
  simulate::Simulation simulation(bench_fleet(events::WireFormat::kSeed));
  stream::RecordDecoder decoder;
  lake::ColumnBatch vehicles(lake::table_schema(events::EventKind::kVehicle));
  lake::ColumnBatch dead(lake::dead_letter_schema());
  simulate::SimulatedRecord record;
  std::int64_t offset = 0;
  while (vehicles.rows() < kRows) {
    simulation.next(record);
    if (record.kind != events::EventKind::kVehicle) continue;
    const stream::RecordMetadata metadata{record.topic,  Partition{0}, Offset{offset++},
                                          UnixMicros{1}, record.key,   UnixMicros{2}};
    decoder.decode(record.kind, record.payload, metadata, vehicles, dead);
  }
  return vehicles;
}

// The rows of `from`, filed under `hours` consecutive hours in equal runs.
lake::ColumnBatch spread_over_hours(const lake::ColumnBatch& from, std::size_t hours) {
  lake::ColumnBatch to(from.schema());
  const std::size_t per_hour = from.rows() / hours;
  for (std::size_t row = 0; row < from.rows(); ++row) {
    for (std::size_t c = 0; c < from.schema().columns.size(); ++c) {
      const lake::Column& in = from.column(c);
      lake::Column& out = to.column(c);
      if (!in.is_valid(row)) {
        out.append_null();
        continue;
      }
      switch (in.type()) {
        case events::FieldType::kInt32:
          out.append_int32(in.int32_at(row));
          break;
        case events::FieldType::kInt64:
        case events::FieldType::kTimestamp:
          out.append_int64(in.int64_at(row));
          break;
        case events::FieldType::kDouble:
          out.append_double(in.double_at(row));
          break;
        case events::FieldType::kString:
        case events::FieldType::kBlob:
          out.append_bytes(in.bytes_at(row));
          break;
      }
    }
    to.finish_row(lake::HourKey{static_cast<std::int64_t>(row / per_hour)});
  }
  return to;
}

void BM_WriteHourFiles(benchmark::State& state) {
  const auto hours = static_cast<std::size_t>(state.range(0));
  const lake::ColumnBatch batch = spread_over_hours(decoded_vehicle_rows(), hours);
  const fs::path folder = fs::temp_directory_path() / "smartcity-parquet-write-bench";
  fs::create_directories(folder);
  lake::ParquetFileWriter writer;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    // Grouping is part of a commit's work, so it is timed too.
    const std::vector<lake::RowsOfHour> groups = lake::rows_by_hour(batch);
    for (std::size_t h = 0; h < groups.size(); ++h) {
      bytes +=
          writer.write(batch, groups[h].rows, folder / ("part-" + std::to_string(h) + ".parquet"))
              .bytes;
    }
  }
  fs::remove_all(folder);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch.rows()));
  state.counters["files"] = static_cast<double>(hours);
  state.counters["file_bytes"] =
      static_cast<double>(bytes) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_WriteHourFiles)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace smartcity

BENCHMARK_MAIN();
