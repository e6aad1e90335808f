#include "lake/parquet_file_writer.h"

#include <fcntl.h>

#include <cstring>

#include "base/check.h"
#include "base/errors.h"
#include "lake/file_descriptor.h"
#include "lake/parquet_metadata.h"

namespace smartcity::lake {
namespace {

constexpr std::string_view kMagic = "PAR1";
// What readers show as the file's writer; the form parquet-mr and Arrow
// parse ("<application> version <version>").
constexpr std::string_view kCreatedBy = "smartcity version " SMARTCITY_VERSION;
// Bytes gathered before they are handed to the kernel.
constexpr std::size_t kWriteBytes = 4 << 20;

}  // namespace

ParquetFileWriter::ParquetFileWriter() : encoder_(kZstdLevel) {}

ParquetFileWriter::~ParquetFileWriter() = default;

FileStats ParquetFileWriter::write(const ColumnBatch& batch, std::span<const std::uint32_t> rows,
                                   const std::filesystem::path& path) {
  SMARTCITY_CHECK(!rows.empty(), "a Parquet file needs rows");
  batch.check_aligned();
  FileDescriptor file(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (file.get() < 0)
    throw StorageError(errno_message("cannot create Parquet file " + path.string()));
  buffer_.clear();
  buffer_.append(kMagic);
  std::int64_t written = 0;  // bytes of the file before buffer_
  std::vector<parquet::RowGroupMeta> row_groups;
  const std::size_t columns = batch.schema().columns.size();
  for (std::size_t begin = 0; begin < rows.size(); begin += kRowGroupRows) {
    const std::span<const std::uint32_t> group_rows =
        rows.subspan(begin, std::min<std::size_t>(kRowGroupRows, rows.size() - begin));
    parquet::RowGroupMeta& group = row_groups.emplace_back();
    group.num_rows = static_cast<std::int64_t>(group_rows.size());
    group.columns.reserve(columns);
    for (std::size_t c = 0; c < columns; ++c) {
      group.columns.push_back(encoder_.encode(batch.column(c), group_rows,
                                              written + static_cast<std::int64_t>(buffer_.size()),
                                              buffer_));
      if (buffer_.size() >= kWriteBytes) {
        written += static_cast<std::int64_t>(buffer_.size());
        write_all(file, buffer_, path);
        buffer_.clear();
      }
    }
  }
  const std::string footer = parquet::encode_file_metadata(batch.schema(), row_groups, kCreatedBy);
  buffer_.append(footer);
  const auto footer_length = static_cast<std::uint32_t>(footer.size());
  char length[4];
  std::memcpy(length, &footer_length, 4);  // little-endian, as the format says
  buffer_.append(length, 4);
  buffer_.append(kMagic);
  written += static_cast<std::int64_t>(buffer_.size());
  write_all(file, buffer_, path);
  file.close(path);
  return FileStats{rows.size(), static_cast<std::uint64_t>(written)};
}

}  // namespace smartcity::lake
