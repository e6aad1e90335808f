"""Smoke runs of bench/spark-vs-smartcity with the Spark side switched off, so
that the harness cannot rot: it preloads a real broker, streams, checks the
lake against the broker and its own checksums, and writes its results. The
Spark side is exercised only by the benchmark itself (minutes, and Spark)."""

import json
import os
import pathlib
import subprocess
import sys

from conftest import ROOT, TABLES

HARNESS = ROOT / "bench" / "spark_vs_smartcity.py"
sys.path.insert(0, str(HARNESS.parent))
import spark_vs_smartcity  # noqa: E402


def run_harness(tmp_path, *args):
    out = subprocess.run([sys.executable, str(HARNESS), "--no-spark", "--results-dir",
                          str(tmp_path), *args], capture_output=True, text=True, timeout=600,
                         env=dict(os.environ))
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def only(tmp_path, pattern):
    found = list(tmp_path.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_throughput_smoke_checks_outputs_and_writes_results(tmp_path):
    run_harness(tmp_path, "--events", "5000", "--runs", "2")
    result = json.loads(only(tmp_path, "*-spark-vs-smartcity.json").read_text())
    assert result["events"] == 5000
    assert result["outputs_agree"] is True
    assert [r["run"] for r in result["runs"]] == [0, 1]
    for run in result["runs"]:
        assert run["system"] == "smartcity"
        assert run["wall_s"] > 0 and run["events_per_s"] > 0 and run["peak_rss_mb"] > 10
        assert run["cpu_s_per_million"] > 0 and run["files_written"] >= len(TABLES)
    rows = {table: sums[0] for table, sums in result["checksums"]["smartcity"].items()}
    assert rows == {table: 1000 for table in TABLES.values()}
    assert only(tmp_path, "*-spark-vs-smartcity.png").stat().st_size > 5000
    assert "| smartcity |" in only(tmp_path, "*-spark-vs-smartcity.md").read_text()


def test_freshness_smoke_measures_every_record(tmp_path):
    run_harness(tmp_path, "--freshness", "--rate", "2000", "--duration", "4", "--interval", "1")
    result = json.loads(only(tmp_path, "*-freshness.json").read_text())
    (ours,) = result["systems"]
    assert result["complete"] is True
    assert ours["produced"] == ours["committed"] > 0
    # Commits every second plus polling: a record older than a minute is a bug.
    assert 0 < ours["p50_s"] <= ours["p99_s"] <= ours["max_s"] < 60


def test_checksums_see_a_changed_coordinate(tmp_path):
    """The agreement check is only worth something if it notices a difference:
    the same rows with one longitude changed must not checksum alike."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    base = {"id": ["a", "b"], "deviceId": ["V-1", "V-2"],
            "timestamp": pa.array([1_700_000_000_000_000, 1_700_000_001_000_000],
                                  pa.timestamp("us")),
            "location": ["[51.5, -0.12]", "[52.48, -1.89]"]}
    changed = dict(base, location=["[51.5, -0.12]", "[52.48, -1.88]"])
    sums = []
    for name, columns in (("base", base), ("changed", changed)):
        for table in TABLES.values():
            folder = tmp_path / name / table
            folder.mkdir(parents=True)
            pq.write_table(pa.table(columns), folder / "part-0.parquet")
        sums.append(spark_vs_smartcity.key_checksums(tmp_path / name, "spark"))
    assert sums[0]["vehicle"][0] == sums[1]["vehicle"][0] == 2
    assert sums[0]["vehicle"][1] != sums[1]["vehicle"][1]
    # gps is compared without coordinates (the seed's gps schema has none).
    assert sums[0]["gps"] == sums[1]["gps"]


def test_connector_jars_are_matched_by_artifact_name():
    assert spark_vs_smartcity.artifact_name("kafka-clients-3.9.1.jar") == "kafka-clients"
    assert spark_vs_smartcity.artifact_name(
        "spark-sql-kafka-0-10_2.13-4.0.1.jar") == "spark-sql-kafka-0-10_2.13"
    assert spark_vs_smartcity.artifact_name("zstd-jni-1.5.6-9.jar") == "zstd-jni"
