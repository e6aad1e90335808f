// Creating the five event topics, through Kafka's Admin API.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace smartcity::kafka {

// Creates each of the five event topics that does not exist yet, with
// `partitions` partitions and one replica per broker up to three. Topics that
// exist are left as they are. Throws KafkaError if the cluster is unreachable
// within `timeout` or refuses the request.
void ensure_event_topics(const std::string& brokers, int partitions,
                         const std::map<std::string, std::string>& properties = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace smartcity::kafka
