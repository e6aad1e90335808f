#include "lake/parquet_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/check.h"
#include "base/errors.h"
#include "lake/parquet_metadata.h"

namespace smartcity::lake {
namespace {

constexpr std::string_view kMagic = "PAR1";
// What readers show as the file's writer; the form parquet-mr and Arrow
// parse ("<application> version <version>").
constexpr std::string_view kCreatedBy = "smartcity version " SMARTCITY_VERSION;
// Bytes gathered before they are handed to the kernel.
constexpr std::size_t kWriteBytes = 4 << 20;

// A file descriptor closed on scope exit; write errors name the path.
class OutputFile {
 public:
  explicit OutputFile(const std::filesystem::path& path)
      : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
    if (fd_ < 0) fail("cannot create");
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Writes all of `bytes` and empties it.
  void write(std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("cannot write");
      done += static_cast<std::size_t>(n);
    }
    bytes.clear();
  }

  void close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("cannot close");
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw StorageError(std::string(what) + " Parquet file " + path_.string() + ": " +
                       std::strerror(errno));
  }

  std::filesystem::path path_;
  int fd_;
};

}  // namespace

ParquetFileWriter::ParquetFileWriter() : encoder_(kZstdLevel) {}

ParquetFileWriter::~ParquetFileWriter() = default;

FileStats ParquetFileWriter::write(const ColumnBatch& batch, std::span<const std::uint32_t> rows,
                                   const std::filesystem::path& path) {
  SMARTCITY_CHECK(!rows.empty(), "a Parquet file needs rows");
  OutputFile file(path);
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
        file.write(buffer_);
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
  file.write(buffer_);
  file.close();
  return FileStats{rows.size(), static_cast<std::uint64_t>(written)};
}

}  // namespace smartcity::lake
