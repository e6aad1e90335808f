"""The direct fetch (`stream --fetch direct`) on a real two-broker Kafka
cluster: the local broker (KRaft controller and broker, node 1) and a second
broker-only node joining its quorum, with the five topics grown to six
partitions so that some are led by each broker. Every produced offset must
reach the lake exactly once, read by pyarrow, with one fetch connection per
broker and no fetch retried. (That an idle broker holds up no other is
tests/unit/kafka/direct_fetcher_test.cpp's, on librdkafka's mock cluster.)"""

import collections
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pyarrow.dataset as ds
import pytest
from confluent_kafka.admin import AdminClient, NewPartitions

from conftest import ROOT, TABLES, TOPICS, KafkaBroker, free_port, run_smartcity
from kafka_records import read_all

EVENTS = 30_000
PARTITIONS = 6
DEPS = pathlib.Path(os.environ.get("SMARTCITY_DEPS", ROOT / ".deps"))


def java():
    home = os.environ.get("JAVA_HOME")
    if home and (pathlib.Path(home) / "bin" / "java").exists():
        return str(pathlib.Path(home) / "bin" / "java")
    return shutil.which("java") or "java"


def properties(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines()
                if line and not line.startswith("#"))


class SecondBroker:
    """A broker-only Kafka node (node.id 2) that joins the local broker's
    KRaft quorum, configured from the local broker's own server.properties."""

    def __init__(self, first: KafkaBroker, data: pathlib.Path):
        self.data = data
        self.port = free_port()
        config = properties(first.data / "server.properties")
        config.update({
            "process.roles": "broker",
            "node.id": "2",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": str(data / "logs"),
        })
        data.mkdir(parents=True, exist_ok=True)
        self.config = data / "server.properties"
        self.config.write_text("".join(f"{k}={v}\n" for k, v in sorted(config.items())))
        (data / "log4j2.properties").write_text(
            (first.data / "log4j2.properties").read_text().replace(
                str(first.data / "broker.log"), str(data / "broker.log")))
        self.cluster_id = properties(first.data / "logs" / "meta.properties")["cluster.id"]
        self.process = None

    def _java(self, *args):
        return [java(), "-Xmx512m", "-cp", str(DEPS / "kafka" / "libs" / "*"),
                f"-Dlog4j2.configurationFile={self.data / 'log4j2.properties'}", *args]

    def start(self):
        subprocess.run(self._java("kafka.tools.StorageTool", "format", "-t", self.cluster_id,
                                  "-c", str(self.config)),
                       check=True, capture_output=True, text=True, timeout=120)
        self.process = subprocess.Popen(self._java("kafka.Kafka", str(self.config)),
                                        stdout=open(self.data / "broker.out", "wb"),
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def leaders(admin):
    """{(topic, partition): leader broker id}"""
    topics = admin.list_topics(timeout=10).topics
    return {(t, p): meta.leader for t in TOPICS for p, meta in topics[t].partitions.items()}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    first = KafkaBroker(tmp_path_factory.mktemp("kafka1"))
    first.start()
    second = SecondBroker(first, tmp_path_factory.mktemp("kafka2"))
    try:
        second.start()
        admin = AdminClient({"bootstrap.servers": first.bootstrap})
        deadline = time.monotonic() + 120
        while len(admin.list_topics(timeout=10).brokers) < 2:
            assert second.process.poll() is None, (second.data / "broker.out").read_text()[-3000:]
            assert time.monotonic() < deadline, "the second broker did not join in 120 s"
            time.sleep(0.5)
        # New partitions are placed on both brokers.
        for future in admin.create_partitions(
                [NewPartitions(topic, PARTITIONS) for topic in TOPICS]).values():
            future.result(timeout=60)
        deadline = time.monotonic() + 60
        while (len(leaders(admin)) < PARTITIONS * len(TOPICS)
               or any(leader < 0 for leader in leaders(admin).values())):
            assert time.monotonic() < deadline, f"partitions without a leader: {leaders(admin)}"
            time.sleep(0.5)
        yield first.bootstrap, admin
    finally:
        second.stop()
        first.stop()


@pytest.fixture(scope="module")
def produced(cluster):
    """What `simulate` wrote, read back by kcat: {(topic, partition, offset): (key, payload)}."""
    bootstrap, admin = cluster
    run_smartcity("simulate", "--brokers", bootstrap, "--vehicles", 40, "--count", EVENTS,
                  "--seed", 11, "--rate", 0)
    records = read_all(bootstrap)
    assert len(records) == EVENTS
    led = leaders(admin)
    by_leader = collections.Counter(led[(topic, partition)] for topic, partition, _ in records)
    assert by_leader[1] > 0 and by_leader[2] > 0, by_leader
    return records


def test_every_offset_exactly_once_with_partitions_on_two_brokers(cluster, produced, tmp_path):
    bootstrap, _ = cluster
    lake = tmp_path / "lake"
    result = run_smartcity("stream", "--brokers", bootstrap, "--lake", lake, "--fetch", "direct",
                           "--until-caught-up", "--group", "two-brokers")
    assert "retrying" not in result.stderr, result.stderr[-3000:]

    seen = collections.Counter()
    for table in list(TABLES.values()) + ["dead_letters"]:
        if not (lake / table).exists():
            continue
        for row in ds.dataset(lake / table, format="parquet", partitioning="hive").to_table(
                columns=["_topic", "_partition", "_offset"]).to_pylist():
            seen[(row["_topic"], row["_partition"], row["_offset"])] += 1
    twice = [k for k, n in seen.items() if n > 1]
    assert not twice, f"{len(twice)} offsets twice, e.g. {twice[:3]}"
    assert set(seen) == set(produced)


@pytest.mark.parametrize("partition_max_bytes", [1 << 10, 1 << 20])
def test_direct_fetch_and_librdkafka_read_the_same_records(cluster, produced,
                                                           partition_max_bytes):
    """bench/kafka_fetch_bench reads every partition from its start with each
    client and digests every record's place, size and end bytes; small fetches
    end inside record batches, so the reader's cut and the next fetch's skip
    both happen."""
    bootstrap, _ = cluster
    tallies = {}
    for client in ("direct", "librdkafka"):
        out = subprocess.run([os.environ["KAFKA_FETCH_BENCH"], "--brokers", bootstrap,
                              "--client", client, "--partition-max-bytes",
                              str(partition_max_bytes)],
                             check=True, capture_output=True, text=True, timeout=300).stdout
        tallies[client] = json.loads(out.strip().splitlines()[-1])
    for client, tally in tallies.items():
        assert tally["records"] == len(produced), client
        assert tally["value_bytes"] == sum(len(payload) for _, payload in produced.values()), \
            client
    assert tallies["direct"]["digest"] == tallies["librdkafka"]["digest"]
