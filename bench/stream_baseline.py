#!/usr/bin/env python3
"""Stream baseline: preload N seed-shaped events into a real Kafka broker, then
time `smartcity stream --until-caught-up` alone, several runs, each into a
fresh lake with a fresh consumer group. Records events/s, CPU seconds per
million events (user + system of the stream process), and peak RSS; beside
the wall time (start-up and group join included), the stream's own time from
the first record read to the last commit.

With --against OTHER_BINARY the runs alternate between this build and that
one (an older commit, say) on the same preloaded broker, and the results are
the two medians and their ratios: the machine is shared and noisy, and it is
not always the same machine, so a change is measured against its parent here
and now rather than against figures recorded elsewhere.

Usage: bench/stream_baseline.py [--events N] [--runs R] [--partitions P] [--vehicles V]
                               [--warmup W] [--against BIN]"""

import argparse
import pathlib
import re
import statistics
import sys

from bench_common import RUN_COLUMNS, SMARTCITY, Broker, run_measured, run_table, write_results, scratch_folder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--vehicles", type=int, default=100,
                        help="the simulated fleet: with more vehicles, event time runs slower "
                             "(the same events in fewer hours), so commits write fewer, larger files")
    parser.add_argument("--against", help="another smartcity binary to alternate runs with")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before the timed ones")
    args = parser.parse_args()
    binaries = [("this build", SMARTCITY)] + ([("against", args.against)] if args.against else [])

    work = scratch_folder("smartcity-bench-")
    broker = Broker(work / "kafka", args.partitions)
    try:
        print(f"preloading {args.events:,} seed-shaped events into {broker.bootstrap}",
              file=sys.stderr)
        wall, cpu, _, _ = run_measured(
            [SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--wire", "seed", "--vehicles",
             str(args.vehicles), "--count", str(args.events), "--seed", "1", "--rate", "0"])
        preload = {"wall_s": round(wall, 2), "events_per_s": round(args.events / wall),
                   "cpu_s_per_million": round(cpu / args.events * 1e6, 3)}
        # The first stream after the preload runs on a broker whose JIT and
        # page cache are still cold (one such run took 1.3 s longer to start):
        # one untimed run first, and the order turned every round, so that
        # neither binary is always the one that runs first.
        for w in range(args.warmup):
            stream_once(SMARTCITY, broker, work / f"lake-warmup-{w}", f"bench-warmup-{w}",
                        args.events, w)
        runs = {label: [] for label, _ in binaries}
        for i in range(args.runs):
            for label, binary in (binaries if i % 2 == 0 else binaries[::-1]):
                runs[label].append(stream_once(binary, broker, work / f"lake-{label}-{i}",
                                               f"bench-{label}-{i}".replace(" ", "-"), args.events, i))
                print(f"{label} run {i}: {runs[label][-1]}", file=sys.stderr)
    finally:
        broker.stop()
    size = f"{args.events // 1_000_000}M" if args.events % 1_000_000 == 0 else str(args.events)
    if args.vehicles != 100:
        size += f"-fleet-{args.vehicles}"
    files = statistics.median(r["files"] for label_runs in runs.values() for r in label_runs)
    notes = (f"{args.events:,} seed-shaped events from a simulated fleet of {args.vehicles:,} "
             f"vehicles, {args.partitions} partitions per topic; wall time includes start-up and "
             f"the consumer-group join. Parquet files written per run (median): {files:,.0f}, "
             f"{args.events / max(files, 1):,.0f} events a file.")
    if not args.against:
        median, rows = table(runs["this build"])
        write_results(f"stream-baseline-{size}",
                      {"events": args.events, "partitions": args.partitions,
                       "vehicles": args.vehicles, "preload": preload, "runs": runs["this build"],
                       "median": median},
                      RUN_COLUMNS + ["first-read-to-last-commit s", "its events/s"], rows, notes)
        return
    medians = {label: table(label_runs)[0] for label, label_runs in runs.items()}
    rows = []
    for label, median in medians.items():
        rows.append([label, round(median["wall_s"], 3), f"{median['events_per_s']:,.0f}",
                     round(median["cpu_s_per_million"], 3), round(median["peak_rss_mb"], 1),
                     f"{median['read_to_commit_events_per_s']:,.0f}"])
    this, other = medians["this build"], medians["against"]
    rows.append(["ratio", round(this["wall_s"] / other["wall_s"], 3),
                 round(this["events_per_s"] / other["events_per_s"], 3),
                 round(this["cpu_s_per_million"] / other["cpu_s_per_million"], 3),
                 round(this["peak_rss_mb"] / other["peak_rss_mb"], 3),
                 round(this["read_to_commit_events_per_s"] / other["read_to_commit_events_per_s"], 3)])
    lake_bytes = ", ".join(
        f"{label} {statistics.median(r['parquet_bytes'] for r in label_runs):,.0f}"
        for label, label_runs in runs.items())
    write_results(f"stream-ab-{size}",
                  {"events": args.events, "partitions": args.partitions,
                   "vehicles": args.vehicles, "preload": preload, "against": args.against,
                   "runs": runs, "medians": medians},
                  ["binary (median of runs, alternating)", "wall s", "events/s", "CPU s per million",
                   "peak RSS MiB", "first-read-to-last-commit events/s"], rows,
                  notes + f" {args.runs} runs each, alternating (the order turned every round, "
                  f"after {args.warmup} untimed run(s)). Parquet bytes of a lake "
                  f"(median): {lake_bytes}.")


def stream_once(binary, broker, lake, group, events, run):
    wall, cpu, rss, stderr = run_measured(
        [binary, "stream", "--brokers", broker.bootstrap, "--lake", str(lake), "--group", group,
         "--until-caught-up"])
    match = re.search(r"(\d+) records in ([\d.]+)s", stderr)
    records = int(match.group(1)) if match else 0
    loop_s = float(match.group(2)) if match else 0.0
    if records != events:
        sys.exit(f"{binary} run {run}: streamed {records} records, expected {events}")
    parquet = [p for p in lake.rglob("*.parquet") if not p.name.startswith(".")]
    files = len(parquet)
    return {"run": run, "wall_s": round(wall, 2), "events_per_s": round(events / wall),
            "cpu_s_per_million": round(cpu / events * 1e6, 3), "peak_rss_mb": round(rss, 1),
            "read_to_commit_s": loop_s, "read_to_commit_events_per_s": round(events / loop_s),
            "files": files, "parquet_bytes": sum(p.stat().st_size for p in parquet)}


def table(runs):
    """run_table's median and rows, with the stream's own first-read-to-last-commit time."""
    median, rows = run_table(runs)
    for key in ("read_to_commit_s", "read_to_commit_events_per_s"):
        median[key] = statistics.median(r[key] for r in runs)
    for row, values in zip(rows, runs + [median]):
        row += [values["read_to_commit_s"], f"{values['read_to_commit_events_per_s']:,.0f}"]
    return median, rows

if __name__ == "__main__":
    main()
