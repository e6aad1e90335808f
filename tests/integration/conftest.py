"""Shared fixtures for integration tests: the smartcity binary, a real Kafka
broker per test module (scripts/kafka, KRaft on 127.0.0.1), and readers of the
lake that do not use smartcity's code (pyarrow, DuckDB's Python package)."""

import json
import os
import pathlib
import socket
import subprocess
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMARTCITY = os.environ.get("SMARTCITY_BIN", str(ROOT / "build" / "release" / "smartcity"))
KAFKA_SCRIPT = ROOT / "scripts" / "kafka"
TOPICS = ["vehicle_data", "gps_data", "traffic_data", "weather_data", "emergency_data"]
TABLES = {"vehicle_data": "vehicle", "gps_data": "gps", "traffic_data": "traffic",
          "weather_data": "weather", "emergency_data": "emergency"}


class KafkaBroker:
    def __init__(self, data: pathlib.Path, settings=None):
        """`settings` ({key: value}) override the broker's properties."""
        self.data = data
        self.settings = settings or {}
        self.bootstrap = None

    def start(self):
        overrides = [arg for key, value in self.settings.items()
                     for arg in ("-X", f"{key}={value}")]
        out = subprocess.run([str(KAFKA_SCRIPT), "start", "--data", str(self.data), *overrides],
                             check=True, capture_output=True, text=True, timeout=180)
        self.bootstrap = out.stdout.strip().splitlines()[-1]
        return self.bootstrap

    def kill(self):
        """Kills the broker with SIGKILL, as a crash would; start() brings it
        back on the same port with the same data."""
        subprocess.run([str(KAFKA_SCRIPT), "kill", "--data", str(self.data)],
                       check=True, capture_output=True, text=True, timeout=60)

    def stop(self):
        subprocess.run([str(KAFKA_SCRIPT), "stop", "--data", str(self.data)],
                       check=False, capture_output=True, text=True, timeout=120)


def run_service(service):
    """Fixture body: starts `service`, hands it to the tests, stops it."""
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def kafka(tmp_path_factory):
    yield from run_service(KafkaBroker(tmp_path_factory.mktemp("kafka")))


S3_SCRIPT = ROOT / "scripts" / "s3-test-server"
S3_ACCESS_KEY = "smartcity-test"
S3_SECRET_KEY = "smartcity-test-secret"


class S3Server:
    """A real S3-compatible server (S3Proxy, signature checks on) on 127.0.0.1,
    started by scripts/s3-test-server with one bucket, "lake"."""

    bucket = "lake"

    def __init__(self, data: pathlib.Path):
        self.data = data
        self.endpoint = None

    def start(self):
        out = subprocess.run([str(S3_SCRIPT), "start", "--data", str(self.data), "--bucket",
                              self.bucket], check=True, capture_output=True, text=True,
                             timeout=120)
        self.endpoint = out.stdout.strip().splitlines()[-1]
        return self.endpoint

    def kill(self):
        subprocess.run([str(S3_SCRIPT), "kill", "--data", str(self.data)], check=True,
                       capture_output=True, text=True, timeout=60)

    def stop(self):
        subprocess.run([str(S3_SCRIPT), "stop", "--data", str(self.data)], check=False,
                       capture_output=True, text=True, timeout=60)

    def env(self, cache_dir, secret=S3_SECRET_KEY):
        """The environment smartcity reads its S3 settings from, as AWS tools do."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_ENDPOINT_URL=self.endpoint, AWS_REGION="us-east-1",
                   SMARTCITY_CACHE_DIR=str(cache_dir))
        return env

    def curl(self, path, *args):
        """A request signed by curl's own SigV4 code (not smartcity's), for
        what pyarrow cannot ask: multipart uploads. Returns the body."""
        empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        return subprocess.run(
            ["curl", "-sf", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
             f"{S3_ACCESS_KEY}:{S3_SECRET_KEY}", "-H", f"x-amz-content-sha256: {empty}", *args,
             f"{self.endpoint}/{self.bucket}/{path}"],
            capture_output=True, text=True, check=True, timeout=60).stdout

    def incomplete_uploads(self):
        return self.curl("?uploads=")

    def filesystem(self):
        """pyarrow's own S3 client: an independent reader of what the bucket holds."""
        from pyarrow import fs
        return fs.S3FileSystem(access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY,
                               endpoint_override=self.endpoint.removeprefix("http://"),
                               scheme="http", region="us-east-1", allow_bucket_creation=False)

    def keys(self, prefix):
        """Every object key under `prefix` (hidden ones included), via pyarrow."""
        from pyarrow import fs
        infos = self.filesystem().get_file_info(fs.FileSelector(f"{self.bucket}/{prefix}",
                                                                recursive=True))
        return sorted(i.path.removeprefix(f"{self.bucket}/{prefix}/") for i in infos
                      if i.type == fs.FileType.File)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    yield from run_service(S3Server(tmp_path_factory.mktemp("s3")))


@pytest.fixture
def spark(tmp_path):
    """A local Spark session (pyspark), one core, stopped after the test."""
    from pyspark.sql import SparkSession
    session = (SparkSession.builder.master("local[1]").appName("smartcity-test")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.warehouse.dir", str(tmp_path / "spark-warehouse"))
               .config("spark.driver.memory", "512m")
               .getOrCreate())
    yield session
    session.stop()


def start_simulator(bootstrap, log_dir: pathlib.Path, vehicles, count, rate, seed, *extra):
    """`smartcity simulate` in the background (stderr to log_dir/simulate.log)."""
    return subprocess.Popen(
        [SMARTCITY, "simulate", "--brokers", bootstrap, "--vehicles", str(vehicles), "--count",
         str(count), "--rate", str(rate), "--seed", str(seed), *map(str, extra)],
        stdout=subprocess.DEVNULL, stderr=open(log_dir / "simulate.log", "wb"))


def run_smartcity(*args, timeout=600, check=True, **kwargs):
    """Runs the smartcity binary; returns the CompletedProcess."""
    result = subprocess.run([SMARTCITY, *map(str, args)], capture_output=True, text=True,
                            timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"smartcity {' '.join(map(str, args))} exited "
                             f"{result.returncode}\nstderr:\n{result.stderr[-4000:]}")
    return result


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(lake, *args, env=None):
    """`smartcity serve` on a free port, once it answers; returns (process, base URL)."""
    port = free_port()
    process = subprocess.Popen([SMARTCITY, "serve", "--lake", str(lake), "--port", str(port),
                                *args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.1)
    raise AssertionError(process.stderr.read().decode())


def stream_simulated_lake(kafka, lake, vehicles, count, seed, start, *extra):
    """Fills `lake` the way users do: simulate a fleet into Kafka, then
    `stream --until-caught-up`. Returns the lake."""
    run_smartcity("simulate", "--brokers", kafka.bootstrap, "--vehicles", vehicles, "--count",
                  count, "--seed", seed, "--start", start, *extra)
    run_smartcity("stream", "--brokers", kafka.bootstrap, "--lake", lake, "--until-caught-up")
    return lake


def committed_files(lake: pathlib.Path):
    """Paths of the files the commit log names, read straight from the JSON."""
    files = set()
    for record in sorted((lake / "_smartcity" / "commits").glob("*.json")):
        for entry in json.loads(record.read_text())["files"]:
            files.add(entry["path"])
    return files


def visible_data_files(lake: pathlib.Path):
    """Every non-hidden Parquet file under the table folders, relative to the lake."""
    result = set()
    for path in lake.rglob("*.parquet"):
        rel = path.relative_to(lake)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        result.add(rel.as_posix())
    return result


def hidden_leftovers(lake: pathlib.Path):
    return sorted(p.relative_to(lake).as_posix() for p in lake.rglob(".*.tmp")
                  if "_smartcity" not in p.parts)


def assert_offsets_exactly_once(bootstrap, table_dataset, expected_records: int):
    """Every record in the five topics (read back with kcat) is in exactly one
    row of the lake's tables or dead letters. `table_dataset(name)` gives a
    pyarrow dataset of one table folder, or None if the lake has none."""
    import collections

    from kafka_records import read_all

    produced = read_all(bootstrap)
    assert len(produced) == expected_records
    seen = collections.Counter()
    for table in list(TABLES.values()) + ["dead_letters"]:
        dataset = table_dataset(table)
        if dataset is None:
            continue
        t = dataset.to_table(columns=["_topic", "_partition", "_offset"])
        for topic, partition, offset in zip(*(t.column(c).to_pylist() for c in t.column_names)):
            seen[(topic, partition, offset)] += 1
    duplicated = [k for k, n in seen.items() if n != 1]
    assert not duplicated, f"{len(duplicated)} offsets more than once: {duplicated[:5]}"
    missing = set(produced) - set(seen)
    assert not missing, f"{len(missing)} offsets missing: {sorted(missing)[:5]}"


def assert_every_offset_exactly_once(bootstrap, lake: pathlib.Path, expected_records: int):
    """As assert_offsets_exactly_once, for a local lake, which must also hold
    no orphan, unpublished or temporary file."""
    import pyarrow.dataset as ds

    def table_dataset(table):
        if not (lake / table).exists():
            return None
        return ds.dataset(lake / table, format="parquet", partitioning="hive")

    assert_offsets_exactly_once(bootstrap, table_dataset, expected_records)
    assert visible_data_files(lake) == committed_files(lake), "orphan or unpublished files"
    assert hidden_leftovers(lake) == []
