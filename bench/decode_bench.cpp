// Decoding alone: RecordDecoder over realistic records of every kind, in both
// wire formats, into column batches (cleared as a commit would). Reports
// records per second on one core.
#include <benchmark/benchmark.h>

#include <simdjson.h>

#include <vector>

#include "bench_fleet.h"
#include "lake/table_schema.h"
#include "simulate/simulation.h"
#include "stream/record_decoder.h"

namespace smartcity {
namespace {

// The first 50,000 records of the benchmarks' fleet.
std::vector<simulate::SimulatedRecord> fleet_records(events::WireFormat wire) {
  simulate::Simulation simulation(bench_fleet(wire));
  std::vector<simulate::SimulatedRecord> records(50'000);
  for (auto& record : records)
    simulation.next(record);
  return records;
}

void decode_records(benchmark::State& state, events::WireFormat wire, stream::DecodePath path) {
  const std::vector<simulate::SimulatedRecord> records = fleet_records(wire);

  stream::RecordDecoder decoder(path);
  std::vector<lake::ColumnBatch> batches;
  for (const events::EventSpec& event : events::all_events()) {
    batches.emplace_back(lake::table_schema(event.kind));
  }
  lake::ColumnBatch dead(lake::dead_letter_schema());
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::int64_t offset = 0;
    for (const auto& record : records) {
      const stream::RecordMetadata metadata{record.topic,  Partition{0}, Offset{offset++},
                                            UnixMicros{1}, record.key,   UnixMicros{2}};
      decoder.decode(record.kind, record.payload, metadata,
                     batches[static_cast<std::size_t>(record.kind)], dead);
      bytes += record.payload.size();
    }
    for (auto& batch : batches)
      batch.clear();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(records.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  if (dead.rows() != 0) state.SkipWithError("valid records became dead letters");
  state.counters["layout_share"] =
      static_cast<double>(decoder.layout_rows()) /
      static_cast<double>(state.iterations() * static_cast<std::int64_t>(records.size()));
  state.counters["fast_path_share"] =
      static_cast<double>(decoder.fast_path_rows()) /
      static_cast<double>(state.iterations() * static_cast<std::int64_t>(records.size()));
}

void BM_DecodeCanonical(benchmark::State& state) {
  decode_records(state, events::WireFormat::kCanonical, stream::DecodePath::kFastWhereItCan);
}
void BM_DecodeSeed(benchmark::State& state) {
  decode_records(state, events::WireFormat::kSeed, stream::DecodePath::kFastWhereItCan);
}
// The same records through simdjson alone, what every record took before
// the fast path: the ratio is the fast path's gain.
void BM_DecodeCanonicalFullParser(benchmark::State& state) {
  decode_records(state, events::WireFormat::kCanonical, stream::DecodePath::kFullParserOnly);
}
void BM_DecodeSeedFullParser(benchmark::State& state) {
  decode_records(state, events::WireFormat::kSeed, stream::DecodePath::kFullParserOnly);
}

// What simdjson alone takes to walk the same seed records: every key and
// value found and read as a number or string, nothing checked against the
// schema or stored. A yardstick for the decoder's target of 5 million records
// a second per core, not a path the stream takes.
void BM_WalkSeedWithSimdjsonOnly(benchmark::State& state) {
  std::vector<simdjson::padded_string> records;
  for (const simulate::SimulatedRecord& record : fleet_records(events::WireFormat::kSeed))
    records.emplace_back(record.payload);
  simdjson::ondemand::parser parser;
  double numbers = 0;
  std::size_t string_bytes = 0;
  for (auto _ : state) {
    for (const simdjson::padded_string& json : records) {
      simdjson::ondemand::document document = parser.iterate(json);
      for (auto field : document.get_object()) {
        string_bytes += std::string_view(field.unescaped_key()).size();
        simdjson::ondemand::value value = field.value();
        switch (value.type()) {
          case simdjson::ondemand::json_type::number:
            numbers += double(value);
            break;
          case simdjson::ondemand::json_type::string:
            string_bytes += std::string_view(value).size();
            break;
          case simdjson::ondemand::json_type::array:
            for (double number : value.get_array())
              numbers += number;
            break;
          default:
            break;
        }
      }
    }
  }
  benchmark::DoNotOptimize(numbers);
  benchmark::DoNotOptimize(string_bytes);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(records.size()));
}

BENCHMARK(BM_DecodeCanonical)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeSeed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeCanonicalFullParser)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeSeedFullParser)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WalkSeedWithSimdjsonOnly)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace smartcity

BENCHMARK_MAIN();
