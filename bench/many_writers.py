#!/usr/bin/env python3
"""Many writers on one lake: events/s of `stream --until-caught-up` with 1 and
with 2 processes in one consumer group (on this machine they share its cores,
so two processes are not expected to be faster; this records what they
cost), and commits per second the lake sustains with 1 and 8 writers
committing small batches (bench/lake_commit_bench.cpp), and the start-up read
of a 100,000-commit log with and without checkpoints
(bench/commit_log_bench.cpp).

Usage: bench/many_writers.py [--events N] [--runs R]"""

import argparse
import json
import pathlib
import re
import statistics
import subprocess
import sys
import time

from bench_common import ROOT, SMARTCITY, Broker, run_measured, write_results, scratch_folder

COMMIT_BENCH = ROOT / "build" / "release" / "bench" / "lake_commit_bench"
STARTUP_BENCH = ROOT / "build" / "release" / "bench" / "commit_log_bench"


def google_benchmark(binary, out):
    subprocess.run([str(binary), f"--benchmark_out={out}", "--benchmark_out_format=json"],
                   check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())["benchmarks"]


def stream_members(bootstrap, lake, group, members):
    """Starts `members` stream processes at once; returns (wall s, records read)."""
    start = time.monotonic()
    procs = [subprocess.Popen([SMARTCITY, "stream", "--brokers", bootstrap, "--lake", str(lake),
                               "--group", group, "--until-caught-up"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(members)]
    records = 0
    for proc in procs:
        stderr = proc.stderr.read()
        if proc.wait() != 0:
            sys.exit(f"stream failed:\n{stderr[-3000:]}")
        match = re.search(r"(\d+) records in", stderr)
        records += int(match.group(1)) if match else 0
    return time.monotonic() - start, records


def committed_offsets(lake):
    offsets = {}
    for record in (lake / "_smartcity" / "commits").glob("*.json"):
        for entry in json.loads(record.read_text())["offsets"]:
            key = (entry["topic"], entry["partition"])
            offsets[key] = max(offsets.get(key, 0), entry["next_offset"])
    return sum(offsets.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    work = scratch_folder("smartcity-many-writers-")
    broker = Broker(work / "kafka")
    rows = []
    result = {"events": args.events, "runs": args.runs, "streams": {}}
    try:
        run_measured([SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--wire", "seed",
                      "--vehicles", "100", "--count", str(args.events), "--seed", "5",
                      "--rate", "0"])
        for members in (1, 2):
            walls = []
            for i in range(args.runs):
                lake = work / f"lake-{members}-{i}"
                wall, records = stream_members(broker.bootstrap, lake, f"bench-{members}-{i}",
                                               members)
                if committed_offsets(lake) != args.events:
                    sys.exit(f"{members} members committed {committed_offsets(lake)} offsets, "
                             f"expected {args.events}")
                walls.append(wall)
                print(f"{members} member(s), run {i}: {wall:.2f} s, {records:,} records read "
                      "(re-reads after rebalances included)", file=sys.stderr)
            median = statistics.median(walls)
            result["streams"][members] = {"wall_s": [round(w, 2) for w in walls],
                                          "median_events_per_s": round(args.events / median)}
            rows.append([f"stream, {members} process(es) in one group", f"{median:.2f} s",
                         f"{args.events / median:,.0f} events/s"])
    finally:
        broker.stop()

    for bench in google_benchmark(COMMIT_BENCH, work / "commits.json"):
        threads = bench["threads"]
        result.setdefault("commits", {})[threads] = {
            "commits_per_s": round(bench["commits_per_s"]), "conflicts": bench["conflicts"]}
        rows.append([f"small commits, {threads} writer(s)", f"{bench['real_time']:.1f} ms/commit",
                     f"{bench['commits_per_s']:,.0f} commits/s "
                     f"({bench['conflicts']:.0f} conflicts retried)"])
    for bench in google_benchmark(STARTUP_BENCH, work / "startup.json"):
        kind = bench["name"].split("/")[1]
        result.setdefault("startup_100k_commits_ms", {})[kind] = round(bench["real_time"])
        rows.append([f"start-up read of a 100,000-commit log, {kind.replace('_', ' ')}",
                     f"{bench['real_time']:.0f} ms", f"{bench['files']:,.0f} files in the state"])
    write_results("many-writers", result, ["what", "median", "rate"], rows,
                  f"{args.events:,} seed-shaped events, 3 partitions per topic; each stream "
                  "run into a fresh lake with a fresh group, all processes started at once.")


if __name__ == "__main__":
    main()
