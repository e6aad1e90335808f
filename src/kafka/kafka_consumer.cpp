#include "kafka/kafka_consumer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "base/check.h"
#include "base/errors.h"
#include "kafka/client_config.h"

namespace smartcity::kafka {
namespace {

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const {
    rd_kafka_metadata_destroy(metadata);
  }
};

// Larger fetches save no time once the queue is deep: they only delay the
// first record (a 64 MiB response of lz4 batches took librdkafka 0.11 s to
// hand over its first partition; 16 MiB, 0.03 s), and every response is
// received into freshly faulted pages (with 8 MiB fetches a stream faulted
// a third fewer pages).
constexpr std::size_t kLargestFetch = 16u << 20;
constexpr std::size_t kLargestPartitionFetch = 2u << 20;

std::size_t fetch_bytes(std::size_t prefetch_bytes) {
  return std::clamp<std::size_t>(prefetch_bytes / 4, 1u << 20, kLargestFetch);
}
std::size_t partition_fetch_bytes(std::size_t prefetch_bytes) {
  return std::clamp<std::size_t>(prefetch_bytes / 16, 1u << 20, kLargestPartitionFetch);
}

// Pending exception from a callback: C frames of librdkafka sit between the
// callback and our caller, so it is carried across them rather than thrown.
thread_local std::exception_ptr t_callback_failure;

}  // namespace

void RdKafkaDeleter::operator()(rd_kafka_t* handle) const {
  rd_kafka_destroy(handle);
}

std::map<std::string, std::vector<Partition>> describe_topics(
    rd_kafka_t* handle, const std::vector<std::string>& topics, std::chrono::milliseconds timeout,
    const std::string& brokers) {
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(handle, 1, nullptr, &raw, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError("cannot reach Kafka at " + brokers + " within " +
                     std::to_string(timeout.count() / 1000) + " s (" + rd_kafka_err2str(err) +
                     "); is a broker running? Set --brokers or SMARTCITY_BROKERS");
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
  std::map<std::string, std::vector<Partition>> result;
  for (const std::string& topic : topics)
    result[topic];
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
    auto it = result.find(topic.topic);
    if (it == result.end() || topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    for (int p = 0; p < topic.partition_cnt; ++p) {
      it->second.push_back(Partition{topic.partitions[p].id});
    }
  }
  return result;
}

bool direct_fetch_speaks(const std::map<std::string, std::string>& properties) {
  auto is = [&](const std::string& key, std::string_view wanted) {
    const auto it = properties.find(key);
    if (it == properties.end()) return false;
    std::string value = it->second;
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return value == wanted;
  };
  return (properties.count("security.protocol") == 0 || is("security.protocol", "plaintext")) &&
         !is("isolation.level", "read_committed");
}

std::map<TopicPartition, BrokerAddress> describe_leaders(
    rd_kafka_t* handle, const std::vector<TopicPartition>& partitions,
    std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(handle, 1, nullptr, &raw, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(std::string("cannot read the cluster's metadata: ") + rd_kafka_err2str(err));
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
  std::map<std::int32_t, BrokerAddress> brokers;
  for (int b = 0; b < metadata->broker_cnt; ++b) {
    brokers[metadata->brokers[b].id] = {metadata->brokers[b].host, metadata->brokers[b].port};
  }
  std::map<TopicPartition, BrokerAddress> leaders;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
    for (int p = 0; p < topic.partition_cnt; ++p) {
      const TopicPartition tp{topic.topic, Partition{topic.partitions[p].id}};
      const auto leader = brokers.find(topic.partitions[p].leader);
      if (leader != brokers.end() &&
          std::find(partitions.begin(), partitions.end(), tp) != partitions.end()) {
        leaders[tp] = leader->second;
      }
    }
  }
  return leaders;
}

KafkaConsumer::KafkaConsumer(ConsumerOptions options, AssignCallback on_assign,
                             RevokeCallback on_revoke, std::chrono::milliseconds connect_timeout)
    : options_(std::move(options)),
      on_assign_(std::move(on_assign)),
      on_revoke_(std::move(on_revoke)) {
  std::map<std::string, std::string> settings = {
      {"bootstrap.servers", options_.brokers},
      {"group.id", options_.group_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"partition.assignment.strategy", "range,roundrobin"},
      {"queued.max.messages.kbytes",
       std::to_string(std::max<std::size_t>(1024, options_.prefetch_bytes / 1024))},
      // Not a message count: bytes (above) are what bound the queue.
      {"queued.min.messages", "10000000"},
      {"fetch.max.bytes", std::to_string(fetch_bytes(options_.prefetch_bytes))},
      {"max.partition.fetch.bytes", std::to_string(partition_fetch_bytes(options_.prefetch_bytes))},
      // librdkafka refuses a fetch size above its largest response.
      {"receive.message.max.bytes",
       std::to_string(std::max<std::size_t>(100'000'000, options_.prefetch_bytes + (1u << 20)))},
      {"fetch.wait.max.ms", "100"},
      {"log.connection.close", "false"},
  };
  for (const auto& [key, value] : options_.properties)
    settings[key] = value;
  ClientConfig config = make_client_config(settings);
  rd_kafka_conf_set_opaque(config.get(), this);
  rd_kafka_conf_set_rebalance_cb(config.get(), &KafkaConsumer::rebalance_trampoline);
  handle_ = make_client(RD_KAFKA_CONSUMER, std::move(config));
  if (options_.direct_fetch) {
    const FetchLimits limits{
        .max_wait = std::chrono::milliseconds(100),
        .min_bytes = 1,
        .max_bytes = static_cast<std::int32_t>(fetch_bytes(options_.prefetch_bytes)),
        .partition_max_bytes =
            static_cast<std::int32_t>(partition_fetch_bytes(options_.prefetch_bytes))};
    fetcher_ = std::make_unique<DirectFetcher>(
        [this, connect_timeout](const std::vector<TopicPartition>& partitions) {
          return describe_leaders(handle_.get(), partitions, connect_timeout);
        },
        limits, connect_timeout);
  }

  const auto partitions =
      describe_topics(handle_.get(), options_.topics, connect_timeout, options_.brokers);
  for (const auto& [topic, list] : partitions) {
    if (list.empty()) {
      throw KafkaError("topic " + topic + " does not exist on " + options_.brokers +
                       "; create it (smartcity simulate creates the five topics)");
    }
    for (const Partition partition : list)
      subscribed_partitions_.push_back({topic, partition});
  }
  rd_kafka_poll_set_consumer(handle_.get());
  PartitionList subscription(
      rd_kafka_topic_partition_list_new(static_cast<int>(options_.topics.size())));
  for (const std::string& topic : options_.topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(handle_.get(), subscription.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(std::string("cannot subscribe: ") + rd_kafka_err2str(err));
  }
}

KafkaConsumer::~KafkaConsumer() {
  try {
    close();
  } catch (const std::exception& e) {
    spdlog::warn("closing the Kafka consumer: {}", e.what());
  }
}

void KafkaConsumer::rebalance_trampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                                         rd_kafka_topic_partition_list_t* partitions,
                                         void* opaque) {
  try {
    static_cast<KafkaConsumer*>(opaque)->on_rebalance(err, partitions);
  } catch (...) {
    t_callback_failure = std::current_exception();
  }
}

void KafkaConsumer::on_rebalance(rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* partitions) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    std::vector<TopicPartition> assigned;
    for (int i = 0; i < partitions->cnt; ++i) {
      assigned.push_back({partitions->elems[i].topic, Partition{partitions->elems[i].partition}});
    }
    const std::vector<StartPosition> starts = on_assign_(assigned);
    SMARTCITY_CHECK(starts.size() == assigned.size(), "assign callback must place every partition");
    const std::map<TopicPartition, Offset> beginnings = first_offsets(starts);
    for (int i = 0; i < partitions->cnt; ++i) {
      const StartPosition& start = starts[static_cast<std::size_t>(i)];
      SMARTCITY_CHECK(start.partition == assigned[static_cast<std::size_t>(i)],
                      "assign callback answered out of order");
      const auto beginning = beginnings.find(start.partition);
      partitions->elems[i].offset = start.offset                    ? start.offset->value
                                    : beginning != beginnings.end() ? beginning->second.value
                                                                    : RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(handle_.get(), partitions);
    if (fetcher_) {
      // librdkafka keeps the group; the direct fetch reads.
      rd_kafka_pause_partitions(handle_.get(), partitions);
      std::vector<FetchPosition> positions;
      for (int i = 0; i < partitions->cnt; ++i) {
        // A logical offset (BEGINNING, when its lookup failed) starts at 0,
        // which the broker refuses if the log starts later, and
        // reset_out_of_range() moves it to where the log starts.
        positions.push_back({assigned[static_cast<std::size_t>(i)],
                             Offset{std::max<std::int64_t>(0, partitions->elems[i].offset)}});
      }
      fetcher_->assign(positions);
    }
    assignment_ = std::move(assigned);
  } else {
    // librdkafka waits for the unassign (rd_kafka_consumer_close() forever),
    // so it happens even when the callback fails.
    try {
      on_revoke_(assignment_);
    } catch (...) {
      rd_kafka_assign(handle_.get(), nullptr);
      if (fetcher_) fetcher_->assign({});
      assignment_.clear();
      throw;
    }
    rd_kafka_assign(handle_.get(), nullptr);
    if (fetcher_) fetcher_->assign({});
    assignment_.clear();
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      spdlog::warn("Kafka rebalance error: {}", rd_kafka_err2str(err));
    }
  }
}

std::map<TopicPartition, Offset> KafkaConsumer::first_offsets(
    const std::vector<StartPosition>& starts) {
  // Given the logical BEGINNING, librdkafka looks the offset up itself, and
  // when that lookup races the partition's leader becoming known (it does,
  // now and then, right after an assignment) it tries again only 500 ms
  // later ("no current leader for partition: (re)starting offset query
  // timer" in its debug log): half a second added to every such start.
  std::vector<TopicPartition> from_beginning;
  for (const StartPosition& start : starts) {
    if (!start.offset) from_beginning.push_back(start.partition);
  }
  if (from_beginning.empty()) return {};
  std::map<TopicPartition, Offset> firsts;
  try {
    for (const auto& [tp, bounds] : log_bounds(from_beginning, std::chrono::seconds(5))) {
      // A negative offset would be one of librdkafka's logical ones (-1 is
      // the log's end): only a real one replaces BEGINNING.
      if (bounds.first.value >= 0) firsts[tp] = bounds.first;
    }
  } catch (const KafkaError& e) {
    spdlog::debug("looking up where partitions begin: {}; librdkafka looks it up", e.what());
  }
  return firsts;
}

bool KafkaConsumer::is_record(const rd_kafka_message_t& message) {
  if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return false;
  char fatal[512];
  if (rd_kafka_fatal_error(handle_.get(), fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(std::string("Kafka consumer failed: ") + fatal);
  }
  if (message.err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
      message.err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
    throw KafkaError(std::string("Kafka: ") + rd_kafka_message_errstr(&message));
  }
  spdlog::warn("Kafka: {} (retrying)", rd_kafka_message_errstr(&message));
  return false;
}

std::vector<KafkaMessage> KafkaConsumer::poll(std::size_t max_messages,
                                              std::chrono::milliseconds timeout) {
  SMARTCITY_CHECK(!fetcher_, "poll() reads librdkafka's records; use poll_records()");
  std::vector<KafkaMessage> messages;
  messages.reserve(max_messages);
  int wait = static_cast<int>(timeout.count());
  while (messages.size() < max_messages) {
    KafkaMessage message(rd_kafka_consumer_poll(handle_.get(), wait));
    if (t_callback_failure) std::rethrow_exception(std::exchange(t_callback_failure, nullptr));
    if (!message) break;
    wait = 0;
    if (is_record(*message)) messages.push_back(std::move(message));
  }
  return messages;
}

void KafkaConsumer::serve_events(std::chrono::milliseconds timeout) {
  int wait = static_cast<int>(timeout.count());
  for (;;) {
    KafkaMessage message(rd_kafka_consumer_poll(handle_.get(), wait));
    if (t_callback_failure) std::rethrow_exception(std::exchange(t_callback_failure, nullptr));
    if (!message) return;
    wait = 0;
    is_record(*message);
  }
}

void KafkaConsumer::reset_out_of_range() {
  const std::vector<TopicPartition> refused = fetcher_->out_of_range();
  if (refused.empty()) return;
  for (const auto& [tp, bounds] : log_bounds(refused, std::chrono::seconds(10))) {
    spdlog::warn(
        "{}[{}]: the offset to read is outside its log; reading from offset {}, where "
        "the log starts now (records before it were deleted by retention)",
        tp.topic, tp.partition.value, bounds.first.value);
    fetcher_->set_position(tp, bounds.first);
  }
}

void KafkaConsumer::poll_records(ConsumedBatch& batch, std::size_t max_messages,
                                 std::chrono::milliseconds timeout) {
  batch.clear();
  if (!fetcher_) {
    batch.messages = poll(max_messages, timeout);
    for (const KafkaMessage& m : batch.messages) {
      rd_kafka_timestamp_type_t type;
      batch.records.push_back({rd_kafka_topic_name(m->rkt), Partition{m->partition},
                               Offset{m->offset}, rd_kafka_message_timestamp(m.get(), &type),
                               std::string_view(static_cast<const char*>(m->key), m->key_len),
                               std::string_view(static_cast<const char*>(m->payload), m->len)});
    }
    return;
  }
  // Until the group assigns partitions, librdkafka's poll is all there is
  // to wait on.
  serve_events(fetcher_->empty() ? timeout : std::chrono::milliseconds(0));
  if (fetcher_->empty()) return;
  reset_out_of_range();
  fetcher_->poll(batch.records, timeout);
}

std::map<TopicPartition, LogBounds> KafkaConsumer::log_bounds(
    const std::vector<TopicPartition>& partitions, std::chrono::milliseconds timeout) {
  std::map<TopicPartition, LogBounds> bounds;
  for (const TopicPartition& tp : partitions) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    const rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(handle_.get(), tp.topic.c_str(), tp.partition.value, &low,
                                         &high, static_cast<int>(timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw KafkaError("cannot read the bounds of " + tp.topic + "[" +
                       std::to_string(tp.partition.value) + "]: " + rd_kafka_err2str(err));
    }
    bounds[tp] = LogBounds{Offset{low}, Offset{high}};
  }
  return bounds;
}

std::map<TopicPartition, Offset> KafkaConsumer::end_offsets(
    const std::vector<TopicPartition>& partitions, std::chrono::milliseconds timeout) {
  std::map<TopicPartition, Offset> ends;
  for (const auto& [tp, bounds] : log_bounds(partitions, timeout))
    ends[tp] = bounds.end;
  return ends;
}

namespace {

PartitionList partition_list(const std::vector<TopicPartition>& partitions) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const TopicPartition& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value);
  }
  return list;
}

}  // namespace

void KafkaConsumer::pause(const std::vector<TopicPartition>& partitions) {
  SMARTCITY_CHECK(!fetcher_, "the direct fetch pauses nothing");
  const rd_kafka_resp_err_t err =
      rd_kafka_pause_partitions(handle_.get(), partition_list(partitions).get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(std::string("cannot pause consumption: ") + rd_kafka_err2str(err));
  }
}

void KafkaConsumer::resume(const std::vector<TopicPartition>& partitions) {
  SMARTCITY_CHECK(!fetcher_, "the direct fetch pauses nothing");
  const rd_kafka_resp_err_t err =
      rd_kafka_resume_partitions(handle_.get(), partition_list(partitions).get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(std::string("cannot resume consumption: ") + rd_kafka_err2str(err));
  }
}

std::optional<Offset> KafkaConsumer::cached_end_offset(const TopicPartition& partition) const {
  if (fetcher_) return fetcher_->high_watermark(partition);
  std::int64_t low = 0;
  std::int64_t high = 0;
  if (rd_kafka_get_watermark_offsets(handle_.get(), partition.topic.c_str(),
                                     partition.partition.value, &low,
                                     &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return Offset{high};
}

void KafkaConsumer::mirror_offsets(const std::map<TopicPartition, Offset>& offsets) {
  if (offsets.empty() || closed_) return;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value)->offset =
        offset.value;
  }
  const rd_kafka_resp_err_t err = rd_kafka_commit(handle_.get(), list.get(), 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::debug("mirroring offsets to Kafka: {}", rd_kafka_err2str(err));
  }
}

void KafkaConsumer::close() {
  if (closed_ || !handle_) return;
  closed_ = true;
  const rd_kafka_resp_err_t err = rd_kafka_consumer_close(handle_.get());
  if (t_callback_failure) std::rethrow_exception(std::exchange(t_callback_failure, nullptr));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::debug("leaving the consumer group: {}", rd_kafka_err2str(err));
  }
}

}  // namespace smartcity::kafka
