#!/usr/bin/env python3
"""Stream baseline: preload N seed-shaped events into a real Kafka broker, then
time `smartcity stream --until-caught-up` alone, several runs, each into a
fresh lake with a fresh consumer group. Records events/s, CPU seconds per
million events (user + system of the stream process), and peak RSS; beside
the wall time (start-up and group join included), the stream's own time from
the first record read to the last commit.

Usage: bench/stream_baseline.py [--events N] [--runs R] [--partitions P]"""

import argparse
import pathlib
import re
import sys
import tempfile

from bench_common import RUN_COLUMNS, SMARTCITY, Broker, run_measured, run_table, write_results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=3)
    args = parser.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="smartcity-bench-"))
    broker = Broker(work / "kafka", args.partitions)
    try:
        print(f"preloading {args.events:,} seed-shaped events into {broker.bootstrap}",
              file=sys.stderr)
        wall, cpu, _, _ = run_measured(
            [SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--wire", "seed", "--vehicles",
             "100", "--count", str(args.events), "--seed", "1", "--rate", "0"])
        preload = {"wall_s": round(wall, 2), "events_per_s": round(args.events / wall),
                   "cpu_s_per_million": round(cpu / args.events * 1e6, 3)}
        runs = []
        for i in range(args.runs):
            wall, cpu, rss, stderr = run_measured(
                [SMARTCITY, "stream", "--brokers", broker.bootstrap, "--lake",
                 str(work / f"lake-{i}"), "--group", f"bench-{i}", "--until-caught-up"])
            match = re.search(r"(\d+) records in ([\d.]+)s", stderr)
            records = int(match.group(1)) if match else 0
            loop_s = float(match.group(2)) if match else 0.0
            if records != args.events:
                sys.exit(f"run {i}: streamed {records} records, expected {args.events}")
            runs.append({"run": i, "wall_s": round(wall, 2),
                         "events_per_s": round(args.events / wall),
                         "cpu_s_per_million": round(cpu / args.events * 1e6, 3),
                         "peak_rss_mb": round(rss, 1), "read_to_commit_s": loop_s,
                         "read_to_commit_events_per_s": round(args.events / loop_s)})
            print(f"run {i}: {runs[-1]}", file=sys.stderr)
    finally:
        broker.stop()
    median, rows = run_table(runs)
    import statistics
    for key in ("read_to_commit_s", "read_to_commit_events_per_s"):
        median[key] = statistics.median(r[key] for r in runs)
    for row, values in zip(rows, runs + [median]):
        row += [values["read_to_commit_s"], f"{values['read_to_commit_events_per_s']:,.0f}"]
    size = f"{args.events // 1_000_000}M" if args.events % 1_000_000 == 0 else str(args.events)
    write_results(f"stream-baseline-{size}",
                  {"events": args.events, "partitions": args.partitions, "preload": preload,
                   "runs": runs, "median": median},
                  RUN_COLUMNS + ["first-read-to-last-commit s", "its events/s"], rows,
                  f"{args.events:,} seed-shaped events, {args.partitions} partitions per topic; "
                  "wall time includes start-up and the consumer-group join.")


if __name__ == "__main__":
    main()
