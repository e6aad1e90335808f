"""The stream against records written the original way, and against time:
an idle topic's single record becomes visible within the roll interval, and
with --roll-interval 5s a record is in a committed file within 6 s."""

import datetime as dt
import signal
import subprocess
import time

import duckdb
import pyarrow.dataset as ds
import pytest

from conftest import SMARTCITY, TABLES, committed_files, run_smartcity
from seed_producer import produce


def test_records_from_the_original_python_producer_land_correctly(kafka, tmp_path):
    sent = produce(kafka.bootstrap, steps=100)
    lake = tmp_path / "lake"
    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake, "--until-caught-up",
                  "--group", "seed-compat")
    assert not (lake / "dead_letters").exists(), "a seed-shaped record was refused"
    for topic, table in TABLES.items():
        rows = {r["id"]: r for r in ds.dataset(lake / table, format="parquet",
                                                partitioning="hive").to_table().to_pylist()}
        assert len(rows) == len(sent[topic]) == 100, table
        for data in sent[topic]:
            row = rows[str(data["id"])]
            assert row["device_id"] == data["deviceId"]
            naive = dt.datetime.fromisoformat(data["timestamp"])
            assert row["timestamp"] == naive.replace(tzinfo=dt.timezone.utc), "zone-less is UTC"
            if "location" in data:
                assert (row["latitude"], row["longitude"]) == tuple(data["location"])
            else:
                assert row["latitude"] is None and row["longitude"] is None
            if topic == "vehicle_data":
                assert row["year"] == 2024 and row["fuel_type"] == "Hybrid"
            if topic == "weather_data":
                condition = {"Rain": "Rainy", "Snow": "Snowy"}.get(data["weatherCondition"],
                                                                    data["weatherCondition"])
                assert row["weather_condition"] == condition
                assert row["humidity"] == data["humidity"]
                assert row["wind_speed"] == data["windSpeed"]
            if topic == "emergency_data":
                assert row["incident_id"] == str(data["incidentId"])


def visible_rows(lake, table):
    files = [f for f in committed_files(lake) if f.startswith(table + "/")]
    if not files:
        return 0
    paths = [str(lake / f) for f in files if (lake / f).exists()]
    return duckdb.connect().execute(
        f"SELECT count(*) FROM read_parquet({paths!r})").fetchone()[0] if paths else 0


@pytest.fixture
def running_stream(kafka, tmp_path):
    lake = tmp_path / "lake"
    log = open(tmp_path / "stream.log", "wb")
    process = subprocess.Popen([SMARTCITY, "stream", "--brokers", kafka.bootstrap, "--lake",
                                str(lake), "--roll-interval", "5s", "--group", "freshness"],
                               stdout=log, stderr=log)
    # Wait until it has joined and committed what was already there.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lake / "_smartcity" / "status.json").exists():
        time.sleep(0.2)
    time.sleep(6)
    yield lake
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0


def test_idle_topic_record_is_visible_within_the_roll_interval(kafka, running_stream):
    lake = running_stream
    before = visible_rows(lake, "emergency")
    produce_one(kafka.bootstrap)
    sent_at = time.monotonic()
    while visible_rows(lake, "emergency") == before:
        assert time.monotonic() - sent_at < 6.0, "the record waited for a record that never came"
        time.sleep(0.1)
    print(f"visible after {time.monotonic() - sent_at:.2f} s")


def produce_one(bootstrap):
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce("emergency_data", key="Vehicle-1", value=(
        b'{"id": "lonely-1", "deviceId": "Vehicle-1", "incidentId": "i-1", "type": "Fire", '
        b'"timestamp": "2026-11-25T09:00:00", "location": [51.5, -0.1], "status": "Active", '
        b'"description": "Description of the incident"}'))
    assert producer.flush(10) == 0


def test_a_record_is_committed_within_6_seconds_of_being_produced(kafka, running_stream):
    lake = running_stream
    worst = 0.0
    for _ in range(3):
        before = visible_rows(lake, "emergency")
        produce_one(kafka.bootstrap)
        sent_at = time.monotonic()
        while visible_rows(lake, "emergency") == before:
            assert time.monotonic() - sent_at < 6.0
            time.sleep(0.05)
        worst = max(worst, time.monotonic() - sent_at)
        time.sleep(1.3)
    print(f"worst freshness {worst:.2f} s")


def test_a_stream_of_another_group_on_the_same_lake_is_refused(kafka, running_stream):
    """Members of one group share a lake (test_stream_many_writers.py); a
    stream of another group would read every record a second time, so it is
    refused with one line naming the group to use."""
    lake = running_stream
    second = run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake,
                           "--group", "intruder", check=False, timeout=60)
    assert second.returncode == 2
    errors = [line for line in second.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, second.stderr
    assert "one lake takes one group" in errors[0] and "--group " in errors[0], errors[0]
    status = (lake / "_smartcity" / "status.json").read_text()
    assert '"state": "running"' in status
