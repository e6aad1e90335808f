#include "kafka/direct_fetcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "base/check.h"
#include "base/errors.h"

namespace smartcity::kafka {
namespace {

constexpr std::int16_t kOffsetOutOfRange = 1;
// Between attempts to reach a broker that could not be: a refused
// connection costs little, but one to a host that does not answer costs the
// whole timeout, and the other brokers' records wait meanwhile.
constexpr std::chrono::milliseconds kReconnectBackoff{500};
// Between lookups of a partition whose leader keeps answering with an error
// (librdkafka's retry.backoff.ms and retry.backoff.max.ms): the leader named
// by the metadata answers again at once, so without a wait each poll would
// cost the cluster a metadata request and a fetch for as long as an election
// lasts, or the metadata stays stale. An election usually ends within the
// first steps (0.1, 0.2, 0.4 s); metadata that lags for longer costs one
// lookup a second.
constexpr std::chrono::milliseconds kLeaderErrorBackoff{100};
constexpr std::chrono::milliseconds kLeaderErrorBackoffMax{1000};

// The wait before the leaders are looked up again after the `errors`th
// retriable error in a row. The first is looked up at once: it is mostly a
// leader that moved, which the metadata names already, and a backoff would
// only delay the partition's records; a second means the metadata has not
// caught up, or the leader is not ready yet.
std::chrono::milliseconds leader_error_backoff(int errors) {
  if (errors <= 1) return std::chrono::milliseconds{0};
  return std::min(kLeaderErrorBackoff * (1 << std::min(errors - 2, 4)), kLeaderErrorBackoffMax);
}

}  // namespace

struct DirectFetcher::Source {
  BrokerAddress address;
  std::vector<TopicPartition> partitions;
  std::unique_ptr<KafkaFetchConnection> connection;
  // While the connection is being opened (connection is null meanwhile).
  std::unique_ptr<KafkaFetchConnector> connector;
};

DirectFetcher::DirectFetcher(LeaderLookup leaders, FetchLimits limits,
                             std::chrono::milliseconds timeout)
    : leaders_(std::move(leaders)), limits_(limits), timeout_(timeout) {}

DirectFetcher::~DirectFetcher() = default;

void DirectFetcher::assign(const std::vector<FetchPosition>& positions) {
  positions_.clear();
  for (const FetchPosition& p : positions)
    positions_.push_back({p.partition, p.offset, std::nullopt, false});
  // A response in flight was asked for the old positions; a fresh connection
  // is cheaper to reason about than matching it up.
  pending_ = {};
  sources_.clear();
  reconnect_ = true;
  reconnect_at_ = {};
}

DirectFetcher::Position* DirectFetcher::position(const TopicPartition& partition) {
  for (Position& p : positions_) {
    if (p.partition == partition) return &p;
  }
  return nullptr;
}

std::vector<TopicPartition> DirectFetcher::out_of_range() const {
  std::vector<TopicPartition> refused;
  for (const Position& p : positions_) {
    if (p.out_of_range) refused.push_back(p.partition);
  }
  return refused;
}

void DirectFetcher::set_position(const TopicPartition& partition, Offset offset) {
  if (Position* p = position(partition)) {
    // Records fetched, or asked for, from the old position must not be
    // handed out: forget them, with the connection that may bring them.
    for (auto& source : sources_) {
      if (std::find(source->partitions.begin(), source->partitions.end(), partition) ==
          source->partitions.end())
        continue;
      if (pending_.source == source.get()) abandon_pending();
      if (source->connection && source->connection->in_flight()) {
        source->connection.reset();
        reconnect_ = true;
      }
    }
    p->next = offset;
    p->out_of_range = false;
  }
}

std::optional<Offset> DirectFetcher::high_watermark(const TopicPartition& partition) const {
  for (const Position& p : positions_) {
    if (p.partition == partition) return p.high_watermark;
  }
  return std::nullopt;
}

std::vector<FetchPosition> DirectFetcher::positions_of(const Source& source) const {
  std::vector<FetchPosition> result;
  for (const Position& p : positions_) {
    if (p.out_of_range || p.relookup_at) continue;
    if (std::find(source.partitions.begin(), source.partitions.end(), p.partition) !=
        source.partitions.end()) {
      result.push_back({p.partition, p.next});
    }
  }
  return result;
}

void DirectFetcher::drop(Source& source, const std::string& why) {
  warn_down(source.address, why);
  if (pending_.source == &source) abandon_pending();
  source.connection.reset();
  source.connector.reset();
  // Not at once: a broker that refuses every fetch, or closes each
  // connection it accepted, would otherwise cost a lookup and a connect on
  // every poll.
  reconnect_ = true;
  reconnect_at_ = std::max(reconnect_at_, std::chrono::steady_clock::now() + kReconnectBackoff);
}

bool DirectFetcher::finish_connect(Source& source, std::chrono::milliseconds wait) {
  try {
    if (auto connection = source.connector->finish(wait)) {
      source.connection = std::move(connection);
      source.connector.reset();
    }
    return true;
  } catch (const KafkaError& e) {
    source.connector.reset();
    warn_down(source.address, e.what());
    reconnect_ = true;
    reconnect_at_ = std::chrono::steady_clock::now() + kReconnectBackoff;
    return false;
  }
}

void DirectFetcher::warn_down(const BrokerAddress& address, const std::string& why) {
  if (down_.insert(address).second)
    spdlog::warn("fetching from Kafka broker {}:{}: {} (retrying)", address.host, address.port,
                 why);
}

void DirectFetcher::connect() {
  SMARTCITY_CHECK(pending_.source == nullptr, "no response is pending when sources change");
  const auto now = std::chrono::steady_clock::now();
  std::vector<TopicPartition> wanted;
  for (const Position& p : positions_)
    wanted.push_back(p.partition);
  const std::map<TopicPartition, BrokerAddress> leaders = leaders_(wanted);
  // A partition whose backoff has not run out yet keeps it: this lookup came
  // early for another reason, and its own comes when the backoff ends.
  for (Position& p : positions_) {
    if (p.relookup_at && *p.relookup_at <= now) p.relookup_at.reset();
  }
  std::map<BrokerAddress, std::vector<TopicPartition>> by_leader;
  for (const auto& [tp, leader] : leaders)
    by_leader[leader].push_back(tp);
  // A broker that leads the same partitions over a live connection keeps
  // it, with its request in flight; one that cannot be reached now is tried
  // again later, and holds up no other.
  std::vector<std::unique_ptr<Source>> sources;
  bool all_connected = true;
  for (auto& led : by_leader) {
    // Named, not bound: a lambda may not capture a structured binding in C++20.
    const BrokerAddress& address = led.first;
    std::vector<TopicPartition>& partitions = led.second;
    const auto same = std::find_if(sources_.begin(), sources_.end(), [&](const auto& source) {
      return source && (source->connection || source->connector) && source->address == address &&
             source->partitions == partitions;
    });
    if (same != sources_.end()) {
      sources.push_back(std::move(*same));
      continue;
    }
    auto source = std::make_unique<Source>();
    source->address = address;
    source->partitions = std::move(partitions);
    // Not a blocking connect: a host that drops packets, or a broker that
    // is stopped, would hold this up for the whole timeout. On loopback and
    // most networks the connect is done by the first look, and the broker's
    // ApiVersions answer has come by the next poll, which waits for it when
    // no other broker is connected.
    try {
      source->connector =
          std::make_unique<KafkaFetchConnector>(address.host, address.port, timeout_);
      if (!finish_connect(*source, std::chrono::milliseconds(0))) all_connected = false;
    } catch (const KafkaError& e) {  // the host's name does not resolve
      warn_down(address, e.what());
      all_connected = false;
    }
    sources.push_back(std::move(source));
  }
  sources_ = std::move(sources);
  lookup_warned_ = false;
  // A partition without a leader (its broker fenced, an election under
  // way) is looked up again until it has one.
  reconnect_ = !all_connected || leaders.size() < wanted.size();
  if (reconnect_) reconnect_at_ = std::chrono::steady_clock::now() + kReconnectBackoff;
}

std::optional<std::chrono::steady_clock::time_point> DirectFetcher::lookup_at() const {
  // A reconnection pending holds up the partitions' lookups too: brokers
  // that could not be reached are tried again by each lookup, and are not
  // to be tried sooner than their backoff.
  if (reconnect_) return reconnect_at_;
  std::optional<std::chrono::steady_clock::time_point> at;
  for (const Position& p : positions_) {
    if (p.relookup_at && (!at || *p.relookup_at < *at)) at = p.relookup_at;
  }
  return at;
}

void DirectFetcher::poll(std::vector<ConsumedRecord>& out, std::chrono::milliseconds wait) {
  if (positions_.empty()) return;
  if (pending_.source != nullptr) {
    read_pending(out);
    return;
  }
  if (const auto lookup = lookup_at(); lookup && std::chrono::steady_clock::now() >= *lookup) {
    try {
      connect();
    } catch (const KafkaError& e) {  // the leaders could not be looked up
      if (!lookup_warned_) spdlog::warn("{} (retrying)", e.what());
      lookup_warned_ = true;
      // Also when the lookup was for a partition's leader error, which
      // would otherwise retry it at once.
      reconnect_ = true;
      reconnect_at_ = std::chrono::steady_clock::now() + kReconnectBackoff;
    }
  }
  Source* connecting = nullptr;
  for (auto& source : sources_) {
    if (!source->connector) continue;
    if (finish_connect(*source, std::chrono::milliseconds(0)) && source->connector)
      connecting = source.get();
  }
  if (std::none_of(sources_.begin(), sources_.end(),
                   [](const auto& source) { return source->connection != nullptr; })) {
    if (connecting != nullptr) {
      // Nothing to read until a connect is done: wait on it.
      finish_connect(*connecting, wait);
      return;
    }
    // No leader known yet, or none reachable: nothing to wait on but time.
    reconnect_ = true;
    std::this_thread::sleep_for(wait);
    return;
  }
  for (auto& source : sources_) {
    if (source->connection && !source->connection->in_flight()) send_fetch(*source, wait);
  }
  // Read whichever broker answers first: one with nothing new holds its
  // answer for `wait`, and the others' records must not queue behind it. The
  // search starts after the broker read last, so a busy one starves none.
  std::vector<std::size_t> waiting;
  std::vector<KafkaFetchConnection*> connections;
  for (std::size_t i = 1; i <= sources_.size(); ++i) {
    const std::size_t index = (next_source_ + i) % sources_.size();
    KafkaFetchConnection* connection = sources_[index]->connection.get();
    if (connection == nullptr || !connection->in_flight()) continue;
    waiting.push_back(index);
    connections.push_back(connection);
  }
  if (waiting.empty()) {
    // The partitions not asked for wait out a backoff: wait with them (for
    // `wait` at most) rather than have the caller poll in a busy loop.
    if (const auto lookup = lookup_at())
      std::this_thread::sleep_until(std::min(*lookup, std::chrono::steady_clock::now() + wait));
    return;
  }
  std::optional<std::size_t> first;
  try {
    first = KafkaFetchConnection::first_answering(connections, wait + timeout_);
  } catch (const KafkaError& e) {
    for (const std::size_t index : waiting)
      drop(*sources_[index], e.what());
    return;
  }
  if (!first) {
    const std::string why = "no answer within " + std::to_string((wait + timeout_).count()) + " ms";
    for (const std::size_t index : waiting)
      drop(*sources_[index], why);
    return;
  }
  next_source_ = waiting[*first];
  Source& source = *sources_[next_source_];
  std::vector<FetchedPartition> fetched;
  try {
    fetched = source.connection->receive_fetch();
  } catch (const KafkaError& e) {
    drop(source, e.what());
    std::this_thread::sleep_for(wait);
    return;
  }
  accept(source, std::move(fetched), wait);
  read_pending(out);
}

void DirectFetcher::accept(Source& source, std::vector<FetchedPartition> fetched,
                           std::chrono::milliseconds wait) {
  pending_ = {&source, {}, 0};
  const auto now = std::chrono::steady_clock::now();
  for (FetchedPartition& part : fetched) {
    Position* p = position(part.partition);
    if (p == nullptr) continue;
    if (part.error_code == kOffsetOutOfRange) {
      p->out_of_range = true;
      continue;
    }
    if (part.error_code != 0) {
      // Leader moved, partition not ready, and the like: all retriable
      // after a fresh look at the leaders. Only this partition waits for it.
      spdlog::debug("fetching {}[{}]: Kafka error code {}", part.partition.topic,
                    part.partition.partition.value, part.error_code);
      p->relookup_at = now + leader_error_backoff(++p->leader_errors);
      continue;
    }
    p->leader_errors = 0;
    p->high_watermark = part.high_watermark;
    const Offset from = p->next;
    p->next = RecordBatchReader::next_offset(part.records, from);
    if (p->next != from) pending_.partitions.push_back({std::move(part), from});
  }
  if (pending_.partitions.empty()) pending_ = {};
  down_.erase(source.address);
  // Fetch ahead: the broker prepares the next response while the caller
  // decodes this one.
  send_fetch(source, wait);
}

void DirectFetcher::abandon_pending() {
  for (std::size_t i = pending_.next; i < pending_.partitions.size(); ++i) {
    if (Position* p = position(pending_.partitions[i].part.partition))
      p->next = pending_.partitions[i].from;
  }
  pending_ = {};
}

void DirectFetcher::read_pending(std::vector<ConsumedRecord>& out) {
  // The views handed out by the last poll end here (its contract).
  reader_.recycle();
  while (pending_.next < pending_.partitions.size()) {
    const PendingPartition& pending = pending_.partitions[pending_.next];
    Position* p = position(pending.part.partition);
    SMARTCITY_CHECK(p != nullptr, "a pending partition is assigned");
    records_.clear();
    const RecordBatchRead read = reader_.read(pending.part.records, pending.from, records_);
    ++pending_.next;
    SMARTCITY_CHECK(read.next == p->next, "the batch headers and their records agree on the end");
    for (const KafkaRecordView& r : records_) {
      out.push_back(
          {p->partition.topic, p->partition.partition, r.offset, r.timestamp_ms, r.key, r.value});
    }
    if (!records_.empty()) break;  // one partition's records per poll
  }
  if (pending_.next == pending_.partitions.size()) pending_ = {};
}

void DirectFetcher::send_fetch(Source& source, std::chrono::milliseconds wait) {
  const std::vector<FetchPosition> wanted = positions_of(source);
  if (wanted.empty()) return;
  try {
    source.connection->send_fetch(
        wanted, {wait, limits_.min_bytes, limits_.max_bytes, limits_.partition_max_bytes});
  } catch (const KafkaError& e) {
    drop(source, e.what());
  }
}

}  // namespace smartcity::kafka
