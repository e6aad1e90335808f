#include "lake/parquet_file_writer.h"

#include <algorithm>

#include "base/check.h"
#include "base/errors.h"

namespace smartcity::lake {
namespace {

constexpr const char* kScanFunction = "smartcity_batch_scan";

duckdb_type duckdb_type_of(events::FieldType type) {
  switch (type) {
    case events::FieldType::kString:
      return DUCKDB_TYPE_VARCHAR;
    case events::FieldType::kInt32:
      return DUCKDB_TYPE_INTEGER;
    case events::FieldType::kInt64:
      return DUCKDB_TYPE_BIGINT;
    case events::FieldType::kDouble:
      return DUCKDB_TYPE_DOUBLE;
    case events::FieldType::kTimestamp:
      return DUCKDB_TYPE_TIMESTAMP_TZ;
    case events::FieldType::kBlob:
      return DUCKDB_TYPE_BLOB;
  }
  SMARTCITY_CHECK(false, "unknown FieldType");
}

struct LogicalTypeDeleter {
  void operator()(duckdb_logical_type type) const { duckdb_destroy_logical_type(&type); }
};
using LogicalType = std::unique_ptr<std::remove_pointer_t<duckdb_logical_type>, LogicalTypeDeleter>;

// Where the scan is: rows already emitted.
struct ScanPosition {
  std::size_t next = 0;
};

void bind_scan(duckdb_bind_info info) {
  const auto* scan = static_cast<const ParquetFileWriter::Scan*>(duckdb_bind_get_extra_info(info));
  for (const ColumnSpec& column : scan->batch->schema().columns) {
    LogicalType type(duckdb_create_logical_type(duckdb_type_of(column.type)));
    duckdb_bind_add_result_column(info, std::string(column.name).c_str(), type.get());
  }
}

void init_scan(duckdb_init_info info) {
  duckdb_init_set_init_data(info, new ScanPosition{},
                            [](void* data) { delete static_cast<ScanPosition*>(data); });
  duckdb_init_set_max_threads(info, 1);
}

// Copies rows [begin, end) of the selection into column `index` of a chunk.
void fill_vector(duckdb_vector vector, const Column& column, const std::uint32_t* rows,
                 std::size_t count) {
  std::uint64_t* validity = nullptr;
  for (std::size_t i = 0; i < count; ++i) {
    if (!column.is_valid(rows[i])) {
      if (validity == nullptr) {
        duckdb_vector_ensure_validity_writable(vector);
        validity = duckdb_vector_get_validity(vector);
      }
      duckdb_validity_set_row_invalid(validity, i);
    }
  }
  void* data = duckdb_vector_get_data(vector);
  switch (column.type()) {
    case events::FieldType::kInt32: {
      auto* out = static_cast<std::int32_t*>(data);
      for (std::size_t i = 0; i < count; ++i)
        out[i] = column.int32_at(rows[i]);
      break;
    }
    case events::FieldType::kInt64:
    case events::FieldType::kTimestamp: {
      auto* out = static_cast<std::int64_t*>(data);
      for (std::size_t i = 0; i < count; ++i)
        out[i] = column.int64_at(rows[i]);
      break;
    }
    case events::FieldType::kDouble: {
      auto* out = static_cast<double*>(data);
      for (std::size_t i = 0; i < count; ++i)
        out[i] = column.double_at(rows[i]);
      break;
    }
    case events::FieldType::kString:
    case events::FieldType::kBlob:
      for (std::size_t i = 0; i < count; ++i) {
        if (!column.is_valid(rows[i])) continue;
        const std::string_view value = column.bytes_at(rows[i]);
        duckdb_vector_assign_string_element_len(vector, i, value.data(), value.size());
      }
      break;
  }
}

void run_scan(duckdb_function_info info, duckdb_data_chunk output) {
  const auto* scan =
      static_cast<const ParquetFileWriter::Scan*>(duckdb_function_get_extra_info(info));
  auto* position = static_cast<ScanPosition*>(duckdb_function_get_init_data(info));
  const std::size_t count =
      std::min<std::size_t>(duckdb_vector_size(), scan->rows.size() - position->next);
  const std::uint32_t* rows = scan->rows.data() + position->next;
  const std::size_t columns = scan->batch->schema().columns.size();
  for (std::size_t c = 0; c < columns; ++c) {
    fill_vector(duckdb_data_chunk_get_vector(output, c), scan->batch->column(c), rows, count);
  }
  duckdb_data_chunk_set_size(output, count);
  position->next += count;
}

}  // namespace

ParquetFileWriter::ParquetFileWriter()
    : database_(open_in_memory_database({{"threads", "1"},
                                         {"autoinstall_known_extensions", "false"},
                                         {"autoload_known_extensions", "false"}})),
      connection_(connect(database_.get())) {
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, kScanFunction);
  duckdb_table_function_set_extra_info(function, &scan_, nullptr);
  duckdb_table_function_set_bind(function, bind_scan);
  duckdb_table_function_set_init(function, init_scan);
  duckdb_table_function_set_function(function, run_scan);
  const duckdb_state state = duckdb_register_table_function(connection_.get(), function);
  duckdb_destroy_table_function(&function);
  if (state == DuckDBError) throw StorageError("DuckDB: cannot register the batch scan");
  // Order matters for our files: rows stay in offset order within a file.
  execute(connection_.get(), "SET preserve_insertion_order = true", "DuckDB setup");
}

ParquetFileWriter::~ParquetFileWriter() = default;

FileStats ParquetFileWriter::write(const ColumnBatch& batch, std::span<const std::uint32_t> rows,
                                   const std::filesystem::path& path) {
  scan_.batch = &batch;
  scan_.rows = rows;
  struct ScanReset {
    Scan* scan;
    ~ScanReset() { *scan = Scan{}; }
  } reset{&scan_};
  const std::string sql =
      std::string("COPY (SELECT * FROM ") + kScanFunction + "()) TO " +
      sql_string_literal(path.string()) + " (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL " +
      std::to_string(kZstdLevel) + ", ROW_GROUP_SIZE " + std::to_string(kRowGroupRows) +
      ", DICTIONARY_SIZE_LIMIT " + std::to_string(kDictionaryLimit) + ", WRITE_BLOOM_FILTER false)";
  execute(connection_.get(), sql, "cannot write Parquet file " + path.string());
  std::error_code ec;
  const std::uintmax_t bytes = std::filesystem::file_size(path, ec);
  if (ec) throw StorageError("cannot stat " + path.string() + ": " + ec.message());
  return FileStats{rows.size(), bytes};
}

}  // namespace smartcity::lake
