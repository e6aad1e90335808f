// Writes chosen rows of a ColumnBatch (one hour's, see rows_by_hour) into one
// Parquet file, through the DuckDB C API: a table function scans our column
// buffers straight into DuckDB data chunks, and `COPY (SELECT * FROM it) TO
// file` encodes them, so no DuckDB table is ever materialised.
// (Preparing the COPY once does not save its planning: DuckDB binds a COPY
// again for every file name.)
//
// Files: zstd (level kZstdLevel), row groups of kRowGroupRows rows, dictionaries for
// columns of at most kDictionaryLimit values, min/max statistics, types as
// the schema says (timestamps as TIMESTAMP WITH TIME ZONE: Parquet INT64
// TIMESTAMP(MICROS, isAdjustedToUTC=true)). No Bloom filters: DuckDB would
// write them only for dictionary columns, whose dictionary already answers an
// equality filter exactly, and building them cost about 0.5 ms a file.
//
// Thread-safety: one writer per thread. Each owns a private in-memory DuckDB
// database limited to one thread, so N writers encode N files at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
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

  // Writes rows `rows` of `batch` (increasing indices, normally the rows of
  // one hour) to `path`, which must not be visible to readers yet and whose
  // folder must exist; replaces a file already there. Does not fsync: making
  // the file durable is the storage's job (LakeStorage::sync_staged). Throws
  // StorageError naming the path if the file cannot be written.
  FileStats write(const ColumnBatch& batch, std::span<const std::uint32_t> rows,
                  const std::filesystem::path& path);

  // What the table function scans during one write(); public only for the C
  // callbacks in the .cpp.
  struct Scan {
    const ColumnBatch* batch = nullptr;
    std::span<const std::uint32_t> rows;  // indices into batch, in order
  };

 private:
  DuckDbDatabase database_;
  DuckDbConnection connection_;
  Scan scan_;
};

}  // namespace smartcity::lake
