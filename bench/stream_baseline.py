#!/usr/bin/env python3
"""Stream baseline: preload N seed-shaped events into a real Kafka broker, then
time `smartcity stream --until-caught-up` alone, several runs, each into a
fresh lake with a fresh consumer group. Records events/s, CPU seconds per
million events (user + system of the stream process), and peak RSS.

Usage: bench/stream_baseline.py [--events N] [--runs R] [--partitions P]
Writes bench/results/<date>-stream-baseline.json and .md."""

import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
SMARTCITY = os.environ.get("SMARTCITY_BIN", str(ROOT / "build" / "release" / "smartcity"))
KAFKA = ROOT / "scripts" / "kafka"


def run_measured(args):
    """Runs args; returns (wall seconds, cpu seconds, peak RSS MiB, stderr)."""
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    stderr = proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(args)} failed:\n{stderr[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stderr


def machine():
    return {"cores": os.cpu_count(), "platform": platform.platform(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="smartcity-bench-"))
    bootstrap = subprocess.run([str(KAFKA), "start", "--data", str(work / "kafka")], check=True,
                               capture_output=True, text=True).stdout.strip().splitlines()[-1]
    try:
        print(f"preloading {args.events:,} seed-shaped events into {bootstrap}", file=sys.stderr)
        wall, cpu, _, _ = run_measured(
            [SMARTCITY, "simulate", "--brokers", bootstrap, "--wire", "seed", "--vehicles", "100",
             "--count", str(args.events), "--seed", "1", "--rate", "0",
             "--partitions", str(args.partitions)])
        preload = {"wall_s": round(wall, 2), "events_per_s": round(args.events / wall),
                   "cpu_s_per_million": round(cpu / args.events * 1e6, 3)}
        runs = []
        for i in range(args.runs):
            lake = work / f"lake-{i}"
            wall, cpu, rss, stderr = run_measured(
                [SMARTCITY, "stream", "--brokers", bootstrap, "--lake", str(lake),
                 "--group", f"bench-{i}", "--until-caught-up", "--roll-interval", "60s"])
            match = re.search(r"(\d+) records in ([\d.]+)s", stderr)
            records = int(match.group(1)) if match else 0
            if records != args.events:
                sys.exit(f"run {i}: streamed {records} records, expected {args.events}")
            runs.append({"run": i, "wall_s": round(wall, 2),
                         "events_per_s": round(args.events / wall),
                         "cpu_s_per_million": round(cpu / args.events * 1e6, 3),
                         "peak_rss_mb": round(rss, 1)})
            print(f"run {i}: {runs[-1]}", file=sys.stderr)
    finally:
        subprocess.run([str(KAFKA), "stop", "--data", str(work / "kafka")], check=False)

    summary = {key: statistics.median(r[key] for r in runs)
               for key in ("wall_s", "events_per_s", "cpu_s_per_million", "peak_rss_mb")}
    result = {"date": dt.date.today().isoformat(), "events": args.events,
              "partitions": args.partitions, "machine": machine(), "preload": preload,
              "runs": runs, "median": summary}
    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{result['date']}-stream-baseline"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# stream baseline, {result['date']}", "",
             f"{args.events:,} seed-shaped events, {args.partitions} partitions per topic, "
             f"{result['machine']['cores']} cores. Wall time includes start-up and group join.", "",
             "| run | wall s | events/s | CPU s per million | peak RSS MiB |",
             "|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['run']} | {r['wall_s']} | {r['events_per_s']:,} | "
                     f"{r['cpu_s_per_million']} | {r['peak_rss_mb']} |")
    lines.append(f"| median | {summary['wall_s']} | {summary['events_per_s']:,.0f} | "
                 f"{summary['cpu_s_per_million']} | {summary['peak_rss_mb']} |")
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
