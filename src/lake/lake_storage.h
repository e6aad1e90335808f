// The storage seam under the lake. The stream, the commit log and the catalog
// reach the lake only through this interface, so a lake can live in a local
// folder, an object store, or a fault-injecting fake in tests.
//
// Paths are relative to the lake root and '/'-separated ("vehicle/date=…/x.parquet").
// Every method throws StorageError on an operational failure.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace smartcity::lake {

// Held by a running writer; destroying it tells other writers it stopped.
class WriterLease {
 public:
  virtual ~WriterLease() = default;
};

class LakeStorage {
 public:
  virtual ~LakeStorage() = default;

  // A local file path where writer `writer_id` may create the future contents
  // of `final_path` (a hidden name next to it for a local lake, private to
  // the writer: two writers staging the same final path never share a file).
  // The caller writes it, then calls publish() or discard().
  virtual std::filesystem::path staging_path(const std::string& final_path,
                                             const std::string& writer_id) = 0;

  // Makes a staged file durable (fsync), so that a commit naming it never
  // points at lost data after a power cut.
  virtual void sync_staged(const std::filesystem::path& staged) = 0;

  // Makes the staged file visible under `final_path` (rename for a local lake),
  // durably. Idempotent: if the staged file is gone and `final_path` exists, it
  // was published already and this does nothing.
  virtual void publish(const std::filesystem::path& staged, const std::string& final_path) = 0;

  // Removes a staged file that will never be published; no error if absent.
  virtual void discard(const std::filesystem::path& staged) = 0;

  // Creates `path` with `contents` atomically and only if it does not exist.
  // Returns false, changing nothing, if it exists. Durable when it returns.
  virtual bool create_if_absent(const std::string& path, const std::string& contents) = 0;

  // Replaces `path` with `contents` atomically (readers see old or new, never
  // a mix). For status and catalog files, not for commits.
  virtual void replace(const std::string& path, const std::string& contents) = 0;

  // The contents of `path`, or nullopt if it does not exist.
  virtual std::optional<std::string> read(const std::string& path) = 0;

  virtual bool exists(const std::string& path) = 0;

  // Names (not paths) of the entries directly under `folder`, hidden ones
  // included, sorted. Empty if the folder does not exist.
  virtual std::vector<std::string> list(const std::string& folder) = 0;

  // Removes a file; no error if absent.
  virtual void remove(const std::string& path) = 0;

  // Staged files left behind by a writer that died before publishing them
  // (for a local lake, every `.<name>.tmp` under the table folders), each with
  // the final path it was staged for.
  struct StagedLeftover {
    std::filesystem::path staged;
    std::string final_path;
    std::string writer_id;  // empty for files staged before names carried it
  };
  virtual std::vector<StagedLeftover> list_staged_leftovers() = 0;

  // Marks writer `writer_id` alive until the returned lease is destroyed,
  // however the process ends: other writers' recovery leaves the staged files
  // of live writers alone. Throws StorageError if it cannot.
  virtual std::unique_ptr<WriterLease> register_writer(const std::string& writer_id) = 0;

  // True while writer `writer_id` holds its lease. An empty id (files staged
  // before names carried their writer) is never alive.
  virtual bool writer_is_alive(const std::string& writer_id) = 0;

  // True if writer_is_alive() is never wrong about a live writer (a kernel
  // lock); false if it only infers death from a lease that stopped being
  // renewed, which a stalled but live writer also does. Recovery then removes
  // a "dead" writer's staged files only where a newer claim has fenced it.
  virtual bool liveness_is_certain() const = 0;

  // A human-readable location for messages ("/data/lake", "s3://b/p").
  virtual std::string describe() const = 0;

  // A local folder path for `path`, if this storage keeps files on local disk
  // (readers such as DuckDB can open it directly); nullopt otherwise.
  virtual std::optional<std::filesystem::path> local_path(const std::string& path) const = 0;
};

// True for a lake location that is not a local folder ("s3://…"): readers
// that need files reach it through a LakeCache (lake_cache.h). Throws
// UsageError for a URL of a scheme smartcity does not serve ("gs://…").
bool is_remote_lake(const std::string& location);

struct LakeStorageOptions {
  // How long an object-store call keeps retrying throttling, 5xx answers and
  // lost connections before it fails. Readers fail sooner than the stream,
  // which should rather wait out an outage than stop.
  std::chrono::seconds retry_for{30};
};

// Opens the lake at `location`: "s3://bucket/prefix" (settings as in
// s3_settings.h) or a local folder path (created if missing). Throws
// UsageError for a location it cannot serve.
std::unique_ptr<LakeStorage> open_lake_storage(const std::string& location,
                                               const LakeStorageOptions& options = {});

}  // namespace smartcity::lake
