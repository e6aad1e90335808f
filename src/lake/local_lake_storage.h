// A lake in a local folder. Durability follows POSIX: files are fsynced before
// they are named by a commit, renames and links are followed by an fsync of
// the folder that holds them.
#pragma once

#include "lake/lake_storage.h"

namespace smartcity::lake {

class LocalLakeStorage final : public LakeStorage {
 public:
  // Creates `root` if it does not exist. Throws StorageError if it cannot.
  explicit LocalLakeStorage(std::filesystem::path root);

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
  bool liveness_is_certain() const override { return true; }
  std::string describe() const override;
  std::optional<std::filesystem::path> local_path(const std::string& path) const override;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path absolute(const std::string& path) const { return root_ / path; }

  std::filesystem::path root_;
};

// The hidden staging name of a final file name: "x.parquet" -> ".x.parquet.tmp".
std::string staged_name(const std::string& final_name, const std::string& writer_id);
// True for names produced by staged_name().
bool is_staged_name(const std::string& name);
// What a staged name stands for: ".x.parquet~w1.tmp" -> {"x.parquet", "w1"};
// a name staged before names carried the writer, ".x.parquet.tmp", gives an
// empty writer.
struct StagedName {
  std::string final_name;
  std::string writer_id;
};
StagedName parse_staged_name(const std::string& staged);

}  // namespace smartcity::lake
