"""What the benchmark scripts share: the binary, a real Kafka broker from
scripts/kafka, measuring a child process (wall, CPU, peak RSS), and writing
results as JSON and Markdown under bench/results/."""

import datetime as dt
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
SMARTCITY = os.environ.get("SMARTCITY_BIN", str(ROOT / "build" / "release" / "smartcity"))
KAFKA = ROOT / "scripts" / "kafka"
RESULTS = ROOT / "bench" / "results"


class Broker:
    """A scratch Kafka broker for one benchmark run."""

    def __init__(self, data: pathlib.Path, partitions: int = 3):
        self.data = data
        out = subprocess.run([str(KAFKA), "start", "--data", str(data), "--partitions",
                              str(partitions)], check=True, capture_output=True, text=True)
        self.bootstrap = out.stdout.strip().splitlines()[-1]

    def stop(self):
        subprocess.run([str(KAFKA), "stop", "--data", str(self.data)], check=False)


def build_pipeline_lake(lake: pathlib.Path, events: int, vehicles: int = 200):
    """A lake of `events` written the way users write one: simulate into a
    scratch broker, then `stream --until-caught-up`."""
    broker = Broker(lake.parent / "kafka")
    try:
        print(f"building a lake of {events:,} events", file=sys.stderr)
        run_measured([SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--vehicles",
                      str(vehicles), "--count", str(events), "--rate", "0", "--seed", "3"])
        run_measured([SMARTCITY, "stream", "--brokers", broker.bootstrap, "--lake", str(lake),
                      "--until-caught-up"])
    finally:
        broker.stop()


def run_measured(args):
    """Runs args to completion; returns (wall s, CPU s (user+sys), peak RSS MiB, stderr)."""
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{stderr[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stderr


def machine():
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "platform": platform.platform(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)}


RUN_COLUMNS = ["run", "wall s", "events/s", "CPU s per million", "peak RSS MiB"]


def run_table(runs):
    """The median of each measure over `runs`, and Markdown rows: one per run
    and the median last."""
    import statistics
    median = {k: statistics.median(r[k] for r in runs)
              for k in ("wall_s", "events_per_s", "cpu_s_per_million", "peak_rss_mb")}
    rows = [[r["run"], r["wall_s"], f"{r['events_per_s']:,}", r["cpu_s_per_million"],
             r["peak_rss_mb"]] for r in runs]
    rows.append(["median", median["wall_s"], f"{median['events_per_s']:,.0f}",
                 median["cpu_s_per_million"], median["peak_rss_mb"]])
    return median, rows


def write_results(name, result, table_header, table_rows, notes=""):
    """Writes bench/results/<date>-<name>.json and .md; prints the Markdown."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{dt.date.today().isoformat()}-{name}"
    result = {"date": dt.date.today().isoformat(), "machine": machine(), **result}
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    m = result["machine"]
    lines = [f"# {name}, {result['date']}", "",
             f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB. {notes}".rstrip(),
             "", "| " + " | ".join(table_header) + " |",
             "|" + "---|" * len(table_header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in table_rows]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
