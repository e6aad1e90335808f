#include "lake/faulty_lake_storage.h"

#include <string>

#include "base/errors.h"

namespace smartcity::lake {

void FaultyLakeStorage::spend(const char* operation) {
  if (hook_ && hook_operation_ == operation) {
    std::function<void()> hook = std::move(hook_);
    hook_ = nullptr;
    hook();
  }
  ++operations_;
  if (outage_ && outage_->load()) {
    throw StorageError(std::string("injected storage outage in ") + operation);
  }
  std::uint64_t left = budget_.load();
  while (true) {
    if (left == 0) throw StorageError(std::string("injected storage failure in ") + operation);
    if (budget_.compare_exchange_weak(left, left - 1)) return;
  }
}

std::filesystem::path FaultyLakeStorage::staging_path(const std::string& final_path,
                                                      const std::string& writer_id) {
  spend("staging_path");
  return inner_->staging_path(final_path, writer_id);
}
void FaultyLakeStorage::sync_staged(const std::filesystem::path& staged) {
  spend("sync_staged");
  inner_->sync_staged(staged);
}
void FaultyLakeStorage::publish(const std::filesystem::path& staged,
                                const std::string& final_path) {
  spend("publish");
  inner_->publish(staged, final_path);
}
void FaultyLakeStorage::discard(const std::filesystem::path& staged) {
  spend("discard");
  inner_->discard(staged);
}
bool FaultyLakeStorage::create_if_absent(const std::string& path, const std::string& contents) {
  spend("create_if_absent");
  return inner_->create_if_absent(path, contents);
}
void FaultyLakeStorage::replace(const std::string& path, const std::string& contents) {
  spend("replace");
  inner_->replace(path, contents);
}
std::optional<std::string> FaultyLakeStorage::read(const std::string& path) {
  spend("read");
  return inner_->read(path);
}
bool FaultyLakeStorage::exists(const std::string& path) {
  spend("exists");
  return inner_->exists(path);
}
std::vector<std::string> FaultyLakeStorage::list(const std::string& folder) {
  spend("list");
  return inner_->list(folder);
}
void FaultyLakeStorage::remove(const std::string& path) {
  spend("remove");
  inner_->remove(path);
}
std::vector<LakeStorage::StagedLeftover> FaultyLakeStorage::list_staged_leftovers() {
  spend("list_staged_leftovers");
  return inner_->list_staged_leftovers();
}

}  // namespace smartcity::lake
