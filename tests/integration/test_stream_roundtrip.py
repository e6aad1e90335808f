"""Round trip on the real Kafka broker: simulate a fleet with faults, stream it
into a lake, then check with pyarrow and with DuckDB's Python package (neither
uses smartcity's code) that every produced offset is in the lake exactly once,
that values equal what was produced, and that every bad record is a dead letter
with a reason."""

import collections
import datetime as dt
import math

import duckdb
import pyarrow.dataset as ds
import pytest

from conftest import TABLES, committed_files, hidden_leftovers, run_smartcity, visible_data_files
from kafka_records import read_all
from lake_contract import Invalid, expected_row

EVENTS = 20_000


@pytest.fixture(scope="module")
def streamed(kafka, tmp_path_factory):
    lake = tmp_path_factory.mktemp("lake")
    run_smartcity("simulate", "--brokers", kafka.bootstrap, "--vehicles", 25, "--count", EVENTS,
                  "--faults", "0.01", "--seed", 7, "--start", "2026-11-25T10:58:00Z",
                  "--rate", 0)
    result = run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake,
                           "--until-caught-up", "--roll-interval", "2s")
    return lake, read_all(kafka.bootstrap), result.stderr


def lake_rows(lake):
    """{table: list of row dicts}, read by pyarrow with hive partitioning."""
    tables = {}
    for table in list(TABLES.values()) + ["dead_letters"]:
        folder = lake / table
        if not folder.exists():
            tables[table] = []
            continue
        dataset = ds.dataset(folder, format="parquet", partitioning="hive")
        tables[table] = dataset.to_table().to_pylist()
    return tables


def test_every_offset_exactly_once_by_pyarrow(streamed):
    lake, produced, _ = streamed
    assert len(produced) == EVENTS
    seen = collections.Counter()
    for table, rows in lake_rows(lake).items():
        for row in rows:
            seen[(row["_topic"], row["_partition"], row["_offset"])] += 1
    duplicates = [k for k, n in seen.items() if n > 1]
    assert not duplicates, f"{len(duplicates)} offsets twice, e.g. {duplicates[:3]}"
    assert set(seen) == set(produced)


def test_every_offset_exactly_once_by_duckdb(streamed):
    lake, produced, _ = streamed
    union = " UNION ALL ".join(
        f"SELECT _topic, _partition, _offset FROM read_parquet('{lake}/{t}/*/*/*.parquet')"
        for t in list(TABLES.values()) + ["dead_letters"])
    con = duckdb.connect()
    total, distinct = con.execute(
        f"SELECT count(*), count(DISTINCT (_topic, _partition, _offset)) FROM ({union})").fetchone()
    assert total == distinct == len(produced)
    # Offsets of each partition are contiguous from 0: nothing skipped.
    gaps = con.execute(
        f"SELECT _topic, _partition, max(_offset) + 1 - count(*) FROM ({union}) "
        "GROUP BY ALL HAVING max(_offset) + 1 <> count(*)").fetchall()
    assert gaps == []


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=0) or a == b
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a == b
    return a == b


def test_values_equal_what_was_produced(streamed):
    lake, produced, _ = streamed
    checked = 0
    for table, rows in lake_rows(lake).items():
        if table == "dead_letters":
            continue
        for row in rows:
            key = (row["_topic"], row["_partition"], row["_offset"])
            expected = expected_row(row["_topic"], produced[key][1])
            for name, value in expected.items():
                assert _same(row[name], value), f"{key} {name}: lake {row[name]!r} != {value!r}"
            checked += 1
    assert checked > EVENTS * 0.95


def test_bad_records_are_dead_letters_with_raw_bytes_and_reason(streamed):
    lake, produced, _ = streamed
    dead = lake_rows(lake)["dead_letters"]
    assert dead, "a 1% fault rate over 20,000 records produced no dead letters"
    for row in dead:
        key = (row["_topic"], row["_partition"], row["_offset"])
        assert row["raw"] == produced[key][1]
        assert row["key"] == (produced[key][0] or b"").decode("utf-8", "replace")
        assert row["reason"], key
        with pytest.raises(Invalid):
            expected_row(row["_topic"], produced[key][1])
    # And conversely: every record our reference rejects is a dead letter.
    dead_keys = {(r["_topic"], r["_partition"], r["_offset"]) for r in dead}
    for key, (_, payload) in produced.items():
        try:
            expected_row(key[0], payload)
        except Invalid:
            assert key in dead_keys, f"{key} is invalid but not a dead letter"


def test_only_committed_files_are_visible_and_nothing_is_left_over(streamed):
    lake, _, _ = streamed
    assert visible_data_files(lake) == committed_files(lake)
    assert hidden_leftovers(lake) == []


def test_parquet_types_are_real_types(streamed):
    lake, _, _ = streamed
    schema = ds.dataset(lake / "vehicle", format="parquet", partitioning="hive").schema
    assert str(schema.field("timestamp").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("year").type) == "int32"
    assert str(schema.field("speed").type) == "double"
    assert str(schema.field("_offset").type) == "int64"
    assert str(schema.field("_ingested_at").type) == "timestamp[us, tz=UTC]"
    weather = ds.dataset(lake / "weather", format="parquet", partitioning="hive").schema
    assert str(weather.field("humidity").type) == "int32"


def test_files_live_under_date_and_hour_of_event_time(streamed):
    lake, _, _ = streamed
    con = duckdb.connect()
    mismatched = con.execute(
        f"SELECT count(*) FROM read_parquet('{lake}/vehicle/*/*/*.parquet', "
        "hive_partitioning=true, hive_types_autocast=false) "
        "WHERE strftime(timezone('UTC', timestamp), '%Y-%m-%d') <> date "
        "OR strftime(timezone('UTC', timestamp), '%H') <> hour").fetchone()[0]
    assert mismatched == 0


def test_summary_line_reports_the_totals(streamed):
    _, produced, stderr = streamed
    assert f"{len(produced)} records" in stderr
