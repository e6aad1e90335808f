// A lake in an S3 bucket (or an S3-compatible store), under a key prefix,
// with the same layout and guarantees as a local folder:
//
// - A data file is written locally (a private staging folder of this
//   process), then sync_staged() uploads it under its hidden staged name
//   (`<folder>/.<name>~<writer>.tmp`), which Athena, Spark, pyarrow and
//   DuckDB skip. Only after the commit record exists does publish() copy it
//   server-side to its final name and delete the staged object, so nothing
//   under a final name is ever uncommitted, as on a local disk.
// - Commit records are created with a conditional PUT (If-None-Match: *):
//   two writers can never both create the same sequence number.
// - Writers hold a lease: an object `_smartcity/writers/<id>.lease` that a
//   background thread rewrites every few seconds. A writer whose lease has
//   not been renewed for kS3LeaseTimeout is dead, and its staged objects are
//   removed by the next writer's recovery. (Lease times come from each
//   writer's clock: hosts sharing a lake need clocks within a few seconds.)
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "lake/lake_storage.h"
#include "lake/s3_client.h"
#include "lake/staging_folder.h"

namespace smartcity::lake {

inline constexpr std::chrono::seconds kS3LeaseRenewEvery{5};
inline constexpr std::chrono::seconds kS3LeaseTimeout{30};

class S3LakeStorage final : public LakeStorage {
 public:
  // Creates a private local staging folder under $TMPDIR (removed when this
  // is destroyed; see StagingFolder for those of killed processes). Throws StorageError if the
  // bucket cannot be reached or does not exist, or the credentials are refused.
  S3LakeStorage(S3Settings settings, S3RetryPolicy retry);
  ~S3LakeStorage() override;

  std::filesystem::path staging_path(const std::string& final_path,
                                     const std::string& writer_id) override;
  void sync_staged(const std::filesystem::path& staged) override;
  void publish(const std::filesystem::path& staged, const std::string& final_path) override;
  void discard(const std::filesystem::path& staged) override;
  bool create_if_absent(const std::string& path, const std::string& contents) override;
  void replace(const std::string& path, const std::string& contents) override;
  std::optional<std::string> read(const std::string& path) override;
  bool exists(const std::string& path) override;
  std::vector<std::string> list(const std::string& folder) override;
  void remove(const std::string& path) override;
  std::vector<StagedLeftover> list_staged_leftovers() override;
  std::unique_ptr<WriterLease> register_writer(const std::string& writer_id) override;
  bool writer_is_alive(const std::string& writer_id) override;
  bool liveness_is_certain() const override { return false; }
  std::string describe() const override { return client_.settings().describe(); }
  std::optional<std::filesystem::path> local_path(const std::string&) const override {
    return std::nullopt;
  }

  // The full object key of a lake path.
  std::string key(const std::string& path) const;
  S3Client& client() { return client_; }

 private:
  // The object key a local staged file is uploaded to.
  std::string staged_key(const std::filesystem::path& staged) const;

  S3Client client_;
  std::unique_ptr<StagingFolder> staging_;
};

}  // namespace smartcity::lake
