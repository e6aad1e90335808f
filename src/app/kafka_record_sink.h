// Simulated records published to Kafka, keyed by device.
#pragma once

#include <cstddef>
#include <string>

#include "app/simulation_runner.h"
#include "kafka/kafka_producer.h"

namespace smartcity::app {

class KafkaRecordSink final : public RecordSink {
 public:
  // `producer` must outlive the sink.
  explicit KafkaRecordSink(kafka::KafkaProducer& producer) : producer_(&producer) {}
  void write(const simulate::SimulatedRecord& record) override {
    producer_->produce(record.topic, record.key, record.payload);
  }
  void idle() override { producer_->poll(); }
  std::string progress() const override {
    return ", " + std::to_string(producer_->delivered()) + " delivered";
  }

 private:
  kafka::KafkaProducer* producer_;
};

// Waits for the records a run produced to settle: all of them, delivered or
// failed, which librdkafka settles within message.timeout.ms (a broker
// restarting is retried, not called lost), when the run reached its limits;
// up to 30 s when it was interrupted, or once ShutdownSignal is requested
// while waiting. Returns the number still undelivered.
std::size_t settle_deliveries(kafka::KafkaProducer& producer, const RunTotals& run);

}  // namespace smartcity::app
