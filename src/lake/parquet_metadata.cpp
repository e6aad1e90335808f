#include "lake/parquet_metadata.h"

#include "base/check.h"
#include "lake/thrift_compact_writer.h"

namespace smartcity::lake::parquet {
namespace {

// parquet.thrift numbers used below.
constexpr std::int32_t kDataPage = 0;
constexpr std::int32_t kDictionaryPage = 2;
constexpr std::int32_t kOptional = 1;
constexpr std::int32_t kConvertedUtf8 = 0;
constexpr std::int32_t kConvertedTimestampMicros = 10;
constexpr std::int32_t kFormatVersion = 1;

void write_statistics(ThriftCompactWriter& thrift, PhysicalType type,
                      const ChunkStatistics& statistics) {
  thrift.begin_struct_field(12);  // ColumnMetaData.statistics
  // The deprecated min/max too where they mean the same (signed order), for
  // readers older than min_value/max_value.
  const bool legacy_bounds = statistics.min && statistics.max && type != PhysicalType::kByteArray;
  if (legacy_bounds) {
    thrift.field_binary(1, *statistics.max);
    thrift.field_binary(2, *statistics.min);
  }
  thrift.field_i64(3, statistics.null_count);
  if (statistics.min && statistics.max) {
    thrift.field_binary(5, *statistics.max);  // max_value
    thrift.field_binary(6, *statistics.min);  // min_value
  }
  thrift.end_struct();
}

void write_column_chunk(ThriftCompactWriter& thrift, std::string_view name,
                        const ColumnChunkMeta& chunk) {
  thrift.begin_struct_element();
  thrift.field_i64(2, chunk.first_page_offset);  // file_offset (deprecated, required)
  thrift.begin_struct_field(3);                  // meta_data
  thrift.field_i32(1, static_cast<std::int32_t>(chunk.type));
  if (chunk.dictionary) {
    thrift.begin_list_field(2, ThriftType::kI32, 3);
    thrift.element_i32(static_cast<std::int32_t>(Encoding::kPlain));  // the dictionary page
    thrift.element_i32(static_cast<std::int32_t>(Encoding::kRle));    // definition levels
    thrift.element_i32(static_cast<std::int32_t>(Encoding::kRleDictionary));
  } else {
    thrift.begin_list_field(2, ThriftType::kI32, 2);
    thrift.element_i32(static_cast<std::int32_t>(chunk.data_encoding));
    thrift.element_i32(static_cast<std::int32_t>(Encoding::kRle));
  }
  thrift.begin_list_field(3, ThriftType::kBinary, 1);
  thrift.element_binary(name);
  thrift.field_i32(4, kCodecZstd);
  thrift.field_i64(5, chunk.num_values);
  thrift.field_i64(6, chunk.uncompressed_bytes);
  thrift.field_i64(7, chunk.compressed_bytes);
  thrift.field_i64(9, chunk.data_page_offset);
  if (chunk.dictionary) thrift.field_i64(11, chunk.first_page_offset);
  write_statistics(thrift, chunk.type, chunk.statistics);
  thrift.end_struct();  // meta_data
  thrift.end_struct();  // ColumnChunk
}

void write_schema_element(ThriftCompactWriter& thrift, const ColumnSpec& column) {
  thrift.begin_struct_element();
  thrift.field_i32(1, static_cast<std::int32_t>(physical_type(column.type)));
  thrift.field_i32(3, kOptional);
  thrift.field_binary(4, column.name);
  switch (column.type) {
    case events::FieldType::kString:
      thrift.field_i32(6, kConvertedUtf8);
      thrift.begin_struct_field(10);  // logicalType
      thrift.begin_struct_field(1);   // STRING
      thrift.end_struct();
      thrift.end_struct();
      break;
    case events::FieldType::kTimestamp:
      thrift.field_i32(6, kConvertedTimestampMicros);
      thrift.begin_struct_field(10);  // logicalType
      thrift.begin_struct_field(8);   // TIMESTAMP
      thrift.field_bool(1, true);     // isAdjustedToUTC
      thrift.begin_struct_field(2);   // unit
      thrift.begin_struct_field(2);   // MICROS
      thrift.end_struct();
      thrift.end_struct();
      thrift.end_struct();
      thrift.end_struct();
      break;
    case events::FieldType::kInt32:
    case events::FieldType::kInt64:
    case events::FieldType::kDouble:
    case events::FieldType::kBlob:
      break;
  }
  thrift.end_struct();
}

// The fields every PageHeader starts with.
void write_page_sizes(ThriftCompactWriter& thrift, std::int32_t type,
                      std::int32_t uncompressed_bytes, std::int32_t compressed_bytes) {
  SMARTCITY_CHECK(uncompressed_bytes >= 0 && compressed_bytes >= 0, "page size overflows int32");
  thrift.field_i32(1, type);
  thrift.field_i32(2, uncompressed_bytes);
  thrift.field_i32(3, compressed_bytes);
}

}  // namespace

PhysicalType physical_type(events::FieldType type) {
  switch (type) {
    case events::FieldType::kInt32:
      return PhysicalType::kInt32;
    case events::FieldType::kInt64:
    case events::FieldType::kTimestamp:
      return PhysicalType::kInt64;
    case events::FieldType::kDouble:
      return PhysicalType::kDouble;
    case events::FieldType::kString:
    case events::FieldType::kBlob:
      return PhysicalType::kByteArray;
  }
  SMARTCITY_CHECK(false, "unknown FieldType");
}

void append_data_page_header(std::string& out, std::int32_t uncompressed_bytes,
                             std::int32_t compressed_bytes, std::int32_t num_values,
                             Encoding encoding) {
  ThriftCompactWriter thrift(out);
  write_page_sizes(thrift, kDataPage, uncompressed_bytes, compressed_bytes);
  thrift.begin_struct_field(5);  // data_page_header
  thrift.field_i32(1, num_values);
  thrift.field_i32(2, static_cast<std::int32_t>(encoding));
  thrift.field_i32(3, static_cast<std::int32_t>(Encoding::kRle));  // definition levels
  thrift.field_i32(4, static_cast<std::int32_t>(Encoding::kRle));  // repetition levels (none)
  thrift.end_struct();
  thrift.end_struct();
}

void append_dictionary_page_header(std::string& out, std::int32_t uncompressed_bytes,
                                   std::int32_t compressed_bytes, std::int32_t num_values) {
  ThriftCompactWriter thrift(out);
  write_page_sizes(thrift, kDictionaryPage, uncompressed_bytes, compressed_bytes);
  thrift.begin_struct_field(7);  // dictionary_page_header
  thrift.field_i32(1, num_values);
  thrift.field_i32(2, static_cast<std::int32_t>(Encoding::kPlain));
  thrift.end_struct();
  thrift.end_struct();
}

std::string encode_file_metadata(const TableSchema& schema,
                                 std::span<const RowGroupMeta> row_groups,
                                 std::string_view created_by) {
  std::string out;
  ThriftCompactWriter thrift(out);
  thrift.field_i32(1, kFormatVersion);
  thrift.begin_list_field(2, ThriftType::kStruct, schema.columns.size() + 1);
  thrift.begin_struct_element();  // the root
  thrift.field_binary(4, "schema");
  thrift.field_i32(5, static_cast<std::int32_t>(schema.columns.size()));
  thrift.end_struct();
  for (const ColumnSpec& column : schema.columns)
    write_schema_element(thrift, column);
  std::int64_t rows = 0;
  for (const RowGroupMeta& group : row_groups)
    rows += group.num_rows;
  thrift.field_i64(3, rows);
  thrift.begin_list_field(4, ThriftType::kStruct, row_groups.size());
  for (std::size_t g = 0; g < row_groups.size(); ++g) {
    const RowGroupMeta& group = row_groups[g];
    SMARTCITY_CHECK(group.columns.size() == schema.columns.size(),
                    "a row group needs one chunk per column");
    thrift.begin_struct_element();
    thrift.begin_list_field(1, ThriftType::kStruct, group.columns.size());
    std::int64_t uncompressed = 0, compressed = 0;
    for (std::size_t c = 0; c < group.columns.size(); ++c) {
      write_column_chunk(thrift, schema.columns[c].name, group.columns[c]);
      uncompressed += group.columns[c].uncompressed_bytes;
      compressed += group.columns[c].compressed_bytes;
    }
    thrift.field_i64(2, uncompressed);  // total_byte_size
    thrift.field_i64(3, group.num_rows);
    if (!group.columns.empty()) thrift.field_i64(5, group.columns.front().first_page_offset);
    thrift.field_i64(6, compressed);                                    // total_compressed_size
    if (g <= 32767) thrift.field_i16(7, static_cast<std::int16_t>(g));  // ordinal
    thrift.end_struct();
  }
  thrift.field_binary(6, created_by);
  // Column orders say min/max follow each type's own order (unsigned bytes
  // for strings), so readers may trust them.
  thrift.begin_list_field(7, ThriftType::kStruct, schema.columns.size());
  for (std::size_t c = 0; c < schema.columns.size(); ++c) {
    thrift.begin_struct_element();
    thrift.begin_struct_field(1);  // TYPE_ORDER
    thrift.end_struct();
    thrift.end_struct();
  }
  thrift.end_struct();
  SMARTCITY_CHECK(thrift.finished(), "file metadata left a struct open");
  return out;
}

}  // namespace smartcity::lake::parquet
