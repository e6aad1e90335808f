"""The seed's Spark Structured Streaming job (spark-city.py), as the peer of
`smartcity stream` in bench/spark-vs-smartcity. Run by spark-submit, never
imported.

Faithful to the seed: one streaming query per topic, `from_json` with the
seed's schemas (camelCase names, `location` kept as a string, `year` declared
an integer), `withWatermark('timestamp', '2 minutes')`, Parquet per topic with
a checkpoint location, append mode. What differs is only what a benchmark
needs: `Trigger.AvailableNow` so that it stops when caught up (the seed ran
forever), the broker address and folders as flags, and, in the freshness mode
only, the Kafka record timestamp kept as one extra column so that the harness
can tell when each record was produced.

Usage: spark-submit spark_city_job.py --brokers HOST:PORT --out DIR
         --checkpoints DIR (--available-now | --trigger-interval SECONDS)
         [--kafka-timestamp]"""

import argparse

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, from_json
from pyspark.sql.types import (DoubleType, IntegerType, StringType, StructField, StructType,
                               TimestampType)


def seed_schemas():
    """{topic: (table, schema)}, the schemas of the seed's spark-city.py."""
    def fields(*pairs):
        return StructType([StructField(name, kind, True) for name, kind in pairs])

    s, d, i, t = StringType(), DoubleType(), IntegerType(), TimestampType()
    return {
        "vehicle_data": ("vehicle", fields(
            ("id", s), ("deviceId", s), ("timestamp", t), ("location", s), ("speed", d),
            ("direction", s), ("make", s), ("model", s), ("year", i), ("fuelType", s))),
        "gps_data": ("gps", fields(
            ("id", s), ("deviceId", s), ("timestamp", t), ("speed", d), ("direction", s),
            ("vehicleType", s))),
        "traffic_data": ("traffic", fields(
            ("id", s), ("deviceId", s), ("cameraId", s), ("location", s), ("timestamp", t),
            ("snapshot", s))),
        "weather_data": ("weather", fields(
            ("id", s), ("deviceId", s), ("location", s), ("timestamp", t), ("temperature", d),
            ("weatherCondition", s), ("precipitation", d), ("windSpeed", d), ("humidity", i),
            ("airQualityIndex", d))),
        "emergency_data": ("emergency", fields(
            ("id", s), ("deviceId", s), ("incidentId", s), ("type", s), ("timestamp", t),
            ("location", s), ("status", s), ("description", s))),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--checkpoints", required=True)
    trigger = parser.add_mutually_exclusive_group(required=True)
    trigger.add_argument("--available-now", action="store_true")
    trigger.add_argument("--trigger-interval", type=float)
    parser.add_argument("--kafka-timestamp", action="store_true")
    args = parser.parse_args()

    spark = SparkSession.builder.appName("SmartCityStreaming").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")

    def read_kafka_topic(topic, schema):
        value = ["CAST(value AS STRING) AS value"]
        if args.kafka_timestamp:
            value.append("timestamp AS _kafka_timestamp")
        frame = (spark.readStream.format("kafka")
                 .option("kafka.bootstrap.servers", args.brokers)
                 .option("subscribe", topic)
                 .option("startingOffsets", "earliest")
                 .load()
                 .selectExpr(*value)
                 .select(from_json(col("value"), schema).alias("data"),
                         *(["_kafka_timestamp"] if args.kafka_timestamp else [])))
        return frame.select("data.*", *(["_kafka_timestamp"] if args.kafka_timestamp else [])) \
                    .withWatermark("timestamp", "2 minutes")

    def stream_writer(frame, table):
        writer = (frame.writeStream.format("parquet")
                  .option("checkpointLocation", f"{args.checkpoints}/{table}")
                  .option("path", f"{args.out}/{table}")
                  .outputMode("append"))
        if args.available_now:
            writer = writer.trigger(availableNow=True)
        else:
            writer = writer.trigger(processingTime=f"{args.trigger_interval} seconds")
        return writer.start()

    queries = [stream_writer(read_kafka_topic(topic, schema), table)
               for topic, (table, schema) in seed_schemas().items()]
    for query in queries:
        query.awaitTermination()
    spark.stop()


if __name__ == "__main__":
    main()
