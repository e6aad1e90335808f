// Writes the rows of a ColumnBatch that fall in one hour into one Parquet file,
// through the DuckDB C API: a table function scans our column buffers straight
// into DuckDB data chunks, and `COPY (SELECT * FROM it) TO file` encodes them,
// so no DuckDB table is ever materialised.
//
// Files: zstd (level kZstdLevel), row groups of kRowGroupRows rows, dictionaries for
// columns of at most kDictionaryLimit values, min/max statistics, types as
// the schema says (timestamps as TIMESTAMP WITH TIME ZONE: Parquet INT64
// TIMESTAMP(MICROS, isAdjustedToUTC=true)).
//
// Thread-safety: one writer per thread. Each owns a private in-memory DuckDB
// database limited to one thread, so N writers encode N files at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lake/column_batch.h"
#include "lake/duckdb_handles.h"

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
  // zstd level 1, not DuckDB's default 3: on the stream benchmark's seed-shaped
  // events level 3 spent about a sixth of the stream's CPU in compression and
  // gave files no smaller (93 MB for 2M events either way).
  static constexpr int kZstdLevel = 1;
  // Distinct values a column may have in a row group and still be written
  // with a dictionary. DuckDB's default (a twentieth of the row group, 6,144)
  // hashes every unique column (ids, times, coordinates, offsets) that far
  // before it gives up; 1,024 gives up sooner, for the same files on city
  // events (their repeated columns have far fewer values) and about 11% less
  // encoding CPU (bench/results/2026-12-01-parquet-dictionary-limit.md). A
  // fleet of more devices than this per row group stores device_id plain.
  static constexpr int kDictionaryLimit = 1024;

  // Throws StorageError if DuckDB cannot be opened.
  ParquetFileWriter();
  ParquetFileWriter(const ParquetFileWriter&) = delete;
  ParquetFileWriter& operator=(const ParquetFileWriter&) = delete;
  ~ParquetFileWriter();

  // Writes the rows of `batch` filed under `hour` to `path` (which must not be
  // visible to readers yet; its folder must exist), then fsyncs it. Throws
  // StorageError naming the path if the file cannot be written.
  FileStats write(const ColumnBatch& batch, HourKey hour, const std::filesystem::path& path);

  // What the table function scans during one write(); public only for the C
  // callbacks in the .cpp.
  struct Scan {
    const ColumnBatch* batch = nullptr;
    std::vector<std::uint32_t> rows;  // indices into batch, in order
  };

 private:
  DuckDbDatabase database_;
  DuckDbConnection connection_;
  Scan scan_;
};

}  // namespace smartcity::lake
