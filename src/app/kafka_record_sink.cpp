#include "app/kafka_record_sink.h"

#include "base/shutdown_signal.h"

namespace smartcity::app {

std::size_t settle_deliveries(kafka::KafkaProducer& producer, const RunTotals& run) {
  if (run.stopped) return producer.flush(std::chrono::seconds(30));
  return producer.flush_all([] { return ShutdownSignal::requested(); });
}

}  // namespace smartcity::app
