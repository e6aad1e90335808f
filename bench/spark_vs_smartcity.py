#!/usr/bin/env python3
"""smartcity stream against the seed's Spark Structured Streaming job, side by
side on the same machine and the same bytes. Run it through
bench/spark-vs-smartcity, which installs and builds what it needs first.

Throughput mode (default): preloads N seed-shaped events into a real Kafka
broker, then runs each system until caught up into its own lake, alternating,
several runs each; measures wall time, CPU and peak RSS of the whole process
tree, bytes and files written; checks that both lakes hold every event with
the same key columns before it reports anything.

Freshness mode (--freshness): drives a steady rate for a while and measures,
for each record, the time from its Kafka timestamp (set when produced) to the
moment the file holding it was committed (seen by polling every 0.25 s)."""

import argparse
import datetime as dt
import json
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench_common import (ROOT, SMARTCITY, Broker, machine, run_measured, run_measured_tree)

TABLES = {"vehicle_data": "vehicle", "gps_data": "gps", "traffic_data": "traffic",
          "weather_data": "weather", "emergency_data": "emergency"}
# The seed's gps schema has no location, so gps is compared without coordinates.
WITHOUT_COORDINATES = {"gps"}

VENV = ROOT / ".deps" / "venv"
SPARK_SUBMIT = VENV / "bin" / "spark-submit"
SPARK_JOB = ROOT / "bench" / "spark_city_job.py"
SPARK_POM = ROOT / "bench" / "spark-kafka-pom.xml"
SPARK_LIBS = ROOT / ".deps" / "spark-kafka" / "libs"
# What a fair engineer sets for one machine: both cores, no web UI (it only
# costs), UTC so that zone-less seed timestamps mean what they mean to us.
# Everything else, compression (snappy) and driver memory (1 GiB) included, is
# Spark's default.
SPARK_SETTINGS = {"spark.master": "local[2]", "spark.ui.enabled": "false",
                  "spark.sql.session.timeZone": "UTC"}


def log(message):
    print(f"spark-vs-smartcity: {message}", file=sys.stderr, flush=True)


# ---- Spark and its Kafka connector ------------------------------------------

def spark_connector_jars():
    """The Kafka connector's jars that pyspark does not already carry, resolved
    with Maven into .deps/spark-kafka/libs on first use."""
    stamp = SPARK_LIBS.parent / ".complete"
    if not stamp.exists() or SPARK_POM.stat().st_mtime > stamp.stat().st_mtime:
        log("resolving the spark-sql-kafka connector with Maven")
        shutil.rmtree(SPARK_LIBS, ignore_errors=True)
        subprocess.run(["mvn", "-B", "-q", "-Dstyle.color=never", "-f", str(SPARK_POM),
                        f"-Dmaven.repo.local={ROOT / '.deps' / 'm2'}",
                        "dependency:copy-dependencies", "-DincludeScope=runtime",
                        f"-DoutputDirectory={SPARK_LIBS}"], check=True)
        stamp.touch()
    import pyspark
    carried = {artifact_name(j.name) for j in (pathlib.Path(pyspark.__file__).parent /
                                                "jars").glob("*.jar")}
    return sorted(str(j) for j in SPARK_LIBS.glob("*.jar") if artifact_name(j.name) not in carried)


def artifact_name(jar):
    """'kafka-clients-3.9.1.jar' -> 'kafka-clients'; 'zstd-jni-1.5.6-9.jar' ->
    'zstd-jni'. The version starts at the first dash-part shaped like 1.2, so
    the '0-10_2.13' inside 'spark-sql-kafka-0-10_2.13-4.0.1' stays in the name."""
    parts = jar.removesuffix(".jar").split("-")
    for i, part in enumerate(parts[1:], start=1):
        if re.match(r"\d+\.\d+", part):
            return "-".join(parts[:i])
    return "-".join(parts)


def spark_command(jars, brokers, out, checkpoints, extra):
    args = [str(SPARK_SUBMIT), "--jars", ",".join(jars)]
    for key, value in SPARK_SETTINGS.items():
        args += ["--conf", f"{key}={value}"]
    return args + [str(SPARK_JOB), "--brokers", brokers, "--out", str(out),
                   "--checkpoints", str(checkpoints), *extra]


def spark_env():
    env = dict(os.environ, PYSPARK_PYTHON=str(VENV / "bin" / "python"),
               SPARK_LOCAL_IP="127.0.0.1")
    return env


# ---- the lakes ----------------------------------------------------------------

def parquet_files(folder):
    """Visible Parquet files under folder (hidden ones are uncommitted or metadata)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(("_", "."))]
        found += [pathlib.Path(dirpath) / f for f in filenames
                  if f.endswith(".parquet") and not f.startswith(("_", "."))]
    return found


def output_size(folder):
    files = parquet_files(folder)
    return len(files), sum(f.stat().st_size for f in files)


def key_checksums(lake, system):
    """{table: [rows, checksum]} over id, device id, timestamp and coordinates,
    computed by DuckDB's Python package from the Parquet files alone."""
    import duckdb
    con = duckdb.connect()
    sums = {}
    for table in TABLES.values():
        if system == "smartcity":
            files = f"{lake}/{table}/**/*.parquet"
            keys = "id, device_id, epoch_us(timestamp)"
            coordinates = "latitude, longitude"
        else:
            files = f"{lake}/{table}/*.parquet"
            keys = "id, deviceId, epoch_us(timestamp)"
            coordinates = ("CAST(json_extract(location, '$[0]') AS DOUBLE), "
                           "CAST(json_extract(location, '$[1]') AS DOUBLE)")
        if table not in WITHOUT_COORDINATES:
            keys += ", " + coordinates
        rows, checksum = con.execute(
            f"SELECT count(*), coalesce(sum(hash({keys})), 0)::VARCHAR "
            f"FROM read_parquet('{files}')").fetchone()
        sums[table] = [rows, checksum]
    return sums


def produced_per_table(bootstrap):
    """{table: records in its topic}, from the broker's high watermarks."""
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "spark-vs-smartcity"})
    try:
        metadata = consumer.list_topics(timeout=30)
        counts = {}
        for topic, table in TABLES.items():
            counts[table] = sum(
                consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
                for p in metadata.topics[topic].partitions)
        return counts
    finally:
        consumer.close()


# ---- throughput ---------------------------------------------------------------

def run_smartcity(bootstrap, lake, group):
    wall, cpu, rss, stderr = run_measured_tree(
        [SMARTCITY, "stream", "--brokers", bootstrap, "--lake", str(lake), "--group", group,
         "--until-caught-up"])
    return wall, cpu, rss


def run_spark(jars, bootstrap, lake, checkpoints):
    wall, cpu, rss, stderr = run_measured_tree(
        spark_command(jars, bootstrap, lake, checkpoints, ["--available-now"]), env=spark_env())
    return wall, cpu, rss


def throughput(args, work, results):
    jars = [] if args.no_spark else spark_connector_jars()
    broker = Broker(work / "kafka", args.partitions)
    try:
        log(f"preloading {args.events:,} seed-shaped events into {broker.bootstrap}")
        run_measured([SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--wire", "seed",
                      "--vehicles", "100", "--count", str(args.events), "--seed",
                      str(args.seed), "--rate", "0", "--partitions", str(args.partitions)])
        expected = produced_per_table(broker.bootstrap)
        if sum(expected.values()) != args.events:
            sys.exit(f"the broker holds {sum(expected.values())} records, expected {args.events}")
        systems = ["smartcity"] + ([] if args.no_spark else ["spark"])
        runs, sums = [], {}
        for i in range(args.runs):
            # Alternate who goes first, so that neither always gets the warmer machine.
            for system in (systems if i % 2 == 0 else systems[::-1]):
                lake = work / f"{system}-lake-{i}"
                log(f"run {i}: {system}")
                if system == "smartcity":
                    wall, cpu, rss = run_smartcity(broker.bootstrap, lake, f"bench-{i}")
                else:
                    wall, cpu, rss = run_spark(jars, broker.bootstrap, lake,
                                               work / f"spark-checkpoints-{i}")
                files, size = output_size(lake)
                sums.setdefault(system, key_checksums(lake, system))
                runs.append({"system": system, "run": i, "wall_s": round(wall, 2),
                             "events_per_s": round(args.events / wall),
                             "cpu_s_per_million": round(cpu / args.events * 1e6, 3),
                             "peak_rss_mb": round(rss, 1), "bytes_written": size,
                             "files_written": files})
                log(f"run {i}: {runs[-1]}")
                shutil.rmtree(lake)
    finally:
        broker.stop()

    agree, disagreements = True, []
    for system, tables in sums.items():
        for table, (rows, checksum) in tables.items():
            if rows != expected[table]:
                agree = False
                disagreements.append(f"{system} {table}: {rows} rows, {expected[table]} produced")
    if len(sums) == 2 and sums["smartcity"] != sums["spark"]:
        agree = False
        for table in TABLES.values():
            if sums["smartcity"][table] != sums["spark"][table]:
                disagreements.append(f"{table}: key checksums differ "
                                     f"({sums['smartcity'][table]} vs {sums['spark'][table]})")
    for line in disagreements:
        log(f"outputs disagree: {line}")

    medians = {}
    for system in systems:
        mine = [r for r in runs if r["system"] == system]
        medians[system] = {k: statistics.median(r[k] for r in mine)
                           for k in ("wall_s", "events_per_s", "cpu_s_per_million",
                                     "peak_rss_mb", "bytes_written", "files_written")}
    result = {"events": args.events, "partitions": args.partitions, "seed": args.seed,
              "date": dt.date.today().isoformat(), "machine": machine(),
              "outputs_agree": agree, "disagreements": disagreements,
              "checksums": sums, "spark_settings": SPARK_SETTINGS,
              "runs": runs, "median": medians}
    if "spark" in medians:
        ours, theirs = medians["smartcity"], medians["spark"]
        result["ratios"] = {
            "events_per_s": round(ours["events_per_s"] / theirs["events_per_s"], 2),
            "cpu_efficiency": round(theirs["cpu_s_per_million"] / ours["cpu_s_per_million"], 2),
            "peak_rss": round(ours["peak_rss_mb"] / theirs["peak_rss_mb"], 3)}
    write_throughput(results, result)
    return agree


def start_results(results, name, result, title):
    """Writes results/<date>-<name>.json; returns its stem and the Markdown
    title lines, the last one starting with the machine."""
    results.mkdir(parents=True, exist_ok=True)
    stem = results / f"{result['date']}-{name}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    m = result["machine"]
    return stem, [f"# {title}, {result['date']}", "",
                  f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB. "]


def write_throughput(results, result):
    stem, lines = start_results(results, "spark-vs-smartcity", result,
                                "smartcity stream vs the seed's Spark job")
    lines[-1] += (f"{result['events']:,} seed-shaped events, {result['partitions']} "
                  "partitions per topic, byte-identical input. Outputs agree: "
                  f"**{result['outputs_agree']}**.")
    lines += ["", "| system | runs | wall s | events/s | CPU s per million | peak RSS MiB "
              "| MB written | files |", "|---|---|---|---|---|---|---|---|"]
    for system, med in result["median"].items():
        count = sum(1 for r in result["runs"] if r["system"] == system)
        lines.append(f"| {system} | {count} (median) | {med['wall_s']} | "
                     f"{med['events_per_s']:,.0f} | {med['cpu_s_per_million']} | "
                     f"{med['peak_rss_mb']} | {med['bytes_written'] / 1e6:.1f} | "
                     f"{med['files_written']:.0f} |")
    if "ratios" in result:
        r = result["ratios"]
        lines += ["", f"smartcity/Spark: {r['events_per_s']}x the events per second, "
                  f"{r['cpu_efficiency']}x the events per CPU second, "
                  f"{r['peak_rss']}x the peak memory."]
    lines += ["", "Every run:", "", "| system | run | wall s | events/s | CPU s per million "
              "| peak RSS MiB |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['system']} | {r['run']} | {r['wall_s']} | {r['events_per_s']:,} | "
              f"{r['cpu_s_per_million']} | {r['peak_rss_mb']} |" for r in result["runs"]]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    draw_chart(result, stem.with_suffix(".png"))


def draw_chart(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    systems = list(result["median"])
    colours = ["#2f7ed8", "#f28f43"][:len(systems)]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    for ax, (key, title) in zip(axes, [("events_per_s", "events/s (higher is better)"),
                                       ("cpu_s_per_million", "CPU s per million events"),
                                       ("peak_rss_mb", "peak RSS, MiB")]):
        values = [result["median"][s][key] for s in systems]
        bars = ax.bar(systems, values, color=colours)
        ax.bar_label(bars, labels=[f"{v:,.0f}" if v >= 100 else f"{v:.2f}" for v in values])
        ax.set_title(title, fontsize=10)
        ax.margins(y=0.2)
    m = result["machine"]
    fig.suptitle(f"{result['events']:,} events, {m['cores']} cores ({m['cpu']}), "
                 f"median of runs, {result['date']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---- freshness ------------------------------------------------------------------

class CommitWatcher:
    """Polls a lake every 0.25 s and records when each committed file was first
    seen. Committed means: for smartcity, a visible Parquet file (files are
    published only after their commit record); for Spark, a file named in the
    sink's _spark_metadata log."""

    def __init__(self, lake, system):
        self.lake, self.system = pathlib.Path(lake), system
        self.seen = {}  # path -> epoch seconds
        self.rows = 0
        self._logs_read = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _committed_now(self):
        if self.system == "smartcity":
            return parquet_files(self.lake)
        paths = []
        for log_dir in self.lake.glob("*/_spark_metadata"):
            for entry in sorted(log_dir.iterdir()):
                if entry.name.startswith(".") or entry in self._logs_read:
                    continue
                self._logs_read.add(entry)
                for line in entry.read_text().splitlines()[1:]:
                    path = json.loads(line)["path"]
                    paths.append(pathlib.Path(path.removeprefix("file:")))
        return paths

    def _run(self):
        import pyarrow.parquet as pq
        while not self._stop.is_set():
            now = time.time()
            for path in self._committed_now():
                if path not in self.seen:
                    self.seen[path] = now
                    self.rows += pq.read_metadata(path).num_rows
            self._stop.wait(0.25)

    def stop(self):
        self._stop.set()
        self._thread.join()


def kafka_timestamps_csv(bootstrap, path):
    """Writes topic,partition,offset,timestamp_ms of every record, read back with kcat."""
    with open(path, "w") as out:
        out.write("topic,partition,offset,ts_ms\n")
        out.flush()
        for topic in TABLES:
            subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-e", "-q", "-o",
                            "beginning", "-f", "%t,%p,%o,%T\n"], check=True, stdout=out)


def freshness_run(args, work, system, jars):
    broker = Broker(work / f"kafka-{system}", args.partitions)
    lake = work / f"{system}-fresh-lake"
    try:
        if system == "smartcity":
            command = [SMARTCITY, "stream", "--brokers", broker.bootstrap, "--lake", str(lake),
                       "--roll-interval", f"{args.interval}s"]
            env = None
            ready = lambda: (lake / "_smartcity" / "status.json").exists()
        else:
            checkpoints = work / "spark-fresh-checkpoints"
            command = spark_command(jars, broker.bootstrap, lake, checkpoints,
                                    ["--trigger-interval", str(args.interval),
                                     "--kafka-timestamp"])
            env = spark_env()
            ready = lambda: all((checkpoints / t / "metadata").exists() for t in TABLES.values())
        consumer = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                    stderr=open(work / f"{system}-fresh.log", "w"),
                                    start_new_session=True)
        deadline = time.monotonic() + 120
        while not ready():
            if consumer.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{system} did not start; see {work / f'{system}-fresh.log'}")
            time.sleep(0.25)
        watcher = CommitWatcher(lake, system)
        log(f"{system}: producing {args.rate:,} events/s for {args.duration} s")
        run_measured([SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--wire", "seed",
                      "--vehicles", "1000", "--seed", str(args.seed), "--rate", str(args.rate),
                      "--duration", f"{args.duration}s"])
        produced = sum(produced_per_table(broker.bootstrap).values())
        deadline = time.monotonic() + args.drain_timeout
        while watcher.rows < produced and time.monotonic() < deadline:
            time.sleep(0.5)
        watcher.stop()
        os.killpg(consumer.pid, signal.SIGTERM)
        try:
            consumer.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(consumer.pid, signal.SIGKILL)
            consumer.wait()
        timestamps = None
        if system == "smartcity":
            timestamps = work / f"{system}-timestamps.csv"
            kafka_timestamps_csv(broker.bootstrap, timestamps)
    finally:
        broker.stop()
    return freshness_stats(system, watcher, produced, timestamps, work)


def freshness_stats(system, watcher, produced, timestamps, work):
    import duckdb
    con = duckdb.connect()
    seen = work / f"{system}-seen.csv"
    seen.write_text("path,seen_s\n" + "".join(f"{p},{t}\n" for p, t in watcher.seen.items()))
    con.execute(f"CREATE TABLE seen AS SELECT * FROM read_csv('{seen}', header=true, "
                "columns={'path': 'VARCHAR', 'seen_s': 'DOUBLE'})")
    files = [str(p) for p in watcher.seen]
    if not files:
        return {"system": system, "produced": produced, "committed": 0}
    if system == "smartcity":
        con.execute(f"CREATE TABLE ts AS SELECT * FROM read_csv('{timestamps}', header=true)")
        rows = (f"SELECT r.filename AS path, k.ts_ms / 1000.0 AS produced_s "
                f"FROM read_parquet({files!r}, filename=true, union_by_name=true) r "
                f"JOIN ts k ON k.topic = r._topic AND k.partition = r._partition "
                f"AND k.offset = r._offset")
    else:
        rows = (f"SELECT filename AS path, epoch_us(_kafka_timestamp) / 1e6 AS produced_s "
                f"FROM read_parquet({files!r}, filename=true, union_by_name=true)")
    committed, p50, p99, worst = con.execute(
        f"SELECT count(*), quantile_cont(s.seen_s - r.produced_s, 0.5), "
        f"quantile_cont(s.seen_s - r.produced_s, 0.99), max(s.seen_s - r.produced_s) "
        f"FROM ({rows}) r JOIN seen s USING (path)").fetchone()
    return {"system": system, "produced": produced, "committed": committed,
            "p50_s": round(p50, 2), "p99_s": round(p99, 2), "max_s": round(worst, 2)}


def freshness(args, work, results):
    jars = [] if args.no_spark else spark_connector_jars()
    systems = ["smartcity"] + ([] if args.no_spark else ["spark"])
    rows = [freshness_run(args, work, system, jars) for system in systems]
    complete = all(r["committed"] == r["produced"] for r in rows)
    result = {"date": dt.date.today().isoformat(), "machine": machine(), "rate": args.rate,
              "duration_s": args.duration, "commit_interval_s": args.interval,
              "complete": complete, "spark_settings": SPARK_SETTINGS, "systems": rows}
    stem, lines = start_results(results, "spark-vs-smartcity-freshness", result,
                                "Freshness at a steady rate")
    lines[-1] += (f"{args.rate:,} seed-shaped events/s for {args.duration} s; both commit "
                  f"every {args.interval} s (smartcity --roll-interval, Spark processingTime "
                  "trigger). Freshness = first time a committed file holding the record was "
                  "seen (polled every 0.25 s) minus the record's Kafka timestamp.")
    lines += ["", "| system | produced | committed | p50 s | p99 s | max s |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {r['system']} | {r['produced']:,} | {r['committed']:,} | {r.get('p50_s')} | "
              f"{r.get('p99_s')} | {r.get('max_s')} |" for r in rows]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return complete


def main():
    parser = argparse.ArgumentParser(
        prog="bench/spark-vs-smartcity",
        description="smartcity stream against the seed's Spark job, side by side.")
    parser.add_argument("--events", type=int, default=5_000_000,
                        help="events to preload (throughput mode; default 5,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each system (default 3)")
    parser.add_argument("--partitions", type=int, default=3, help="partitions per topic")
    parser.add_argument("--seed", type=int, default=7, help="simulator seed")
    parser.add_argument("--no-spark", action="store_true",
                        help="run only smartcity (the smoke test in make test)")
    parser.add_argument("--freshness", action="store_true",
                        help="measure freshness at a steady rate instead of throughput")
    parser.add_argument("--rate", type=int, default=50_000, help="freshness: events/s")
    parser.add_argument("--duration", type=int, default=120, help="freshness: seconds")
    parser.add_argument("--interval", type=float, default=2,
                        help="freshness: commit interval of both systems, seconds")
    parser.add_argument("--drain-timeout", type=int, default=300,
                        help="freshness: seconds to wait for the last records to commit")
    parser.add_argument("--results-dir", type=pathlib.Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="spark-vs-smartcity-"))
    try:
        ok = freshness(args, work, args.results_dir) if args.freshness else \
            throughput(args, work, args.results_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
