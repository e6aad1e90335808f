// A small S3 client over libcurl, signing every request with libcurl's
// built-in AWS Signature Version 4. It speaks only the calls the lake needs:
// objects (put, conditional put, get, head, copy, delete), listings, and
// multipart uploads.
//
// Failures: throttling (429, 503 SlowDown), 5xx answers and dropped or
// refused connections are retried with exponential backoff and jitter until
// the policy's time runs out, logging what it waits for; anything else S3
// refuses (4xx) fails at once. Both end in StorageError whose message names
// the operation, the object and S3's error code, and never a secret.
//
// Thread-safe: requests from several threads run in parallel, each on its
// own connection from a small pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/s3_settings.h"

namespace smartcity::lake {

struct S3RetryPolicy {
  std::chrono::milliseconds first_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  // How long one call keeps retrying before it fails.
  std::chrono::seconds give_up_after{30};
};

struct S3Object {
  std::string key;  // the full key in the bucket
  std::uint64_t size = 0;
};

struct S3MultipartUpload {
  std::string key;
  std::string upload_id;
};

// Sizes of multipart uploads. S3 requires parts of at least 5 MiB (except
// the last); 8 MiB keeps several parts in flight within a small memory bound.
struct S3UploadTuning {
  std::uint64_t multipart_threshold = 16u << 20;  // larger files go in parts
  std::uint64_t part_size = 8u << 20;
  unsigned parts_in_flight = 4;
};

class S3Client {
 public:
  explicit S3Client(S3Settings settings, S3RetryPolicy retry = {}, S3UploadTuning tuning = {});
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Throws StorageError unless the bucket exists and the credentials are
  // accepted for it.
  void check_bucket();

  // Every key below is a full key in the bucket, prefix included.

  void put_object(const std::string& key, std::string_view body);
  // Creates `key` only if it does not exist (If-None-Match: *). Returns false,
  // changing nothing, when it exists. A retried request that finds the object
  // present compares contents, so a lost answer to our own success still
  // counts as ours.
  bool put_object_if_absent(const std::string& key, std::string_view body);
  std::optional<std::string> get_object(const std::string& key);
  bool object_exists(const std::string& key);
  // Server-side copy; the data never comes through this process. Returns
  // false, copying nothing, when the source does not exist.
  bool copy_object(const std::string& source_key, const std::string& target_key);
  // No error when the object is absent (S3 answers 204 either way).
  void delete_object(const std::string& key);

  // Every object whose key starts with `prefix`, in key order, following
  // continuation tokens. With `delimiter` '/', keys below the next '/' are
  // folded into `common_prefixes` (if given) instead.
  std::vector<S3Object> list_objects(const std::string& prefix, bool delimited = false,
                                     std::vector<std::string>* common_prefixes = nullptr);

  // Uploads a local file to `key`: one PUT up to the multipart threshold,
  // otherwise a multipart upload with several parts in flight, aborted on
  // failure so that no incomplete upload is left behind.
  void upload_file(const std::filesystem::path& file, const std::string& key);

  std::vector<S3MultipartUpload> list_multipart_uploads(const std::string& prefix);
  void abort_multipart_upload(const S3MultipartUpload& upload);

  const S3Settings& settings() const { return settings_; }

 private:
  struct Request;
  struct Response;
  class ConnectionPool;

  // Sends `request`, retrying transient failures per the policy.
  Response perform(const Request& request);
  // Throws the StorageError for an answer the caller did not expect.
  [[noreturn]] void fail(const Request& request, const Response& response) const;
  void upload_in_parts(const std::filesystem::path& file, std::uint64_t size,
                       const std::string& key);

  S3Settings settings_;
  S3RetryPolicy retry_;
  S3UploadTuning tuning_;
  std::unique_ptr<ConnectionPool> connections_;
};

// `text` percent-encoded as SigV4 wants: everything but A-Z a-z 0-9 - _ . ~
// is escaped, and '/' too unless `keep_slash`.
std::string s3_uri_encode(std::string_view text, bool keep_slash);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace smartcity::lake
