"""What the benchmark scripts share: the binary, a real Kafka broker from
scripts/kafka, measuring a child process (wall, CPU, peak RSS), and writing
results as JSON and Markdown under bench/results/."""

import atexit
import datetime as dt
import json
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
SMARTCITY = os.environ.get("SMARTCITY_BIN", str(ROOT / "build" / "release" / "smartcity"))
KAFKA = ROOT / "scripts" / "kafka"
RESULTS = ROOT / "bench" / "results"


def scratch_folder(prefix):
    """A fresh temporary folder for one benchmark's broker data and lakes, removed when
    the benchmark exits (a 5M-event A/B leaves gigabytes, enough to fill a disk over a
    day of runs); SMARTCITY_BENCH_KEEP=1 keeps it for a look."""
    path = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    if os.environ.get("SMARTCITY_BENCH_KEEP") == "1":
        print(f"keeping {path}", file=sys.stderr)
    else:
        atexit.register(shutil.rmtree, path, True)
    return path


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


def _process_tree(root_pid):
    """The pids of root_pid and all its descendants alive now."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; fields after it are fixed.
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _tree_rss_mib(root_pid):
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in _process_tree(root_pid):
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page
        except OSError:
            pass
    return total / 2**20


def run_measured_tree(args, env=None, sample_s=0.2, stdout=subprocess.DEVNULL):
    """Runs args to completion and measures its whole process tree (a JVM that
    starts a Python driver, say): returns (wall s, CPU s, peak RSS MiB, stderr).
    CPU is user + system of the process and every descendant it reaped; peak RSS
    is the largest sum of the tree's resident sets seen by sampling every
    sample_s seconds (a short spike between samples can be missed), and never
    less than the largest single process's own peak."""
    import threading
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env)
    stderr_chunks = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()))
    reader.start()
    peak = 0.0
    while True:
        # Sample before reaping: after wait4 the pid is gone.
        peak = max(peak, _tree_rss_mib(proc.pid))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(sample_s)
    wall = time.monotonic() - start
    reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = "".join(stderr_chunks)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{stderr[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, max(peak, usage.ru_maxrss / 1024), stderr
