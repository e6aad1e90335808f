"""`smartcity simulate` and `smartcity broker` against a real Apache Kafka
broker, read back with kcat (Debian's package, an independent client)."""

import base64
import json
import signal
import subprocess
import time

import pytest

from conftest import SMARTCITY, TOPICS, free_port, run_smartcity
from kafka_records import read_all

COUNT = 10_000
START = "2026-11-25T08:00:00Z"


@pytest.fixture(scope="module")
def published(kafka, tmp_path_factory):
    out = tmp_path_factory.mktemp("simulate") / "records.jsonl"
    args = ["--vehicles", 20, "--count", COUNT, "--seed", 3, "--start", START, "--faults", "0.01"]
    run_smartcity("simulate", *args, "--output", out)
    result = run_smartcity("simulate", *args, "--brokers", kafka.bootstrap, "--partitions", 3)
    return [json.loads(line) for line in out.read_text().splitlines()], read_all(
        kafka.bootstrap), result.stderr


def payload_of(line):
    if line["value"] is None:
        return base64.b64decode(line["raw_base64"])
    return json.dumps(line["value"], separators=(",", ":")).encode()


def test_counts_per_topic_and_no_duplicates(published):
    expected, produced, stderr = published
    assert len(produced) == COUNT
    for topic in TOPICS:
        assert sum(1 for k in produced if k[0] == topic) == sum(
            1 for line in expected if line["topic"] == topic), topic
    assert f"{COUNT} delivered" in stderr


def test_each_device_stays_on_one_partition_in_order(published):
    _, produced, _ = published
    partitions = {}
    last_time = {}
    for (topic, partition, offset), (key, payload) in sorted(produced.items()):
        partitions.setdefault((topic, key), set()).add(partition)
        try:
            value = json.loads(payload)
        except ValueError:
            continue  # a fault record
        timestamp = value.get("timestamp")
        if not isinstance(timestamp, str):
            continue
        previous = last_time.get((topic, key))
        assert previous is None or previous <= timestamp, (topic, key, offset)
        last_time[(topic, key)] = timestamp
    assert all(len(p) == 1 for p in partitions.values())
    assert len({key for _, key in partitions}) == 20


def comparable(payload: bytes):
    """Parsed JSON where the payload is JSON (--output re-indents nothing, but
    Python's json module would), else the raw bytes."""
    try:
        return ("json", json.dumps(json.loads(payload.decode("utf-8")), sort_keys=True))
    except ValueError:
        return ("raw", payload)


def test_output_and_kafka_carry_the_same_records(published):
    """The same seed gives the same records, whether written to a file or to
    Kafka; every record arrives intact and keyed by its device."""
    expected, produced, _ = published
    want = sorted((line["topic"], line["key"], comparable(payload_of(line))) for line in expected)
    got = sorted((topic, key.decode(), comparable(payload))
                 for (topic, _, _), (key, payload) in produced.items())
    assert len(want) == len(got)
    mismatched = sum(1 for w, g in zip(want, got) if w != g)
    assert mismatched == 0, f"{mismatched} records differ"


def test_broker_keeps_records_across_ctrl_c_and_refuses_a_busy_port(tmp_path):
    port = free_port()
    data = tmp_path / "broker"
    broker = subprocess.Popen([SMARTCITY, "broker", "--port", str(port), "--data", str(data)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    bootstrap = broker.stdout.readline().strip()
    assert bootstrap == f"127.0.0.1:{port}"
    try:
        run_smartcity("simulate", "--brokers", bootstrap, "--count", 500, "--seed", 1)
        busy = run_smartcity("broker", "--port", port, "--data", tmp_path / "other", check=False,
                             timeout=60)
        assert busy.returncode == 1
        errors = [l for l in busy.stderr.splitlines() if "error" in l]
        assert len(errors) == 1 and "in use" in errors[0], busy.stderr
        assert "Traceback" not in busy.stderr and "terminate" not in busy.stderr
    finally:
        broker.send_signal(signal.SIGINT)
        assert broker.wait(timeout=60) == 0, broker.stderr.read()
    broker = subprocess.Popen([SMARTCITY, "broker", "--port", str(port), "--data", str(data)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert broker.stdout.readline().strip() == bootstrap
        assert len(read_all(bootstrap)) == 500
    finally:
        broker.send_signal(signal.SIGINT)
        broker.wait(timeout=60)


def test_unreachable_broker_is_one_line_within_15_seconds():
    started = time.monotonic()
    result = run_smartcity("simulate", "--brokers", "127.0.0.1:1", "--count", 10, check=False,
                           timeout=60)
    assert time.monotonic() - started < 15
    assert result.returncode == 1
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "cannot reach Kafka at 127.0.0.1:1" in lines[0], result.stderr


def test_bad_flag_prints_usage_and_exits_2():
    result = run_smartcity("simulate", "--vehicles", "lots", check=False)
    assert result.returncode == 2
    assert "Usage" in result.stderr or "--help" in result.stderr
    result = run_smartcity("stream", "--lake", "/tmp/x", "--roll-interval", "5 parsecs",
                           "--brokers", "127.0.0.1:1", check=False)
    assert result.returncode == 2 and "--roll-interval" in result.stderr
