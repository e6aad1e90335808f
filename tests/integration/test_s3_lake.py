"""The lake on a real S3-compatible server (S3Proxy with signature checks, on
127.0.0.1, from scripts/s3-test-server): the stream writes it, query and crawl
read it through their cache, and pyarrow reads the objects straight from the
server as Athena would. Also: a wrong secret, SIGKILLs of the stream, and the
server itself killed mid-stream and started again."""

import json
import pathlib
import random
import re
import signal
import subprocess
import time

import pyarrow.dataset as ds
import pytest

from conftest import (SMARTCITY, TABLES, assert_offsets_exactly_once, run_smartcity,
                      start_simulator)

PREFIX = "city"

# Writers renew their lease every 5 s and are dead 30 s after the last
# renewal (src/lake/s3_lake_storage.h); a test that needs dead writers' staged
# objects cleaned up waits this long.
LEASE_TIMEOUT_S = 31


def lake_url(prefix):
    return f"s3://lake/{prefix}"


def server_leftover(key):
    """S3Proxy itself writes each upload or copy to a temporary "<name>.tmp-<uuid>"
    or "<name>-<uuid>" (both seen after a kill) and renames it when complete; a
    server killed mid-write leaves that file, which a real S3 has no equivalent
    of: it is neither smartcity's nor an object, and when it is a finished copy
    of a data file, reading it would count its rows twice."""
    return re.search(r"(\.tmp)?-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                     key) is not None


def hidden(key):
    return any(part.startswith((".", "_")) for part in key.split("/"))


def table_datasets(s3, prefix):
    """pyarrow datasets read from the server itself, skipping hidden names
    the way Athena and Spark do (and the server's own leftovers)."""
    filesystem = s3.filesystem()
    keys = s3.keys(prefix)

    def table_dataset(table):
        paths = [f"{s3.bucket}/{prefix}/{k}" for k in keys
                 if k.startswith(table + "/") and not hidden(k) and not server_leftover(k)]
        if not paths:
            return None
        return ds.dataset(paths, filesystem=filesystem, format="parquet", partitioning="hive",
                          partition_base_dir=f"{s3.bucket}/{prefix}/{table}")
    return table_dataset


def committed_paths(s3, prefix):
    filesystem = s3.filesystem()
    paths = set()
    for key in s3.keys(prefix):
        if key.startswith("_smartcity/commits/"):
            with filesystem.open_input_stream(f"{s3.bucket}/{prefix}/{key}") as f:
                paths.update(entry["path"] for entry in json.loads(f.read())["files"])
    return paths


def assert_s3_lake_exactly_once(s3, prefix, bootstrap, expected):
    assert_offsets_exactly_once(bootstrap, table_datasets(s3, prefix), expected)
    keys = s3.keys(prefix)
    # Everything hidden but the server's own leftovers would be smartcity's.
    data = {k for k in keys if not k.startswith("_smartcity/") and not server_leftover(k)}
    hidden = sorted(k for k in data if any(part.startswith(".") for part in k.split("/")))
    assert hidden == [], f"staged objects left behind: {hidden[:5]}"
    assert data == committed_paths(s3, prefix), "objects that no commit names, or missing ones"
    leases = [k for k in keys if k.startswith("_smartcity/writers/")]
    assert leases == [], f"writer leases left behind: {leases}"
    uploads = s3.incomplete_uploads()
    assert "<Upload>" not in uploads, f"incomplete multipart uploads: {uploads[:500]}"


def fresh_broker(kafka, tmp_path):
    """An empty broker for a test that counts every record in the topics."""
    kafka.stop()
    kafka.data = tmp_path / "kafka"
    kafka.start()


def test_stream_roundtrip_and_pyarrow_reads_the_same_rows_as_query(kafka, s3, tmp_path):
    fresh_broker(kafka, tmp_path)
    env = s3.env(tmp_path / "cache")
    run_smartcity("simulate", "--brokers", kafka.bootstrap, "--vehicles", "20", "--count",
                  "30000", "--seed", "5", "--faults", "0.01")
    result = run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake_url("round"),
                           "--until-caught-up", env=env)
    assert "s3://lake/round at http://127.0.0.1" in result.stderr
    assert_s3_lake_exactly_once(s3, "round", kafka.bootstrap, 30000)

    datasets = table_datasets(s3, "round")
    for table in TABLES.values():
        query = run_smartcity("query", "--lake", lake_url("round"), "--format", "json",
                              f"SELECT count(*) AS n, sum(hash(id)) AS h FROM {table}", env=env)
        ours = json.loads(query.stdout)[0]
        t = datasets(table).to_table(columns=["id"])
        assert ours["n"] == t.num_rows > 0, table
        # Same rows, not just as many: DuckDB's hash over the ids that pyarrow read.
        import duckdb
        theirs = duckdb.sql("SELECT sum(hash(id)) AS h FROM t").fetchone()[0]
        assert int(ours["h"]) == int(theirs), table

    crawl = run_smartcity("crawl", "--lake", lake_url("round"), "--emit", "athena", env=env)
    assert "LOCATION 's3://lake/round/vehicle/'" in crawl.stdout


def test_a_wrong_secret_is_access_denied_in_one_line(s3, tmp_path):
    env = s3.env(tmp_path / "cache", secret="not-the-secret")
    for args in (["query", "--lake", lake_url("round"), "SELECT 1"],
                 ["stream", "--brokers", "127.0.0.1:1", "--lake", lake_url("round")]):
        result = run_smartcity(*args, env=env, check=False, timeout=60)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "access denied" in lines[0] and "403" in lines[0], lines[0]
        assert "not-the-secret" not in result.stderr


def test_no_credentials_and_missing_bucket_say_what_to_do(s3, tmp_path):
    env = {k: v for k, v in s3.env(tmp_path / "cache").items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    env["HOME"] = str(tmp_path)  # no ~/.aws either
    result = run_smartcity("query", "--lake", lake_url("round"), "SELECT 1", env=env,
                           check=False)
    assert result.returncode == 2 and "no AWS credentials" in result.stderr

    result = run_smartcity("query", "--lake", "s3://no-such-bucket/x", "SELECT 1",
                           env=s3.env(tmp_path / "cache"), check=False)
    assert result.returncode == 1 and "does not exist" in result.stderr


def start_stream(bootstrap, prefix, env, log):
    return subprocess.Popen([SMARTCITY, "stream", "--brokers", bootstrap, "--lake",
                             lake_url(prefix), "--roll-interval", "400ms"], stdout=log,
                            stderr=log, env=env)


def test_sigkill_at_random_moments_on_s3(kafka, s3, tmp_path):
    """The stream issue's crash test with the lake on S3: the stream killed
    with SIGKILL twelve times and the broker once while the simulator
    produces; then, once the dead writers' leases have expired, a last run
    cleans up what they had staged."""
    fresh_broker(kafka, tmp_path)
    env = s3.env(tmp_path / "cache")
    events = 60_000
    rng = random.Random(8)
    log = open(tmp_path / "stream.log", "ab")
    producer = start_simulator(kafka.bootstrap, tmp_path, 30, events, 6000, 12, "--faults",
                               "0.005")
    stream = start_stream(kafka.bootstrap, "crash", env, log)
    for kill in range(12):
        time.sleep(rng.uniform(0.3, 2.0))
        stream.send_signal(signal.SIGKILL)
        stream.wait()
        if kill == 6:
            kafka.kill()  # the broker too, as in the stream issue's crash test
            kafka.start()
        stream = start_stream(kafka.bootstrap, "crash", env, log)
    assert producer.wait(timeout=600) == 0, (tmp_path / "simulate.log").read_text()[-2000:]
    stream.send_signal(signal.SIGKILL)
    stream.wait()
    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake_url("crash"),
                  "--until-caught-up", "--roll-interval", "2s", env=env)
    assert_offsets_exactly_once(kafka.bootstrap, table_datasets(s3, "crash"), events)

    time.sleep(LEASE_TIMEOUT_S)
    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake_url("crash"),
                  "--until-caught-up", env=env)
    assert_s3_lake_exactly_once(s3, "crash", kafka.bootstrap, events)


def test_server_killed_mid_stream_the_stream_waits_and_loses_nothing(kafka, s3, tmp_path):
    fresh_broker(kafka, tmp_path)
    env = s3.env(tmp_path / "cache")
    events = 40_000
    producer = start_simulator(kafka.bootstrap, tmp_path, 20, events, 4000, 13)
    log_path = tmp_path / "stream.log"
    stream = start_stream(kafka.bootstrap, "outage", env, open(log_path, "ab"))
    time.sleep(3)
    s3.kill()  # SIGKILL: uploads in flight are cut off
    time.sleep(6)
    s3.start()
    assert producer.wait(timeout=600) == 0
    time.sleep(3)
    stream.send_signal(signal.SIGTERM)
    assert stream.wait(timeout=120) == 0, log_path.read_text()[-3000:]
    log = log_path.read_text()
    assert "waiting for S3" in log, log[-3000:]
    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake_url("outage"),
                  "--until-caught-up", env=env)
    assert_s3_lake_exactly_once(s3, "outage", kafka.bootstrap, events)


def test_a_large_file_goes_up_in_parts_and_arrives_whole(s3, tmp_path):
    """40 MiB through S3Client::upload_file: a multipart upload (8 MiB parts,
    several in flight), read back and compared by SHA-256, with no incomplete
    upload left on the server."""
    bench = pathlib.Path(SMARTCITY).parent / "bench" / "s3_upload_bench"
    result = subprocess.run([str(bench), "s3://lake/multipart", "40", "0"], capture_output=True,
                            text=True, timeout=300, env=s3.env(tmp_path / "cache"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == {"same_bytes": True, "incomplete_uploads": False,
                                         "bytes": 40 << 20}
    with s3.filesystem().open_input_stream(f"{s3.bucket}/multipart/upload.bin") as f:
        assert len(f.read()) == 40 << 20


def test_serve_reads_an_s3_lake_and_follows_new_commits(kafka, s3, tmp_path):
    import socket
    import urllib.request

    fresh_broker(kafka, tmp_path)
    env = s3.env(tmp_path / "cache")

    def stream_more(seed):
        run_smartcity("simulate", "--brokers", kafka.bootstrap, "--vehicles", "5", "--count",
                      "5000", "--seed", seed)
        run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake_url("serve"),
                      "--until-caught-up", env=env)

    def table_rows(base):
        with urllib.request.urlopen(base + "/api/tables", timeout=30) as response:
            return sum(t["rows"] for t in json.loads(response.read()))

    stream_more(1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([SMARTCITY, "serve", "--lake", lake_url("serve"), "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                first = table_rows(base)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(server.stderr.read().decode())
        assert first == 5000  # no faults: every event is a row
        stream_more(2)
        deadline = time.monotonic() + 20
        while table_rows(base) != 10000:
            assert time.monotonic() < deadline, "serve did not pick up the new commit"
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_recovery_aborts_the_uploads_a_dead_writer_left_unfinished(kafka, s3, tmp_path):
    """A writer killed in the middle of a multipart upload leaves it open on
    the server (S3 keeps the parts, and bills them). The next writer's start
    aborts it, as it removes the dead writer's other staged files."""
    env = s3.env(tmp_path / "cache")
    staged = "unfinished/vehicle/date=2026-11-25/hour=03/.vehicle_data-p0-o1-2.parquet~dead.tmp"
    started = s3.curl(staged.replace("=", "%3D") + "?uploads=", "-X", "POST")
    assert "<UploadId>" in started
    assert "unfinished/" in s3.incomplete_uploads()
    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake_url("unfinished"),
                  "--until-caught-up", env=env)
    assert "unfinished/" not in s3.incomplete_uploads()
