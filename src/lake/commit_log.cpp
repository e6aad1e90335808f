#include "lake/commit_log.h"

#include <spdlog/spdlog.h>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/check.h"
#include "base/errors.h"
#include "events/timestamp.h"

namespace smartcity::lake {
namespace {

constexpr int kFormatVersion = 1;
constexpr std::size_t kSequenceDigits = 20;
constexpr std::string_view kCommitSuffix = ".json";

// Every per-partition entry (offsets, claims, owners) starts with the same
// two keys; `fields` follow them.
nlohmann::ordered_json partition_entry(
    const TopicPartition& partition,
    std::initializer_list<std::pair<const char*, nlohmann::ordered_json>> fields) {
  nlohmann::ordered_json entry = {{"topic", partition.topic},
                                  {"partition", partition.partition.value}};
  for (const auto& [key, value] : fields)
    entry[key] = value;
  return entry;
}

TopicPartition partition_of(const nlohmann::json& entry) {
  return TopicPartition{entry.at("topic").get<std::string>(),
                        Partition{entry.at("partition").get<std::int32_t>()}};
}

}  // namespace

std::string commit_record_path(std::uint64_t sequence) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(sequence));
  return std::string(kCommitFolder) + "/" + name + std::string(kCommitSuffix);
}

std::string checkpoint_path(std::uint64_t sequence) {
  return std::string(kCheckpointFolder) + commit_record_path(sequence).substr(kCommitFolder.size());
}

std::uint64_t parse_commit_file_name(std::string_view name) {
  if (name.size() != kSequenceDigits + kCommitSuffix.size() || !name.ends_with(kCommitSuffix)) {
    return 0;
  }
  std::uint64_t sequence = 0;
  const char* end = name.data() + kSequenceDigits;
  auto [ptr, ec] = std::from_chars(name.data(), end, sequence);
  return ec == std::errc() && ptr == end ? sequence : 0;
}

std::string encode_commit_record(const CommitRecord& record) {
  nlohmann::ordered_json json;
  json["version"] = kFormatVersion;
  json["sequence"] = record.sequence;
  json["committed_at"] =
      events::format_timestamp(record.committed_at, events::TimestampStyle::kUtcZulu);
  json["writer"] = {
      {"id", record.writer_id}, {"host", record.writer_host}, {"pid", record.writer_pid}};
  if (!record.writer_group.empty()) json["writer"]["group"] = record.writer_group;
  json["files"] = nlohmann::ordered_json::array();
  for (const CommittedFile& file : record.files) {
    json["files"].push_back(
        {{"table", file.table}, {"path", file.path}, {"rows", file.rows}, {"bytes", file.bytes}});
  }
  json["offsets"] = nlohmann::ordered_json::array();
  for (const CommittedOffset& offset : record.offsets) {
    json["offsets"].push_back(
        partition_entry(offset.partition, {{"next_offset", offset.next.value}}));
  }
  // Only a record that claims something carries the key, so single-writer
  // logs read as they always did.
  if (!record.claims.empty()) {
    json["claims"] = nlohmann::ordered_json::array();
    for (const PartitionClaim& claim : record.claims) {
      json["claims"].push_back(partition_entry(claim.partition, {{"epoch", claim.epoch}}));
    }
  }
  return json.dump() + "\n";
}

namespace {

// Parses a commit record or checkpoint (`what`, for messages) and checks that
// its format version is the one this smartcity reads.
nlohmann::json parse_versioned(std::string_view text, const std::string& what) {
  nlohmann::json json = nlohmann::json::parse(text);
  if (json.at("version").get<int>() != kFormatVersion) {
    throw StorageError(what + " has format version " + json.at("version").dump() +
                       ", this smartcity reads version " + std::to_string(kFormatVersion));
  }
  return json;
}

}  // namespace

CommitRecord decode_commit_record(std::string_view text, const std::string& source) {
  try {
    const nlohmann::json json = parse_versioned(text, "commit record " + source);
    CommitRecord record;
    record.sequence = json.at("sequence").get<std::uint64_t>();
    const auto committed_at = events::parse_timestamp(json.at("committed_at").get<std::string>());
    if (!committed_at) throw StorageError("commit record " + source + " has a bad committed_at");
    record.committed_at = *committed_at;
    const nlohmann::json& writer = json.at("writer");
    record.writer_id = writer.at("id").get<std::string>();
    record.writer_host = writer.at("host").get<std::string>();
    record.writer_pid = writer.at("pid").get<std::int64_t>();
    record.writer_group = writer.value("group", "");
    for (const nlohmann::json& file : json.at("files")) {
      record.files.push_back(
          {file.at("table").get<std::string>(), file.at("path").get<std::string>(),
           file.at("rows").get<std::uint64_t>(), file.at("bytes").get<std::uint64_t>()});
    }
    for (const nlohmann::json& offset : json.at("offsets")) {
      record.offsets.push_back(
          {partition_of(offset), Offset{offset.at("next_offset").get<std::int64_t>()}});
    }
    if (json.contains("claims")) {
      for (const nlohmann::json& claim : json.at("claims")) {
        record.claims.push_back({partition_of(claim), claim.at("epoch").get<std::uint64_t>()});
      }
    }
    return record;
  } catch (const nlohmann::json::exception& e) {
    throw StorageError("commit record " + source + " is damaged: " + e.what());
  }
}

void fold_commit(LakeCommitState& state, const CommitRecord& record) {
  SMARTCITY_CHECK(record.sequence > state.last_sequence, "commit records folded out of order");
  state.last_sequence = record.sequence;
  state.last_commit_at = record.committed_at;
  for (const CommittedFile& file : record.files)
    state.files.insert(file.path);
  for (const CommittedOffset& offset : record.offsets) {
    Offset& next = state.offsets[offset.partition];
    next = std::max(next, offset.next);
  }
  for (const PartitionClaim& claim : record.claims)
    state.owners[claim.partition] = {record.writer_id, record.writer_group, claim.epoch};
}

std::string encode_checkpoint(const LakeCommitState& state) {
  nlohmann::ordered_json json;
  json["version"] = kFormatVersion;
  json["sequence"] = state.last_sequence;
  json["last_commit_at"] =
      events::format_timestamp(state.last_commit_at, events::TimestampStyle::kUtcZulu);
  json["offsets"] = nlohmann::ordered_json::array();
  for (const auto& [partition, next] : state.offsets) {
    json["offsets"].push_back(partition_entry(partition, {{"next_offset", next.value}}));
  }
  json["files"] = state.files;
  json["owners"] = nlohmann::ordered_json::array();
  for (const auto& [partition, owner] : state.owners) {
    json["owners"].push_back(partition_entry(
        partition, {{"writer", owner.writer_id}, {"group", owner.group}, {"epoch", owner.epoch}}));
  }
  return json.dump() + "\n";
}

LakeCommitState decode_checkpoint(std::string_view text, const std::string& source) {
  try {
    const nlohmann::json json = parse_versioned(text, "checkpoint " + source);
    LakeCommitState state;
    state.last_sequence = json.at("sequence").get<std::uint64_t>();
    const auto at = events::parse_timestamp(json.at("last_commit_at").get<std::string>());
    if (!at) throw StorageError("checkpoint " + source + " has a bad last_commit_at");
    state.last_commit_at = *at;
    for (const nlohmann::json& offset : json.at("offsets")) {
      state.offsets[partition_of(offset)] = Offset{offset.at("next_offset").get<std::int64_t>()};
    }
    for (const nlohmann::json& file : json.at("files"))
      state.files.insert(file.get<std::string>());
    for (const nlohmann::json& owner : json.at("owners")) {
      state.owners[partition_of(owner)] = {owner.at("writer").get<std::string>(),
                                           owner.at("group").get<std::string>(),
                                           owner.at("epoch").get<std::uint64_t>()};
    }
    return state;
  } catch (const nlohmann::json::exception& e) {
    throw StorageError("checkpoint " + source + " is damaged: " + e.what());
  }
}

LakeCommitState CommitLog::load() const {
  LakeCommitState state;
  // Newest first; names sort by sequence.
  std::vector<std::string> checkpoints = storage_->list(std::string(kCheckpointFolder));
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    const std::uint64_t sequence = parse_commit_file_name(*it);
    if (sequence == 0) continue;  // a writer's private temporary
    const std::string path = checkpoint_path(sequence);
    try {
      const std::optional<std::string> text = storage_->read(path);
      if (!text) continue;
      LakeCommitState candidate = decode_checkpoint(*text, path);
      if (candidate.last_sequence != sequence) {
        throw StorageError("checkpoint " + path + " claims sequence " +
                           std::to_string(candidate.last_sequence));
      }
      state = std::move(candidate);
      break;
    } catch (const StorageError& e) {
      spdlog::warn("{}; reading further back in the commit log instead", e.what());
    }
  }
  // Writers create sequence N only after N-1 exists, so reading upwards until
  // one is absent reads the whole rest of the log.
  catch_up(state);
  return state;
}

bool CommitLog::try_append(const CommitRecord& record) {
  return storage_->create_if_absent(commit_record_path(record.sequence),
                                    encode_commit_record(record));
}

void CommitLog::catch_up(LakeCommitState& state) const {
  for (;;) {
    const std::string path = commit_record_path(state.last_sequence + 1);
    const std::optional<std::string> text = storage_->read(path);
    if (!text) return;
    const CommitRecord record = decode_commit_record(*text, path);
    if (record.sequence != state.last_sequence + 1) {
      throw StorageError("commit record " + path + " claims sequence " +
                         std::to_string(record.sequence));
    }
    fold_commit(state, record);
  }
}

void CommitLog::write_checkpoint(const LakeCommitState& state) {
  // Absent or equal: every writer folds the same commits into the same state.
  storage_->create_if_absent(checkpoint_path(state.last_sequence), encode_checkpoint(state));
}

}  // namespace smartcity::lake
