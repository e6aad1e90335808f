#include "lake/s3_lake_storage.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "base/errors.h"
#include "lake/local_lake_storage.h"

namespace smartcity::lake {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kLeaseFolder = "_smartcity/writers";
constexpr std::string_view kLeaseSuffix = ".lease";

std::string lease_path(const std::string& writer_id) {
  return std::string(kLeaseFolder) + "/" + writer_id + std::string(kLeaseSuffix);
}

std::int64_t unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Renews a writer's lease object until destroyed, then deletes it.
class S3WriterLease final : public WriterLease {
 public:
  S3WriterLease(S3Client& client, std::string key) : client_(&client), key_(std::move(key)) {
    client_->put_object(key_, std::to_string(unix_millis()));
    renewer_ = std::thread([this] { renew_until_stopped(); });
  }
  ~S3WriterLease() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    renewer_.join();
    try {
      client_->delete_object(key_);
    } catch (const StorageError& e) {
      spdlog::warn("could not remove the writer lease {}: {}", key_, e.what());
    }
  }

 private:
  void renew_until_stopped() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kS3LeaseRenewEvery, [this] { return stopping_; })) {
      lock.unlock();
      try {
        client_->put_object(key_, std::to_string(unix_millis()));
      } catch (const StorageError& e) {
        spdlog::warn("could not renew the writer lease {}: {}", key_, e.what());
      }
      lock.lock();
    }
  }

  S3Client* client_;
  std::string key_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread renewer_;
};

}  // namespace

S3LakeStorage::S3LakeStorage(S3Settings settings, S3RetryPolicy retry)
    : client_(std::move(settings), retry) {
  client_.check_bucket();
  const char* tmp = std::getenv("TMPDIR");
  staging_ = std::make_unique<StagingFolder>(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                             "smartcity-s3-staging-");
}

S3LakeStorage::~S3LakeStorage() = default;

std::string S3LakeStorage::key(const std::string& path) const {
  const std::string& prefix = client_.settings().location.prefix;
  if (prefix.empty()) return path;
  if (path.empty()) return prefix;
  return prefix + "/" + path;
}

std::string S3LakeStorage::staged_key(const fs::path& staged) const {
  return key(staged.lexically_relative(staging_->path()).generic_string());
}

fs::path S3LakeStorage::staging_path(const std::string& final_path, const std::string& writer_id) {
  const fs::path final_local = staging_->path() / final_path;
  std::error_code ec;
  fs::create_directories(final_local.parent_path(), ec);
  if (ec) {
    throw StorageError("cannot create staging folder " + final_local.parent_path().string() + ": " +
                       ec.message());
  }
  return final_local.parent_path() / staged_name(final_local.filename().string(), writer_id);
}

void S3LakeStorage::sync_staged(const fs::path& staged) {
  // The upload is what makes the file durable: a commit may name it once the
  // staged object exists.
  client_.upload_file(staged, staged_key(staged));
}

void S3LakeStorage::publish(const fs::path& staged, const std::string& final_path) {
  const std::string from = staged_key(staged);
  if (!client_.copy_object(from, key(final_path))) {
    if (client_.object_exists(key(final_path))) return;  // published before a crash
    throw StorageError("cannot publish " + final_path + ": its staged object " + from +
                       " is missing");
  }
  client_.delete_object(from);
  std::error_code ec;
  fs::remove(staged, ec);
}

void S3LakeStorage::discard(const fs::path& staged) {
  const std::string key = staged_key(staged);
  // A writer that died mid-upload leaves an incomplete multipart upload,
  // which S3 keeps (and bills) until it is aborted.
  for (const S3MultipartUpload& upload : client_.list_multipart_uploads(key)) {
    if (upload.key == key) client_.abort_multipart_upload(upload);
  }
  client_.delete_object(key);
  std::error_code ec;
  fs::remove(staged, ec);
}

bool S3LakeStorage::create_if_absent(const std::string& path, const std::string& contents) {
  return client_.put_object_if_absent(key(path), contents);
}

void S3LakeStorage::replace(const std::string& path, const std::string& contents) {
  client_.put_object(key(path), contents);
}

std::optional<std::string> S3LakeStorage::read(const std::string& path) {
  return client_.get_object(key(path));
}

bool S3LakeStorage::exists(const std::string& path) {
  return client_.object_exists(key(path));
}

std::vector<std::string> S3LakeStorage::list(const std::string& folder) {
  const std::string folder_key = key(folder);
  const std::string prefix = folder_key.empty() ? "" : folder_key + "/";
  std::vector<std::string> folders;
  std::vector<std::string> names;
  for (const S3Object& object : client_.list_objects(prefix, true, &folders))
    names.push_back(object.key.substr(prefix.size()));
  for (const std::string& sub : folders) {
    std::string name = sub.substr(prefix.size());
    if (!name.empty() && name.back() == '/') name.pop_back();
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

void S3LakeStorage::remove(const std::string& path) {
  client_.delete_object(key(path));
}

std::vector<LakeStorage::StagedLeftover> S3LakeStorage::list_staged_leftovers() {
  const std::string root = key("");
  const std::string prefix = root.empty() ? "" : root + "/";
  std::vector<std::string> keys;
  for (const S3Object& object : client_.list_objects(prefix))
    keys.push_back(object.key);
  // Uploads a dead writer never finished are staged files too.
  for (const S3MultipartUpload& upload : client_.list_multipart_uploads(prefix))
    keys.push_back(upload.key);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<StagedLeftover> leftovers;
  for (const std::string& key : keys) {
    const std::string path = key.substr(prefix.size());
    if (path.starts_with("_smartcity/")) continue;
    const auto slash = path.rfind('/');
    const std::string folder = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (!is_staged_name(name)) continue;
    StagedName parsed = parse_staged_name(name);
    leftovers.push_back(
        {staging_->path() / path, folder + parsed.final_name, std::move(parsed.writer_id)});
  }
  return leftovers;
}

std::unique_ptr<WriterLease> S3LakeStorage::register_writer(const std::string& writer_id) {
  // Writers that died without a clean stop left their leases; they are
  // litter once expired (writer_is_alive() removes each it finds so).
  for (const std::string& name : list(std::string(kLeaseFolder))) {
    if (name.ends_with(kLeaseSuffix))
      writer_is_alive(name.substr(0, name.size() - kLeaseSuffix.size()));
  }
  return std::make_unique<S3WriterLease>(client_, key(lease_path(writer_id)));
}

bool S3LakeStorage::writer_is_alive(const std::string& writer_id) {
  if (writer_id.empty()) return false;
  const std::optional<std::string> renewed = client_.get_object(key(lease_path(writer_id)));
  if (!renewed) return false;
  const std::int64_t age = unix_millis() - std::strtoll(renewed->c_str(), nullptr, 10);
  if (age < std::chrono::duration_cast<std::chrono::milliseconds>(kS3LeaseTimeout).count())
    return true;
  remove(lease_path(writer_id));
  return false;
}

}  // namespace smartcity::lake
