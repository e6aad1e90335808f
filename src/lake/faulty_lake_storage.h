// A LakeStorage that passes calls to another one until a budget of operations
// is spent, then fails every call with StorageError, as a full disk or a lost
// object store would. Tests use it to drive commits into every failure point.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "lake/lake_storage.h"

namespace smartcity::lake {

class FaultyLakeStorage final : public LakeStorage {
 public:
  // `inner` must outlive this. `operations_before_failure` calls succeed.
  FaultyLakeStorage(LakeStorage& inner, std::uint64_t operations_before_failure)
      : inner_(&inner), budget_(operations_before_failure) {}

  // Sets a new budget (and so stops failing when it is large).
  void set_budget(std::uint64_t operations_before_failure) { budget_ = operations_before_failure; }
  std::uint64_t operations() const { return operations_; }
  // While *outage is true every call fails, whatever the budget: an outage
  // a test switches on and off from another thread, shared by every storage
  // opened during it.
  void fail_while(std::shared_ptr<const std::atomic<bool>> outage) { outage_ = std::move(outage); }
  // Runs `hook` once, just before the next operation named `operation`
  // ("create_if_absent", "sync_staged", …), from the calling thread: how a test
  // puts another writer's step between two steps of this one.
  void before_next(std::string operation, std::function<void()> hook) {
    hook_operation_ = std::move(operation);
    hook_ = std::move(hook);
  }

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
  std::unique_ptr<WriterLease> register_writer(const std::string& writer_id) override {
    return inner_->register_writer(writer_id);
  }
  bool writer_is_alive(const std::string& writer_id) override {
    return inner_->writer_is_alive(writer_id);
  }
  bool liveness_is_certain() const override {
    return liveness_certain_.value_or(inner_->liveness_is_certain());
  }
  // Makes this storage answer liveness_is_certain() with `certain`, as an
  // object store's leases do (false), whatever its inner storage does.
  void set_liveness_certain(bool certain) { liveness_certain_ = certain; }
  std::string describe() const override { return inner_->describe(); }
  std::optional<std::filesystem::path> local_path(const std::string& path) const override {
    return inner_->local_path(path);
  }

 private:
  // Spends one operation, or throws when the budget is gone.
  void spend(const char* operation);

  LakeStorage* inner_;
  std::atomic<std::uint64_t> budget_;
  std::atomic<std::uint64_t> operations_{0};
  std::shared_ptr<const std::atomic<bool>> outage_;
  std::optional<bool> liveness_certain_;
  std::string hook_operation_;
  std::function<void()> hook_;  // not thread-safe: set it only around single-threaded steps
};

}  // namespace smartcity::lake
