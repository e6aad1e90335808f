#include "lake/s3_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "base/check.h"
#include "base/errors.h"
#include "base/parallel_for.h"
#include "lake/s3_xml.h"

namespace smartcity::lake {
namespace {

struct CurlCloser {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlCloser>;

struct CurlListCloser {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlList = std::unique_ptr<curl_slist, CurlListCloser>;

void initialize_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The unsent rest of a request body, for libcurl's read callback.
struct BodyCursor {
  std::string_view rest;
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* cursor = static_cast<BodyCursor*>(user);
  const std::size_t n = std::min(size * count, cursor->rest.size());
  std::copy_n(cursor->rest.data(), n, buffer);
  cursor->rest.remove_prefix(n);
  return n;
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// The response headers smartcity reads.
struct HeaderFields {
  std::string etag;
  std::string content_range;  // "bytes 0-8388607/41943040" on a ranged GET
};

// The value of header `name` (lower case, with the colon) in `line`, if the
// line is that header.
std::optional<std::string> header_value(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() ||
      !std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return std::nullopt;
  }
  std::string_view value = line.substr(name.size());
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  return std::string(value);
}

std::size_t capture_headers(char* data, std::size_t size, std::size_t count, void* user) {
  const std::string_view line(data, size * count);
  auto* fields = static_cast<HeaderFields*>(user);
  if (auto etag = header_value(line, "etag:")) fields->etag = std::move(*etag);
  if (auto range = header_value(line, "content-range:")) fields->content_range = std::move(*range);
  return size * count;
}

// The total size in a Content-Range value ("bytes 0-99/1000" -> 1000).
std::optional<std::uint64_t> range_total(const std::string& content_range) {
  const auto slash = content_range.rfind('/');
  if (slash == std::string::npos || slash + 1 >= content_range.size()) return std::nullopt;
  char* end = nullptr;
  const std::uint64_t total = std::strtoull(content_range.c_str() + slash + 1, &end, 10);
  if (*end != '\0') return std::nullopt;
  return total;
}

// "a=1&b=2" from parameters, sorted and encoded as SigV4's canonical query
// string wants; libcurl signs the query exactly as it appears in the URL.
std::string query_string(std::vector<std::pair<std::string, std::string>> parameters) {
  std::sort(parameters.begin(), parameters.end());
  std::string query;
  for (const auto& [name, value] : parameters) {
    if (!query.empty()) query += '&';
    query += s3_uri_encode(name, false) + "=" + s3_uri_encode(value, false);
  }
  return query;
}

bool transient_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// Errors that no retry will change: the URL itself is wrong.
bool permanent_transport_error(CURLcode code) {
  return code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL ||
         code == CURLE_NOT_BUILT_IN || code == CURLE_BAD_FUNCTION_ARGUMENT;
}

std::uint64_t local_file_size(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw StorageError("cannot read " + file.string() + ": " + ec.message());
  return size;
}

// Reads `length` bytes at `offset` of an open file.
std::string read_range(int fd, const std::filesystem::path& file, std::uint64_t offset,
                       std::uint64_t length) {
  std::string data(length, '\0');
  std::uint64_t done = 0;
  while (done < length) {
    const ssize_t n =
        ::pread(fd, data.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw StorageError(errno_message("cannot read " + file.string()));
    done += static_cast<std::uint64_t>(n);
  }
  return data;
}

class OpenFile {
 public:
  explicit OpenFile(const std::filesystem::path& file)
      : fd_(::open(file.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw StorageError(errno_message("cannot open " + file.string()));
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string s3_uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const int ok = EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  SMARTCITY_CHECK(ok == 1, "EVP_Digest(SHA-256) failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

struct S3Client::Request {
  explicit Request(const char* method_, std::string key_ = {}, std::string query_ = {})
      : method(method_), key(std::move(key_)), query(std::move(query_)) {}

  const char* method;
  std::string key;    // full key; empty for a bucket-level call
  std::string query;  // canonical (see query_string)
  std::string_view body;
  std::vector<std::string> headers;
  // CompleteMultipartUpload may answer 200 with an <Error> body; it is a
  // failure to retry like a 5xx.
  bool error_in_ok_body = false;
};

struct S3Client::Response {
  long status = 0;
  std::string body;
  HeaderFields headers;
  int attempts = 0;
};

class S3Client::ConnectionPool {
 public:
  CurlHandle acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CurlHandle handle = std::move(idle_.back());
        idle_.pop_back();
        return handle;
      }
    }
    CurlHandle handle(curl_easy_init());
    SMARTCITY_CHECK(handle != nullptr, "curl_easy_init failed");
    return handle;
  }
  void release(CurlHandle handle) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(handle));
  }

 private:
  std::mutex mutex_;
  std::vector<CurlHandle> idle_;
};

S3Client::S3Client(S3Settings settings, S3RetryPolicy retry, S3UploadTuning tuning)
    : settings_(std::move(settings)),
      retry_(retry),
      tuning_(tuning),
      connections_(std::make_unique<ConnectionPool>()) {
  initialize_curl_once();
  SMARTCITY_CHECK(tuning_.part_size >= (5u << 20), "S3 parts must be at least 5 MiB");
}

S3Client::~S3Client() = default;

S3Client::Response S3Client::perform(const Request& request) {
  std::string url;
  if (settings_.endpoint_url.empty()) {
    url = "https://" + settings_.location.bucket + ".s3." + settings_.region + ".amazonaws.com/" +
          s3_uri_encode(request.key, true);
  } else {
    url = settings_.endpoint_url + "/" + settings_.location.bucket;
    if (!request.key.empty()) url += "/" + s3_uri_encode(request.key, true);
  }
  if (!request.query.empty()) url += "?" + request.query;
  const std::string signing = "aws:amz:" + settings_.region + ":s3";
  const std::string payload_hash = "x-amz-content-sha256: " + sha256_hex(request.body);

  const auto started = std::chrono::steady_clock::now();
  auto backoff = retry_.first_backoff;
  thread_local std::mt19937_64 random(std::random_device{}());
  CurlHandle handle = connections_->acquire();
  for (int attempt = 1;; ++attempt) {
    CURL* curl = handle.get();
    curl_easy_reset(curl);
    Response response;
    response.attempts = attempt;
    BodyCursor cursor{request.body};
    char error_buffer[CURL_ERROR_SIZE] = {};

    curl_slist* raw_headers = nullptr;
    auto add_header = [&](const std::string& header) {
      raw_headers = curl_slist_append(raw_headers, header.c_str());
    };
    add_header(payload_hash);
    if (!settings_.session_token.empty())
      add_header("x-amz-security-token: " + settings_.session_token);
    // Without this libcurl waits up to a second for "100 Continue" on big PUTs.
    add_header("Expect:");
    for (const std::string& header : request.headers)
      add_header(header);
    CurlList headers(raw_headers);

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, signing.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.secret_access_key.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    // A server that stops answering mid-transfer counts as a dropped connection.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, capture_headers);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    const std::string_view method = request.method;
    if (method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
      curl_easy_setopt(curl, CURLOPT_READDATA, &cursor);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    } else if (method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    } else if (method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);
    }

    const CURLcode code = curl_easy_perform(curl);
    std::string reason;
    if (code != CURLE_OK) {
      if (permanent_transport_error(code)) {
        throw StorageError("cannot reach S3 at " + url + ": " + curl_easy_strerror(code));
      }
      reason = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
    } else {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
      const bool error_body = request.error_in_ok_body && response.status == 200 &&
                              !xml_elements(response.body, "Error").empty();
      if (!transient_status(response.status) && !error_body) {
        connections_->release(std::move(handle));
        return response;
      }
      reason = "HTTP " + std::to_string(response.status);
      if (const std::string s3_code = xml_value(response.body, "Code"); !s3_code.empty())
        reason += " " + s3_code;
    }

    const auto waited = std::chrono::steady_clock::now() - started;
    // Equal jitter: at least half the backoff, so retries do not collapse to
    // zero; the random half spreads many writers apart.
    std::uniform_int_distribution<long> jitter(0, backoff.count() / 2);
    const std::chrono::milliseconds sleep(backoff.count() / 2 + jitter(random));
    if (waited + sleep > retry_.give_up_after) {
      throw StorageError(
          "S3 at " + settings_.describe() + " did not answer " + request.method + " " +
          request.key + " for " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) +
          " s: " + reason);
    }
    spdlog::warn("waiting for S3 {}: {} {} failed ({}); retry {} in {:.1f} s", settings_.describe(),
                 request.method, request.key.empty() ? "(bucket)" : request.key, reason, attempt,
                 static_cast<double>(sleep.count()) / 1000.0);
    std::this_thread::sleep_for(sleep);
    backoff = std::min(backoff * 2, retry_.max_backoff);
  }
}

void S3Client::fail(const Request& request, const Response& response) const {
  const std::string code = xml_value(response.body, "Code");
  const std::string message = xml_value(response.body, "Message");
  std::string text = "S3 refused " + std::string(request.method) + " s3://" +
                     settings_.location.bucket + "/" + request.key + ": HTTP " +
                     std::to_string(response.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += " (" + message + ")";
  if (response.status == 403) {
    text +=
        "; access denied: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or the profile) "
        "and the bucket's permissions";
  } else if (code == "NoSuchBucket") {
    text += "; create the bucket first";
  }
  if (response.status >= 400 && response.status < 500) throw StorageRefusedError(text);
  throw StorageError(text);
}

void S3Client::check_bucket() {
  const Request request("HEAD");
  const Response response = perform(request);
  if (response.status == 200) return;
  if (response.status == 404) {
    throw StorageRefusedError("S3 bucket " + settings_.location.bucket + " does not exist at " +
                              (settings_.endpoint_url.empty() ? "AWS" : settings_.endpoint_url) +
                              "; create it first");
  }
  fail(request, response);
}

void S3Client::put_object(const std::string& key, std::string_view body) {
  Request request("PUT", key);
  request.body = body;
  const Response response = perform(request);
  if (response.status != 200) fail(request, response);
}

bool S3Client::put_object_if_absent(const std::string& key, std::string_view body) {
  Request request("PUT", key);
  request.body = body;
  request.headers = {"If-None-Match: *"};
  const Response response = perform(request);
  if (response.status == 200) return true;
  // 409 ConditionalRequestConflict: another conditional write to the key is
  // in flight; whichever finishes first wins, so this one has lost.
  if (response.status == 412 || response.status == 409) {
    // A retried request may find the object its own lost first attempt made.
    if (response.attempts > 1) return get_object(key) == body;
    return false;
  }
  fail(request, response);
}

std::optional<std::string> S3Client::get_object(const std::string& key) {
  // The first part_size bytes: the whole of a small object in one request;
  // for a larger one, its size, and the rest is fetched in ranges on several
  // connections at once.
  Request first("GET", key);
  first.headers = {"Range: bytes=0-" + std::to_string(tuning_.part_size - 1)};
  Response response = perform(first);
  if (response.status == 404) return std::nullopt;
  if (response.status == 416) {  // an empty object has no byte 0
    const Request whole("GET", key);
    response = perform(whole);
    if (response.status == 404) return std::nullopt;
    if (response.status != 200) fail(whole, response);
    return std::move(response.body);
  }
  if (response.status == 200) return std::move(response.body);  // the range was ignored
  if (response.status != 206) fail(first, response);
  const std::optional<std::uint64_t> total = range_total(response.headers.content_range);
  if (!total) fail(first, response);
  if (*total <= response.body.size()) return std::move(response.body);

  std::string data = std::move(response.body);
  const std::uint64_t head = data.size();
  data.resize(*total);
  const std::uint64_t ranges = (*total - head + tuning_.part_size - 1) / tuning_.part_size;
  // If-Match: a range of a different version of the object (replaced in
  // between) is refused rather than spliced in.
  const std::string version = response.headers.etag;
  parallel_for(ranges, tuning_.parts_in_flight, [&](std::size_t r, std::size_t) {
    const std::uint64_t from = head + r * tuning_.part_size;
    const std::uint64_t to = std::min(*total, from + tuning_.part_size) - 1;
    Request part("GET", key);
    part.headers = {"Range: bytes=" + std::to_string(from) + "-" + std::to_string(to)};
    if (!version.empty()) part.headers.push_back("If-Match: " + version);
    const Response piece = perform(part);
    if (piece.status != 206 || piece.body.size() != to - from + 1) fail(part, piece);
    std::copy(piece.body.begin(), piece.body.end(),
              data.begin() + static_cast<std::ptrdiff_t>(from));
  });
  return data;
}

bool S3Client::object_exists(const std::string& key) {
  const Request request("HEAD", key);
  const Response response = perform(request);
  if (response.status == 404) return false;
  if (response.status != 200) fail(request, response);
  return true;
}

bool S3Client::copy_object(const std::string& source_key, const std::string& target_key) {
  Request request("PUT", target_key);
  request.headers = {"x-amz-copy-source: /" + settings_.location.bucket + "/" +
                     s3_uri_encode(source_key, true)};
  request.error_in_ok_body = true;
  const Response response = perform(request);
  if (response.status == 404 && xml_value(response.body, "Code") == "NoSuchKey") return false;
  if (response.status != 200) fail(request, response);
  return true;
}

void S3Client::delete_object(const std::string& key) {
  const Request request("DELETE", key);
  const Response response = perform(request);
  if (response.status != 204 && response.status != 200 && response.status != 404)
    fail(request, response);
}

std::vector<S3Object> S3Client::list_objects(const std::string& prefix, bool delimited,
                                             std::vector<std::string>* common_prefixes) {
  std::vector<S3Object> objects;
  std::string token;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> parameters = {{"list-type", "2"},
                                                                   {"prefix", prefix}};
    if (delimited) parameters.emplace_back("delimiter", "/");
    if (!token.empty()) parameters.emplace_back("continuation-token", token);
    const Request request("GET", "", query_string(std::move(parameters)));
    const Response response = perform(request);
    if (response.status != 200) fail(request, response);
    for (std::string_view entry : xml_elements(response.body, "Contents")) {
      S3Object object;
      object.key = xml_value(entry, "Key");
      // "folder/" keys are folder markers some tools and stores create; the
      // lake has no such objects of its own.
      if (object.key.ends_with('/')) continue;
      object.size = std::strtoull(xml_value(entry, "Size").c_str(), nullptr, 10);
      objects.push_back(std::move(object));
    }
    if (common_prefixes != nullptr) {
      for (std::string_view entry : xml_elements(response.body, "CommonPrefixes"))
        common_prefixes->push_back(xml_value(entry, "Prefix"));
    }
    if (xml_value(response.body, "IsTruncated") != "true") break;
    token = xml_value(response.body, "NextContinuationToken");
    if (token.empty()) break;
  }
  return objects;
}

void S3Client::upload_file(const std::filesystem::path& file, const std::string& key) {
  const std::uint64_t size = local_file_size(file);
  if (size > tuning_.multipart_threshold) {
    upload_in_parts(file, size, key);
    return;
  }
  OpenFile in(file);
  put_object(key, read_range(in.get(), file, 0, size));
}

void S3Client::upload_in_parts(const std::filesystem::path& file, std::uint64_t size,
                               const std::string& key) {
  const Request create("POST", key, "uploads=");
  const Response created = perform(create);
  if (created.status != 200) fail(create, created);
  const S3MultipartUpload upload{key, xml_value(created.body, "UploadId")};
  if (upload.upload_id.empty()) fail(create, created);

  const std::uint64_t parts = (size + tuning_.part_size - 1) / tuning_.part_size;
  std::vector<std::string> etags(parts);
  OpenFile in(file);
  try {
    parallel_for(parts, tuning_.parts_in_flight, [&](std::size_t part, std::size_t) {
      const std::uint64_t offset = part * tuning_.part_size;
      const std::string data =
          read_range(in.get(), file, offset, std::min(tuning_.part_size, size - offset));
      Request put(
          "PUT", key,
          query_string({{"partNumber", std::to_string(part + 1)}, {"uploadId", upload.upload_id}}));
      put.body = data;
      const Response response = perform(put);
      if (response.status != 200 || response.headers.etag.empty()) fail(put, response);
      etags[part] = response.headers.etag;
    });
    std::string body = "<CompleteMultipartUpload>";
    for (std::uint64_t part = 0; part < parts; ++part) {
      body += "<Part><PartNumber>" + std::to_string(part + 1) + "</PartNumber><ETag>" +
              xml_escape(etags[part]) + "</ETag></Part>";
    }
    body += "</CompleteMultipartUpload>";
    Request complete("POST", key, query_string({{"uploadId", upload.upload_id}}));
    complete.body = body;
    complete.headers = {"Content-Type: application/xml"};
    complete.error_in_ok_body = true;
    const Response response = perform(complete);
    // A retried complete whose first answer was lost finds the upload gone
    // and the object in place.
    const bool completed_before =
        response.status == 404 && response.attempts > 1 && object_exists(key);
    if (response.status != 200 && !completed_before) fail(complete, response);
  } catch (...) {
    try {
      abort_multipart_upload(upload);
    } catch (const StorageError& e) {
      spdlog::warn("could not abort the multipart upload of {}: {}", key, e.what());
    }
    throw;
  }
}

std::vector<S3MultipartUpload> S3Client::list_multipart_uploads(const std::string& prefix) {
  std::vector<S3MultipartUpload> uploads;
  std::string key_marker;
  std::string upload_id_marker;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> parameters = {{"prefix", prefix},
                                                                   {"uploads", ""}};
    if (!key_marker.empty()) {
      parameters.emplace_back("key-marker", key_marker);
      parameters.emplace_back("upload-id-marker", upload_id_marker);
    }
    const Request request("GET", "", query_string(std::move(parameters)));
    const Response response = perform(request);
    if (response.status != 200) fail(request, response);
    for (std::string_view entry : xml_elements(response.body, "Upload"))
      uploads.push_back({xml_value(entry, "Key"), xml_value(entry, "UploadId")});
    if (xml_value(response.body, "IsTruncated") != "true") break;
    key_marker = xml_value(response.body, "NextKeyMarker");
    upload_id_marker = xml_value(response.body, "NextUploadIdMarker");
    if (key_marker.empty()) break;
  }
  return uploads;
}

void S3Client::abort_multipart_upload(const S3MultipartUpload& upload) {
  const Request request("DELETE", upload.key, query_string({{"uploadId", upload.upload_id}}));
  const Response response = perform(request);
  if (response.status != 204 && response.status != 200 && response.status != 404)
    fail(request, response);
}

}  // namespace smartcity::lake
