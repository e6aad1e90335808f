#!/usr/bin/env python3
"""simulate -> broker throughput: generate and publish N fleet events to a
real local Kafka broker with `smartcity simulate --rate 0`, several runs.
Records events/s and CPU seconds per million events of the simulate process
(the broker's CPU is not counted: the target is the producer side).

Usage: bench/simulate_throughput.py [--events N] [--runs R] [--wire canonical|seed]"""

import argparse
import pathlib

from bench_common import RUN_COLUMNS, SMARTCITY, Broker, run_measured, run_table, write_results, scratch_folder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wire", default="canonical")
    args = parser.parse_args()
    work = scratch_folder("smartcity-bench-")
    broker = Broker(work / "kafka")
    runs = []
    try:
        for i in range(args.runs):
            wall, cpu, rss, _ = run_measured(
                [SMARTCITY, "simulate", "--brokers", broker.bootstrap, "--vehicles", "100",
                 "--count", str(args.events), "--seed", str(i), "--rate", "0", "--wire",
                 args.wire])
            runs.append({"run": i, "wall_s": round(wall, 2),
                         "events_per_s": round(args.events / wall),
                         "cpu_s_per_million": round(cpu / args.events * 1e6, 3),
                         "peak_rss_mb": round(rss, 1)})
            print(runs[-1])
    finally:
        broker.stop()
    median, rows = run_table(runs)
    write_results(f"simulate-throughput-{args.wire}",
                  {"events": args.events, "wire": args.wire, "runs": runs, "median": median},
                  RUN_COLUMNS, rows,
                  f"{args.events:,} fleet events (100 vehicles), {args.wire} wire format, "
                  "published to a local broker; CPU of the simulate process only.")


if __name__ == "__main__":
    main()
