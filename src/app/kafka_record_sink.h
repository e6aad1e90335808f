// Simulated records published to Kafka, keyed by device.
#pragma once

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

}  // namespace smartcity::app
