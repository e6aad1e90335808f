// Writes chosen rows of a ColumnBatch (one hour's, see rows_by_hour) into one
// Parquet file: row groups of kRowGroupRows rows, each column encoded by a
// ParquetColumnEncoder (dictionary or PLAIN, zstd level kZstdLevel, min/max
// statistics), then the footer. Types as the schema says: strings UTF8,
// blobs plain byte arrays, timestamps INT64 TIMESTAMP(MICROS,
// isAdjustedToUTC=true), which DuckDB reads as TIMESTAMP WITH TIME ZONE;
// every column OPTIONAL.
//
// Why our own encoder and not DuckDB's COPY (DESIGN.md's choice): a commit
// of events whose time runs fast writes one small file per partition and
// hour, and DuckDB spent about 1.4-1.9 ms of fixed cost on each (parsing,
// binding and planning the COPY, a fresh zstd context per page, writer set-up)
// on top of about 1.2 us a row; see bench/results/2026-12-01-parquet-own-writer.md.
// DuckDB and pyarrow stay the independent readers the tests check files with.
//
// Thread-safety: one writer per thread (it keeps its encoder and buffers).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "lake/column_batch.h"
#include "lake/parquet_column_encoder.h"

namespace smartcity::lake {

struct FileStats {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;  // on disk
};

class ParquetFileWriter {
 public:
  // Rows per row group: big enough for good compression and statistics, small
  // enough that a reader's predicate pushdown skips useful ranges (DuckDB's
  // own default, 122,880 rows, 60 of its vectors).
  static constexpr std::uint64_t kRowGroupRows = 122'880;
  // zstd level 1, not 3: on the stream benchmark's seed-shaped events level 3
  // spent about a sixth of the stream's CPU in compression and gave files no
  // smaller (93 MB for 2M events either way, measured with DuckDB's writer).
  static constexpr int kZstdLevel = 1;
  // Distinct values a column chunk may have and still get a dictionary.
  static constexpr std::size_t kDictionaryLimit = ParquetColumnEncoder::kDictionaryLimit;

  ParquetFileWriter();
  ParquetFileWriter(const ParquetFileWriter&) = delete;
  ParquetFileWriter& operator=(const ParquetFileWriter&) = delete;
  ~ParquetFileWriter();

  // Writes rows `rows` of `batch` (increasing indices, normally the rows of
  // one hour; at least one) to `path`, which must not be visible to readers
  // yet and whose folder must exist; replaces a file already there. Does not
  // fsync: making the file durable is the storage's job
  // (LakeStorage::sync_staged). Throws StorageError naming the path if the
  // file cannot be written; a partly written file may be left behind.
  FileStats write(const ColumnBatch& batch, std::span<const std::uint32_t> rows,
                  const std::filesystem::path& path);

 private:
  ParquetColumnEncoder encoder_;
  std::string buffer_;  // the part of the file not yet written
};

}  // namespace smartcity::lake
